#!/bin/sh
# Like the official minio image: any command that is not `minio` is an
# argument list for minio, so `command: server /data` works.
set -e
if [ "${1:-}" != "minio" ] && [ -n "${1:-}" ]; then
	set -- minio "$@"
fi
exec "$@"
