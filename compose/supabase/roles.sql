-- Mounted into supabase/postgres as an init script (runs once, on an empty volume).
-- The service roles log in with the project's database password, read from the container's
-- environment, as in Supabase's self-hosting setup. The password is never written here.
\set pgpass `echo "$POSTGRES_PASSWORD"`

alter user authenticator with password :'pgpass';
alter user supabase_auth_admin with password :'pgpass';
alter user supabase_storage_admin with password :'pgpass';
