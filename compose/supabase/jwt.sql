-- Mounted into supabase/postgres as an init script (runs once, on an empty volume).
-- The database knows the project's JWT secret and expiry, as in Supabase's self-hosting setup.
\set jwt_secret `echo "$JWT_SECRET"`
\set jwt_exp `echo "$JWT_EXP"`

alter database postgres set "app.settings.jwt_secret" to :'jwt_secret';
alter database postgres set "app.settings.jwt_exp" to :'jwt_exp';
