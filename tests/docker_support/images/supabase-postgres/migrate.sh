#!/bin/sh
# Stand-in for supabase/postgres's /docker-entrypoint-initdb.d/migrate.sh (same contract).
# The entrypoint runs it once, on an empty volume, against the temporary init server:
#   1. as supabase_admin (the initial superuser): create role postgres with POSTGRES_PASSWORD;
#   2. run init-scripts/*.sql as postgres, in name order;
#   3. give supabase_admin the same password;
#   4. run migrations/*.sql as supabase_admin.
set -eu

export PGDATABASE="${POSTGRES_DB:-postgres}"
export PGHOST="${POSTGRES_HOST:-localhost}"
export PGPORT="${POSTGRES_PORT:-5432}"
export PGPASSWORD="${POSTGRES_PASSWORD:-}"

run_psql() {
	psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -v pw="$PGPASSWORD" "$@"
}

run_psql -U supabase_admin -d postgres <<'SQL'
create role postgres superuser login password :'pw';
SQL

db=$(cd -- "$(dirname -- "$0")" >/dev/null 2>&1 && pwd)
for sql in "$db"/init-scripts/*.sql; do
	[ -e "$sql" ] || continue
	echo "$0: running $sql"
	run_psql -U postgres -f "$sql"
done
run_psql -U postgres <<'SQL'
alter user supabase_admin with password :'pw';
SQL
for sql in "$db"/migrations/*.sql; do
	[ -e "$sql" ] || continue
	echo "$0: running $sql"
	run_psql -U supabase_admin -f "$sql"
done
