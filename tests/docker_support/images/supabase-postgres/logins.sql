-- Stand-in only. In supabase/postgres the image's initial schema creates these service roles
-- with LOGIN; devenv's database surface, which the stand-in reuses, creates them NOLOGIN
-- because natively nothing logs in as them. Their passwords come from 99-roles.sql.
alter role authenticator login noinherit;
alter role supabase_auth_admin login noinherit;
alter role supabase_storage_admin login noinherit;
