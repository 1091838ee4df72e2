-- Clinics and the people who work in them.
create type provider_role as enum ('physician', 'nurse', 'dentist', 'therapist', 'assistant');

create table clinics (
    id          bigint generated always as identity primary key,
    name        text not null,
    slug        text not null unique,
    phone       text,
    street      text,
    city        text not null,
    postal_code text,
    country     text not null default 'US',
    timezone    text not null default 'UTC',
    settings    jsonb not null default '{}'::jsonb,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    check (updated_at >= created_at)
);

create table providers (
    id             bigint generated always as identity primary key,
    clinic_id      bigint not null references clinics (id) on delete cascade,
    supervisor_id  bigint references providers (id) on delete set null,
    first_name     text not null,
    last_name      text not null,
    email          text not null unique,
    role           provider_role not null,
    license_number varchar(20) unique,
    hired_on       date not null,
    created_at     timestamptz not null default now(),
    check (supervisor_id is null or supervisor_id <> id)
);
create index providers_clinic_idx on providers (clinic_id);
