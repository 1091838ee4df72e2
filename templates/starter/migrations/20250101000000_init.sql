-- Your first migration. Files run in name order; name them <UTC timestamp>_<what>.sql.
create table notes (
    id          bigint generated always as identity primary key,
    title       text not null,
    body        text,
    created_at  timestamptz not null default now()
);
