#!/usr/bin/env bash
# Stand-in for the official postgres image's entrypoint (same documented contract):
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_USER (default postgres), POSTGRES_DB (default: the user),
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD,
#   PGDATA (default /var/lib/postgresql/data), and the *_FILE variants.
# On an empty PGDATA it runs initdb, creates the database and runs
# /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sql.xz and *.sh in order,
# then execs `postgres` (plus any extra arguments) as the postgres user.
set -Eeo pipefail

log() { printf '%s\n' "$*" >&2; }

# VAR_FILE=/run/secrets/x sets VAR from that file, as in the official image.
file_env() {
	local var=$1 file_var="${1}_FILE" default=${2:-}
	if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
		log "error: both $var and $file_var are set (but are exclusive)"
		exit 1
	fi
	local value=$default
	if [[ -n ${!var:-} ]]; then
		value=${!var}
	elif [[ -n ${!file_var:-} ]]; then
		value=$(<"${!file_var}")
	fi
	export "$var"="$value"
	unset "$file_var"
}

setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	export PGDATA=${PGDATA:-/var/lib/postgresql/data}
	DATABASE_ALREADY_EXISTS=
	if [[ -s $PGDATA/PG_VERSION ]]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# As root: own the data and socket dirs, then come back as postgres.
prepare_as_root() {
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA" || :
	chmod 03775 /var/run/postgresql || :
	if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
	find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
}

verify_minimum_env() {
	if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
		log 'Error: Database is uninitialized and superuser password is not specified.'
		log '       You must specify POSTGRES_PASSWORD to a non-empty value for the'
		log '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".'
		log '       Or set POSTGRES_HOST_AUTH_METHOD=trust to allow all connections'
		log '       without a password (not recommended).'
		exit 1
	fi
	if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
		log 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: every host may connect without a password.'
	fi
}

init_database_dir() {
	if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# eval: POSTGRES_INITDB_ARGS is split like a shell command line, as upstream does.
	eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "$@"'
}

setup_hba_conf() {
	local method=$POSTGRES_HOST_AUTH_METHOD
	if [[ -z $method ]]; then
		method=$(postgres -C password_encryption "$@")
	fi
	printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
}

temp_server_start() {
	# Unix socket only: nothing outside the container sees a half-initialised server.
	PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p 5432 $*" start
}

temp_server_stop() {
	PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
}

psql_init() {
	# Empty PGHOST/PGHOSTADDR: always the unix socket of the temporary server.
	PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
		--username "$POSTGRES_USER" --dbname "${1:-$POSTGRES_DB}" "${@:2}"
}

setup_db() {
	local exists
	exists=$(psql_init postgres -tA -v db="$POSTGRES_DB" \
		<<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
	if [[ -z $exists ]]; then
		psql_init postgres -q -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
		log "created database $POSTGRES_DB"
	fi
}

process_init_files() {
	local f
	for f in "$@"; do
		case $f in
		*.sh)
			if [[ -x $f ]]; then
				log "$0: running $f"
				"$f"
			else
				log "$0: sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) log "$0: running $f" && psql_init "$POSTGRES_DB" -f "$f" ;;
		*.sql.gz) log "$0: running $f" && gunzip -c "$f" | psql_init "$POSTGRES_DB" ;;
		*.sql.xz) log "$0: running $f" && xzcat "$f" | psql_init "$POSTGRES_DB" ;;
		*) log "$0: ignoring $f" ;;
		esac
	done
}

initialise() {
	verify_minimum_env
	init_database_dir
	setup_hba_conf "$@"
	export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
	temp_server_start "$@"
	setup_db
	shopt -s nullglob
	process_init_files /docker-entrypoint-initdb.d/*
	shopt -u nullglob
	temp_server_stop
	unset PGPASSWORD
	log 'PostgreSQL init process complete; ready for start up.'
}

main() {
	# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`.
	if [[ ${1:0:1} == - ]]; then
		set -- postgres "$@"
	fi
	if [[ $1 != postgres ]] || [[ " $* " =~ \ (-V|--version|--help|--describe-config)\  ]]; then
		exec "$@"
	fi
	setup_env
	if [[ $(id -u) == 0 ]]; then
		prepare_as_root
		exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
	fi
	if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
		initialise "${@:2}"
	else
		log 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	fi
	exec "$@"
}

main "$@"
