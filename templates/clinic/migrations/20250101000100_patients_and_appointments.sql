-- Patients and their visits.
create table patients (
    id             uuid primary key default gen_random_uuid(),
    clinic_id      bigint not null references clinics (id) on delete cascade,
    first_name     text not null,
    last_name      text not null,
    email          text not null unique,
    phone          text,
    date_of_birth  date not null check (date_of_birth > date '1900-01-01'),
    sex            text check (sex in ('female', 'male', 'other', 'unknown')),
    street         text,
    city           text,
    postal_code    text,
    insurance      jsonb,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index patients_clinic_idx on patients (clinic_id);

create table appointments (
    id           bigint generated always as identity primary key,
    clinic_id    bigint not null references clinics (id) on delete cascade,
    patient_id   uuid not null references patients (id) on delete cascade,
    provider_id  bigint not null references providers (id),
    starts_at    timestamptz not null,
    ends_at      timestamptz not null,
    status       text not null default 'scheduled'
                 check (status in ('scheduled', 'confirmed', 'completed', 'cancelled', 'no_show')),
    reason       text,
    notes        text,
    created_at   timestamptz not null default now(),
    check (ends_at > starts_at)
);
create index appointments_patient_idx on appointments (patient_id);
create index appointments_provider_idx on appointments (provider_id, starts_at);
