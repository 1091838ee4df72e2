#!/bin/sh
# Runs inside the chroot of a copy of the base rootfs; adds PostgreSQL 15 the
# way the official postgres:15 image lays it out.
set -eu
export DEBIAN_FRONTEND=noninteractive

# The official image pins uid/gid 999 before installing, so volumes that it
# initialised stay readable here and the other way round.
groupadd -r postgres --gid=999
useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres
mkdir -p /var/lib/postgresql
chown -R postgres:postgres /var/lib/postgresql

# The entrypoint runs initdb itself; Debian must not create a "main" cluster.
mkdir -p /etc/postgresql-common
echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf

apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 locales >/dev/null

# Same default locale as the official image (LANG=en_US.utf8).
localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

# Clusters that initdb creates listen on every interface, as in the official image.
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" \
    /usr/share/postgresql/15/postgresql.conf.sample
grep -F "listen_addresses = '*'" /usr/share/postgresql/15/postgresql.conf.sample

mkdir -p /var/run/postgresql /docker-entrypoint-initdb.d /var/lib/postgresql/data
chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql/data
chmod 3777 /var/run/postgresql
chmod 1777 /var/lib/postgresql/data

apt-get clean
rm -rf /var/lib/apt/lists/*
# Translations only; the locale archive lives in /usr/lib/locale.
find /usr/share/locale -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
