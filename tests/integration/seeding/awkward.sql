-- Deliberately awkward schema for the seed engine: every shape the engine must handle.
create type mood as enum ('happy', 'sad', 'neutral');
create domain positive_int as integer check (value > 0) not null;
create domain short_code as varchar(8) check (char_length(value) >= 3);
create domain us_zip as text check (value ~ '^[0-9]{5}(-[0-9]{4})?$');

-- Self-reference (a tree) with a CHECK that a node is not its own parent.
create table categories (
    id        bigint generated always as identity primary key,
    parent_id bigint references categories (id),
    name      text not null,
    check (parent_id is null or parent_id <> id)
);

-- Two-table cycle: employees -> departments (NOT NULL), departments -> employees (nullable head).
create table departments (
    id      serial primary key,
    name    text not null unique,
    head_id uuid
);
create table employees (
    id            uuid primary key default gen_random_uuid(),
    department_id integer not null references departments (id),
    email         text not null,
    first_name    text not null,
    last_name     text not null,
    salary        numeric(9, 2) not null check (salary between 1000 and 500000),
    hired_on      date not null,
    left_on       date,
    check (left_on is null or left_on > hired_on)
);
create unique index employees_email_lower on employees (lower(email));
alter table departments add constraint departments_head_fk foreign key (head_id) references employees (id);

-- Composite primary key, and a composite foreign key to it.
create table orders (
    tenant_id integer not null,
    order_no  integer not null,
    placed_at timestamptz not null,
    status    text not null check (status in ('new', 'paid', 'shipped')),
    primary key (tenant_id, order_no)
);
create table order_lines (
    tenant_id integer not null,
    order_no  integer not null,
    line_no   integer not null,
    quantity  positive_int,
    price     numeric(8, 2) not null check (price > 0 and price < 10000),
    primary key (tenant_id, order_no, line_no),
    foreign key (tenant_id, order_no) references orders (tenant_id, order_no)
);

-- A join table whose unique key is two foreign keys.
create table employee_categories (
    employee_id uuid not null references employees (id),
    category_id bigint not null references categories (id),
    primary key (employee_id, category_id)
);

-- Enums, domains, arrays, json, inet, bytea, time types and many CHECKs.
create table gadgets (
    id          bigserial primary key,
    code        short_code not null unique,
    mood        mood not null,
    tags        text[],
    spec        jsonb not null default '{}',
    raw_spec    json,
    ip_address  inet,
    zip         us_zip not null,
    sku         text not null check (sku ~ '^[A-Z]{3}-[0-9]{4}$'),
    blob        bytea,
    opens_at    time,
    warranty    interval,
    weight_kg   double precision check (weight_kg >= 0.1),
    rating      smallint check (rating between 1 and 5),
    min_qty     integer not null check (min_qty >= 1),
    max_qty     integer not null,
    active      boolean not null,
    created_at  timestamp not null default now(),
    check (min_qty < max_qty)
);
