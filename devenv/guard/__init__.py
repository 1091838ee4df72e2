"""The credential guard: devenv refuses to run wherever real cloud credentials are present.

`scan(environ, home, project_dir)` looks at the process environment, the project's env files,
the cloud CLIs' files under `home` and the files variables name. Findings say where and what,
with a redacted fingerprint; they never carry a value. `ensure_clean` turns findings into
`CredentialsFound`; `[guard] allow = ["<fingerprint>"]` acknowledges one.

Rules, and the choices behind them:

- A shape counts wherever it appears, under any name: AKIA/ASIA key ids, gh[pousr]_ and
  github_pat_ tokens, sk_live_/rk_live_ keys, AIza API keys, ya29. and 1//0 Google tokens,
  Entra `…Q~…` client secrets, sbp_/sb_secret_/sb_publishable_ keys, private-key blocks
  (encrypted too), Google and Azure credential JSON, cloud-issued JWTs, URLs and connection
  strings with a password for a remote host, SAS URLs, Supabase cloud hosts.
- A name counts with any real value: AWS session and container variables, token files
  (AWS web identity, Azure federated), AZURE_CLIENT_SECRET, SUPABASE_ACCESS_TOKEN, ….
- A 40-character base64 value (with a letter and a digit) counts only under a credential-like
  name (SECRET, KEY, TOKEN, PASSWORD, …) that is not a hash-like one (SHA, HASH, COMMIT,
  VERSION, ID, GPG, …). Other lengths under such names do not count: alone, a password without
  a host reaches nothing.
- A password variable counts when a host variable with the same prefix in the same source
  (PGHOST + PGPASSWORD, DB_HOST + DB_PASSWORD) names a remote host.
- Local is loopback, 0.0.0.0/::, localhost and *.localhost, Docker/Podman host aliases and
  single-label (compose service) names. Private, link-local and `.local` addresses are remote;
  so is any DNS name that merely contains "localhost" or resolves to 127.0.0.1 (nip.io).
- Never counted: placeholders (XXXX, <…>, ${VAR}, changeme, …), example.com/.test hosts,
  AWS's documentation keys, MinIO/LocalStack/emulator defaults, the Supabase CLI's local keys,
  devenv's `devenv-<hex>` keys, JWTs from local issuers, test-mode and pk_live_ Stripe keys
  (publishable keys are public by design), public keys and certificates, proxy logins.
- AWS keys count in every profile; SSO, credential_process, role and web-identity settings
  count in the default profile and in profiles AWS_PROFILE/AWS_DEFAULT_PROFILE select.
- Env templates (.env.example, …) are scanned like any env file; placeholders do not count.
- A credential store that exists but cannot be read (gcloud SQLite, encrypted MSAL cache)
  counts: the guard fails closed.
"""

from __future__ import annotations

from devenv.guard.envscan import scan_env_text
from devenv.guard.local import is_local_host, require_local
from devenv.guard.model import Finding, GuardReport
from devenv.guard.report import ensure_clean
from devenv.guard.scanner import scan

__all__ = [
    "Finding",
    "GuardReport",
    "ensure_clean",
    "is_local_host",
    "require_local",
    "scan",
    "scan_env_text",
]
