-- Billing, and documents kept in object storage (the row holds the key).
create table invoices (
    id              bigint generated always as identity primary key,
    appointment_id  bigint not null unique references appointments (id) on delete cascade,
    patient_id      uuid not null references patients (id) on delete cascade,
    number          text not null unique,
    currency        char(3) not null default 'USD' check (currency in ('USD', 'EUR', 'GBP')),
    total           numeric(10, 2) not null check (total >= 0),
    status          text not null default 'open' check (status in ('draft', 'open', 'paid', 'void')),
    issued_on       date not null,
    due_on          date not null,
    created_at      timestamptz not null default now(),
    check (due_on >= issued_on)
);
create index invoices_patient_idx on invoices (patient_id);

create table payments (
    id          bigint generated always as identity primary key,
    invoice_id  bigint not null references invoices (id) on delete cascade,
    amount      numeric(10, 2) not null check (amount > 0),
    method      text not null check (method in ('card', 'cash', 'insurance', 'bank_transfer')),
    reference   text,
    paid_at     timestamptz not null default now()
);
create index payments_invoice_idx on payments (invoice_id);

create table documents (
    id              uuid primary key default gen_random_uuid(),
    patient_id      uuid not null references patients (id) on delete cascade,
    appointment_id  bigint references appointments (id) on delete set null,
    kind            text not null check (kind in ('lab_result', 'referral', 'scan', 'consent_form', 'invoice_pdf')),
    storage_key     text not null unique,
    content_type    text not null,
    size_bytes      integer not null check (size_bytes >= 0),
    metadata        jsonb not null default '{}'::jsonb,
    uploaded_at     timestamptz not null default now()
);
create index documents_patient_idx on documents (patient_id);
