-- The patient portal: patients sign in with Supabase Auth and see only their own rows.
alter table patients add column user_id uuid unique references auth.users (id) on delete set null;

create table portal_messages (
    id          bigint generated always as identity primary key,
    owner_id    uuid not null default auth.uid() references auth.users (id) on delete cascade,
    subject     text not null,
    body        text not null,
    read_at     timestamptz,
    created_at  timestamptz not null default now()
);
create index portal_messages_owner_idx on portal_messages (owner_id);

alter table portal_messages enable row level security;
create policy "owners read their messages" on portal_messages
    for select to authenticated using (owner_id = auth.uid());
create policy "owners write their messages" on portal_messages
    for insert to authenticated with check (owner_id = auth.uid());

alter table patients enable row level security;
create policy "patients see their own record" on patients
    for select to authenticated using (user_id = auth.uid());
