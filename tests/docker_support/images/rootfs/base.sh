#!/bin/sh
# Runs inside the chroot of a fresh `debootstrap --variant=minbase` rootfs.
# Shared by every stand-in image: no daemon may start during package installs,
# and docs, man pages and apt lists are dead weight in an image.
set -eu

printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

# Keep later `apt-get install` runs from pulling docs back in.
cat > /etc/dpkg/dpkg.cfg.d/01-standin-nodoc <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
CFG

apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/*
