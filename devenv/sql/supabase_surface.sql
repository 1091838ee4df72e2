-- The database surface of Supabase that applications and their migrations rely on:
-- roles, schemas, auth.users, auth.uid()/role()/email()/jwt(), storage tables, default grants.
-- Idempotent: devenv runs it before the project's migrations on every `up`.

do $$
declare
    r text;
begin
    foreach r in array array['anon', 'authenticated'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin noinherit', r);
        end if;
    end loop;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
    foreach r in array array['supabase_admin', 'supabase_auth_admin', 'supabase_storage_admin'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin createrole', r);
        end if;
    end loop;
    if not exists (select 1 from pg_roles where rolname = 'dashboard_user') then
        create role dashboard_user nologin createrole createdb;
    end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

create schema if not exists extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create schema if not exists auth authorization supabase_auth_admin;
create schema if not exists storage authorization supabase_storage_admin;
create schema if not exists graphql_public;
create schema if not exists realtime;
create schema if not exists supabase_migrations;

grant usage on schema public, extensions, graphql_public to anon, authenticated, service_role;
grant usage on schema auth, storage to anon, authenticated, service_role;
grant all on schema auth to supabase_admin, postgres;
grant all on schema storage to supabase_admin, postgres;

create table if not exists auth.users (
    instance_id          uuid,
    id                   uuid primary key,
    aud                  varchar(255),
    role                 varchar(255),
    email                varchar(255) unique,
    encrypted_password   varchar(255),
    email_confirmed_at   timestamptz,
    raw_app_meta_data    jsonb default '{}'::jsonb,
    raw_user_meta_data   jsonb default '{}'::jsonb,
    is_super_admin       boolean,
    created_at           timestamptz default now(),
    updated_at           timestamptz default now(),
    phone                text unique,
    phone_confirmed_at   timestamptz,
    last_sign_in_at      timestamptz,
    banned_until         timestamptz,
    deleted_at           timestamptz,
    is_anonymous         boolean not null default false,
    -- GoTrue reads these as strings: '' rather than NULL for a user that can sign in.
    confirmation_token      varchar(255) default '',
    recovery_token          varchar(255) default '',
    email_change_token_new  varchar(255) default '',
    email_change            varchar(255) default ''
);
alter table auth.users add column if not exists confirmation_token varchar(255) default '';
alter table auth.users add column if not exists recovery_token varchar(255) default '';
alter table auth.users add column if not exists email_change_token_new varchar(255) default '';
alter table auth.users add column if not exists email_change varchar(255) default '';
alter table auth.users owner to supabase_auth_admin;

create or replace function auth.uid() returns uuid
language sql stable as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;

create or replace function auth.role() returns text
language sql stable as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;

create or replace function auth.email() returns text
language sql stable as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
    to anon, authenticated, service_role;
grant select on auth.users to service_role;
grant all on auth.users to supabase_auth_admin, postgres;

create table if not exists storage.buckets (
    id                  text primary key,
    name                text not null unique,
    owner               uuid,
    public              boolean default false,
    file_size_limit     bigint,
    allowed_mime_types  text[],
    created_at          timestamptz default now(),
    updated_at          timestamptz default now()
);
create table if not exists storage.objects (
    id                uuid primary key default extensions.gen_random_uuid(),
    bucket_id         text references storage.buckets (id),
    name              text,
    owner             uuid,
    metadata          jsonb,
    path_tokens       text[] generated always as (string_to_array(name, '/')) stored,
    created_at        timestamptz default now(),
    updated_at        timestamptz default now(),
    last_accessed_at  timestamptz default now(),
    unique (bucket_id, name)
);
-- Supabase's storage dropped the owner foreign keys to auth.users (its migration
-- drop-owner-foreign-key): buckets outlive their creator, and seeding users leaves them be.
alter table storage.buckets drop constraint if exists buckets_owner_fkey;
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.objects enable row level security;
alter table storage.buckets enable row level security;
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;

-- What PostgREST and Supabase CLI users expect of objects created later in public.
grant all on all tables in schema public to anon, authenticated, service_role;
grant all on all sequences in schema public to anon, authenticated, service_role;
grant all on all functions in schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

create table if not exists supabase_migrations.schema_migrations (
    version     text primary key,
    statements  text[],
    name        text
);
