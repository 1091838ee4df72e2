"""The corpus of variables the guard must flag, and of those it must leave alone."""

from __future__ import annotations

from dataclasses import dataclass

from tests.unit.guard import guard_samples as s


@dataclass(frozen=True)
class Flagged:
    """A variable that holds a real credential; `secret` is the part that must never leak."""

    id: str
    name: str
    value: str
    provider: str
    kind: str
    secret: str


@dataclass(frozen=True)
class Ignored:
    """A variable that must not be flagged."""

    id: str
    name: str
    value: str


REF = s.supabase_ref()
PW = s.password()
TOKEN_NAME = s.rand(s.ALNUM, 12, "tokenfile")
PEM_BODY = s.pem_body()
SA_JSON = (
    '{"type": "service_account", "project_id": "prod-project", "private_key_id": "'
    + s.hex_string(40, "kid")
    + '", "private_key": "'
    + s.pem("PRIVATE KEY", PEM_BODY).replace("\n", "\\n")
    + '", "client_email": "deployer@prod-project.iam.gserviceaccount.com"}'
)
REFRESH = s.google_refresh_token()
USER_JSON = (
    '{"type": "authorized_user", "client_id": "1234.apps.googleusercontent.com", '
    '"client_secret": "' + s.rand(s.ALNUM, 24, "cs") + '", "refresh_token": "' + REFRESH + '"}'
)
AUDIENCE = "//iam.googleapis.com/projects/4242/locations/global/workloadIdentityPools/" + s.rand(
    s.ALNUM, 12, "pool"
)
EXTERNAL_JSON = (
    '{"type": "external_account", "audience": "' + AUDIENCE + '", '
    '"subject_token_type": "urn:ietf:params:oauth:token-type:jwt", '
    '"credential_source": {"file": "/var/run/token"}}'
)
SP_SECRET = s.rand(s.ALNUM, 30, "spsecret")
SP_JSON = (
    '{"clientId": "11111111-2222-3333-4444-555555555555", "clientSecret": "'
    + SP_SECRET
    + '", "tenantId": "66666666-7777-8888-9999-000000000000"}'
)
STORAGE_KEY = s.base64_key("storage")
SAS_SIG = s.base64_key("sig", 32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
SAS_QUERY = f"sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig={SAS_SIG}"

SUPA_ANON = s.jwt({"iss": "supabase", "ref": REF, "role": "anon", "iat": 1, "exp": 2})
SUPA_SERVICE = s.jwt({"iss": "supabase", "ref": REF, "role": "service_role", "iat": 1})
SUPA_OTHER = s.jwt({"iss": "supabase", "ref": REF, "role": "authenticated"})
SUPA_SESSION = s.jwt({"iss": f"https://{REF}.supabase.co/auth/v1", "sub": "u", "role": "x"})
EKS_JWT = s.jwt({"iss": "https://oidc.eks.eu-west-1.amazonaws.com/id/C0FFEE42", "sub": "x"})
GOOGLE_JWT = s.jwt({"iss": "https://accounts.google.com", "sub": "4242", "aud": "x"})
ENTRA_JWT = s.jwt({"iss": "https://sts.windows.net/b0b0cafe/", "aud": "https://management"})
GH_JWT = s.jwt({"iss": "https://token.actions.githubusercontent.com", "sub": "repo:o/r"})


def _db(scheme: str, host: str, *, user: str = "app", tail: str = "/app") -> str:
    return f"{scheme}://{user}:{PW}@{host}{tail}"


def _pem_case(label: str, kind: str, *, header: str = "", id_: str = "") -> Flagged:
    body = s.pem_body(label)
    value = s.pem(label, header + body)
    name = id_ or "pem-" + label.lower().replace(" ", "-")
    return Flagged(name, "TLS_KEY", value, "private-key", kind, body)


_AWS = [
    Flagged(
        "aws-akia", "AWS_ACCESS_KEY_ID", s.aws_key_id(), "aws", "access key id", s.aws_key_id()
    ),
    Flagged(
        "aws-asia",
        "AWS_ACCESS_KEY_ID",
        s.aws_key_id("ASIA"),
        "aws",
        "temporary access key id",
        s.aws_key_id("ASIA"),
    ),
    Flagged(
        "aws-akia-any-name", "UPLOADER", s.aws_key_id(), "aws", "access key id", s.aws_key_id()
    ),
    Flagged(
        "aws-secret",
        "AWS_SECRET_ACCESS_KEY",
        s.aws_secret(),
        "aws",
        "secret access key",
        s.aws_secret(),
    ),
    Flagged(
        "aws-secret-custom-name",
        "S3_SECRET_KEY",
        s.aws_secret("s3"),
        "aws",
        "40-character secret under a credential name",
        s.aws_secret("s3"),
    ),
    Flagged(
        "aws-session-token",
        "AWS_SESSION_TOKEN",
        s.session_token(),
        "aws",
        "session token",
        s.session_token(),
    ),
    Flagged(
        "aws-security-token",
        "AWS_SECURITY_TOKEN",
        s.session_token("sec"),
        "aws",
        "session token",
        s.session_token("sec"),
    ),
    Flagged(
        "aws-ecs-relative-uri",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/v2/credentials/" + s.rand(s.HEX, 32, "ecs"),
        "aws",
        "container credentials endpoint",
        s.rand(s.HEX, 32, "ecs"),
    ),
    Flagged(
        "aws-eks-pod-identity-uri",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://169.254.170.23/v1/credentials",
        "aws",
        "container credentials endpoint",
        "169.254.170.23",
    ),
    Flagged(
        "aws-vault-loopback-uri",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1:51234/",
        "aws",
        "container credentials endpoint",
        "51234",
    ),
    Flagged(
        "aws-container-auth-token",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        s.rand(s.ALNUM, 48, "cat"),
        "aws",
        "container authorization token",
        s.rand(s.ALNUM, 48, "cat"),
    ),
    Flagged(
        "aws-container-auth-token-file",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/" + TOKEN_NAME,
        "aws",
        "container authorization token",
        TOKEN_NAME,
    ),
    Flagged(
        "aws-web-identity-token-file",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "/var/run/secrets/eks.amazonaws.com/serviceaccount/" + TOKEN_NAME,
        "aws",
        "web identity token file",
        TOKEN_NAME,
    ),
    Flagged(
        "aws-key-in-json",
        "CI_CREDENTIALS",
        '{"AccessKeyId": "' + s.aws_key_id(seed="json") + '", "Expiration": "2030"}',
        "aws",
        "access key id",
        s.aws_key_id(seed="json"),
    ),
    Flagged("aws-eks-jwt", "K8S_SA_TOKEN", EKS_JWT, "aws", "AWS-issued identity token", EKS_JWT),
]

_SUPABASE = [
    Flagged(
        "supabase-url-co",
        "SUPABASE_URL",
        f"https://{REF}.supabase.co",
        "supabase",
        "cloud project URL",
        REF,
    ),
    Flagged(
        "supabase-url-in",
        "NEXT_PUBLIC_SUPABASE_URL",
        f"https://{REF}.supabase.in/rest/v1",
        "supabase",
        "cloud project URL",
        REF,
    ),
    Flagged(
        "supabase-db-host",
        "SUPABASE_DB_HOST",
        f"db.{REF}.supabase.co",
        "supabase",
        "database host",
        REF,
    ),
    Flagged(
        "supabase-pooler-host",
        "POOLER_HOST",
        "aws-0-eu-central-1.pooler.supabase.com",
        "supabase",
        "pooler host",
        "aws-0-eu-central-1",
    ),
    Flagged(
        "supabase-pooler-url",
        "DATABASE_URL",
        f"postgresql://postgres.{REF}:{PW}@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
        "supabase",
        "database URL with password",
        PW,
    ),
    Flagged("supabase-anon", "SUPABASE_ANON_KEY", SUPA_ANON, "supabase", "anon JWT", SUPA_ANON),
    Flagged(
        "supabase-service-role",
        "SUPABASE_SERVICE_ROLE_KEY",
        SUPA_SERVICE,
        "supabase",
        "service_role JWT",
        SUPA_SERVICE,
    ),
    Flagged("supabase-other-role", "SB_KEY", SUPA_OTHER, "supabase", "project JWT", SUPA_OTHER),
    Flagged(
        "supabase-user-session",
        "SESSION",
        SUPA_SESSION,
        "supabase",
        "user session JWT",
        SUPA_SESSION,
    ),
    Flagged(
        "supabase-sbp",
        "SUPABASE_ACCESS_TOKEN",
        "sbp_" + s.hex_string(40, "sbp"),
        "supabase",
        "access token",
        s.hex_string(40, "sbp"),
    ),
    Flagged(
        "supabase-sbp-any-name",
        "CI_DEPLOY",
        "sbp_" + s.hex_string(40, "sbp2"),
        "supabase",
        "access token",
        s.hex_string(40, "sbp2"),
    ),
    Flagged(
        "supabase-access-token-by-name",
        "SUPABASE_ACCESS_TOKEN",
        s.rand(s.ALNUM, 30, "sat"),
        "supabase",
        "access token",
        s.rand(s.ALNUM, 30, "sat"),
    ),
    Flagged(
        "supabase-sb-secret",
        "SUPABASE_SECRET_KEY",
        "sb_secret_" + s.rand(s.ALNUM, 31, "sbs"),
        "supabase",
        "secret API key",
        s.rand(s.ALNUM, 31, "sbs"),
    ),
    Flagged(
        "supabase-sb-publishable",
        "SUPABASE_PUBLISHABLE_KEY",
        "sb_publishable_" + s.rand(s.ALNUM, 31, "sbp"),
        "supabase",
        "publishable API key",
        s.rand(s.ALNUM, 31, "sbp"),
    ),
]

_GCP = [
    Flagged(
        "gcp-service-account-json",
        "GOOGLE_CREDENTIALS",
        SA_JSON,
        "gcp",
        "service-account key",
        PEM_BODY.replace("\n", ""),
    ),
    Flagged(
        "gcp-authorized-user-json",
        "GCP_USER_CREDS",
        USER_JSON,
        "gcp",
        "authorized-user credentials",
        REFRESH,
    ),
    Flagged(
        "gcp-external-account-json",
        "GOOGLE_EXTERNAL",
        EXTERNAL_JSON,
        "gcp",
        "external-account credentials",
        AUDIENCE.rsplit("/", 1)[-1],
    ),
    Flagged(
        "gcp-ya29",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        s.google_access_token(),
        "gcp",
        "OAuth access token",
        s.google_access_token(),
    ),
    Flagged(
        "gcp-ya29-any-name",
        "BEARER",
        s.google_access_token("b"),
        "gcp",
        "OAuth access token",
        s.google_access_token("b"),
    ),
    Flagged(
        "gcp-cloudsdk-token-by-name",
        "CLOUDSDK_AUTH_ACCESS_TOKEN",
        s.rand(s.ALNUM, 40, "cst") + "-",
        "gcp",
        "OAuth access token",
        s.rand(s.ALNUM, 40, "cst"),
    ),
    Flagged(
        "gcp-api-key", "GOOGLE_API_KEY", s.google_api_key(), "gcp", "API key", s.google_api_key()
    ),
    Flagged(
        "gcp-api-key-any-name",
        "VITE_FIREBASE",
        s.google_api_key("fb"),
        "gcp",
        "API key",
        s.google_api_key("fb"),
    ),
    Flagged("gcp-refresh-token", "GCLOUD_RT", REFRESH, "gcp", "OAuth refresh token", REFRESH),
    Flagged("gcp-id-token", "ID_TOKEN", GOOGLE_JWT, "gcp", "Google identity token", GOOGLE_JWT),
]

_AZURE = [
    Flagged(
        "azure-client-secret-by-name",
        "AZURE_CLIENT_SECRET",
        s.rand(s.ALNUM, 34, "acs"),
        "azure",
        "client secret",
        s.rand(s.ALNUM, 34, "acs"),
    ),
    Flagged(
        "azure-arm-client-secret",
        "ARM_CLIENT_SECRET",
        s.rand(s.ALNUM, 34, "arm"),
        "azure",
        "client secret",
        s.rand(s.ALNUM, 34, "arm"),
    ),
    Flagged(
        "azure-secret-shape",
        "APP_REG",
        s.azure_secret(),
        "azure",
        "client secret",
        s.azure_secret(),
    ),
    Flagged(
        "azure-storage-connection-string",
        "AZURE_STORAGE_CONNECTION_STRING",
        "DefaultEndpointsProtocol=https;AccountName=prodacct;AccountKey="
        + STORAGE_KEY
        + ";EndpointSuffix=core.windows.net",
        "azure",
        "storage account key",
        STORAGE_KEY,
    ),
    Flagged(
        "azure-cosmos",
        "COSMOS_CONNECTION",
        f"AccountEndpoint=https://prod.documents.azure.com:443/;AccountKey={STORAGE_KEY};",
        "azure",
        "Cosmos DB account key",
        STORAGE_KEY,
    ),
    Flagged(
        "azure-service-bus",
        "SERVICEBUS_CONNECTION",
        "Endpoint=sb://prod.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=" + s.base64_key("sb", 32),
        "azure",
        "Service Bus shared access key",
        s.base64_key("sb", 32),
    ),
    Flagged(
        "azure-sas-url",
        "EXPORT_URL",
        f"https://prodacct.blob.core.windows.net/exports/data.csv?{SAS_QUERY}",
        "azure",
        "SAS URL",
        SAS_SIG,
    ),
    Flagged(
        "azure-sas-url-queue",
        "QUEUE_URL",
        f"https://prodacct.queue.core.windows.net/jobs?{SAS_QUERY}",
        "azure",
        "SAS URL",
        SAS_SIG,
    ),
    Flagged(
        "azure-sql",
        "SQL_CONNECTION",
        "Server=tcp:prod-sql.database.windows.net,1433;Initial Catalog=app;"
        f"User ID=admin;Password={PW};Encrypt=True;",
        "azure",
        "SQL connection string with password",
        PW,
    ),
    Flagged(
        "ado-connection-string",
        "ConnectionStrings__Default",
        f"Host=pg.prod-corp.net;Database=app;Username=app;Password={PW}",
        "database",
        "connection string with password",
        PW,
    ),
    Flagged(
        "azure-storage-key-by-name",
        "AZURE_STORAGE_KEY",
        STORAGE_KEY,
        "azure",
        "storage account key",
        STORAGE_KEY,
    ),
    Flagged(
        "azure-sas-token-by-name",
        "AZURE_STORAGE_SAS_TOKEN",
        SAS_QUERY,
        "azure",
        "shared access signature",
        SAS_SIG,
    ),
    Flagged(
        "azure-managed-identity",
        "IDENTITY_HEADER",
        s.rand(s.HEX, 36, "idh"),
        "azure",
        "managed identity endpoint secret",
        s.rand(s.HEX, 36, "idh"),
    ),
    Flagged(
        "azure-federated-token-file",
        "AZURE_FEDERATED_TOKEN_FILE",
        "/var/run/secrets/azure/tokens/" + TOKEN_NAME,
        "azure",
        "federated token file",
        TOKEN_NAME,
    ),
    Flagged(
        "azure-sdk-auth-json",
        "AZURE_CREDENTIALS",
        SP_JSON,
        "azure",
        "service principal credentials (JSON)",
        SP_SECRET,
    ),
    Flagged("azure-entra-jwt", "ARM_ACCESS_TOKEN", ENTRA_JWT, "azure", "Entra ID token", ENTRA_JWT),
]

_DB_URLS = [
    ("postgres", "postgres", "db.prod-corp.net:5432"),
    ("postgresql", "postgresql", "db.prod-corp.net"),
    ("postgresql-driver", "postgresql+psycopg", "db.prod-corp.net"),
    ("mysql", "mysql", "mysql.prod-corp.net:3306"),
    ("mariadb", "mariadb", "maria.prod-corp.net"),
    ("rediss", "rediss", "cache.prod-corp.net:6380"),
    ("mongodb-srv", "mongodb+srv", "cluster0.abcde.mongodb.net"),
    ("mongodb-replica-set", "mongodb", "localhost:27017,mongo2.prod-corp.net:27017"),
    ("amqp", "amqps", "rabbit.prod-corp.net"),
    ("mssql", "mssql+pyodbc", "sql.prod-corp.net"),
    ("clickhouse", "clickhouse", "ch.prod-corp.net:8443"),
    ("private-ip", "postgres", "10.0.3.7"),
    ("link-local", "postgres", "169.254.169.254"),
    ("ipv6-remote", "postgres", "[2606:4700:4700::1111]:5432"),
    ("localhost-suffix-trick", "postgres", "localhost.evil.io"),
    ("localhost-inside-name", "postgres", "mylocalhost.com"),
    ("loopback-dns-trick", "postgres", "127.0.0.1.nip.io"),
    ("trailing-dot", "postgres", "db.prod-corp.net."),
    ("mdns-local", "postgres", "nas.local"),
    ("kubernetes-service", "postgres", "pg.prod.svc.cluster.local"),
]

_DATABASES = [
    Flagged(
        f"db-{id_}",
        "DATABASE_URL",
        _db(scheme, host),
        "database",
        "connection URL with password",
        PW,
    )
    for id_, scheme, host in _DB_URLS
] + [
    Flagged(
        "db-redis-password-only",
        "REDIS_URL",
        f"redis://:{PW}@redis.prod-corp.net:6379/0",
        "database",
        "connection URL with password",
        PW,
    ),
    Flagged(
        "db-jdbc-query-password",
        "JDBC_URL",
        f"jdbc:postgresql://db.prod-corp.net:5432/app?user=app&password={PW}",
        "database",
        "connection URL with password",
        PW,
    ),
    Flagged(
        "db-jdbc-sqlserver",
        "JDBC_URL",
        f"jdbc:sqlserver://sql.prod-corp.net:1433;databaseName=app;user=app;password={PW}",
        "database",
        "connection URL with password",
        PW,
    ),
    Flagged(
        "db-percent-encoded-password",
        "DATABASE_URL",
        f"postgres://app:{PW}%40%2F@db.prod-corp.net/app",
        "database",
        "connection URL with password",
        PW,
    ),
    Flagged(
        "db-unencoded-slash-in-password",
        "DATABASE_URL",
        f"postgres://app:{PW[:6]}/{PW[6:]}@db.prod-corp.net/app",
        "database",
        "connection URL with password",
        PW,
    ),
    Flagged(
        "url-https-basic-auth",
        "REGISTRY_URL",
        f"https://deploy:{PW}@registry.prod-corp.net/simple",
        "url",
        "URL with password",
        PW,
    ),
    Flagged(
        "db-dollar-in-password",
        "DATABASE_URL",
        "postgres://app:Pa$$w0rd9Xy@db.prod-corp.net/app",
        "database",
        "connection URL with password",
        "Pa$$w0rd9Xy",
    ),
    Flagged(
        "db-url-inside-text",
        "COMPOSE_ARGS",
        f"--db postgres://app:{PW}@db.prod-corp.net/app --verbose",
        "database",
        "connection URL with password",
        PW,
    ),
]

_OTHERS = [
    Flagged(
        "stripe-sk-live",
        "STRIPE_SECRET_KEY",
        s.stripe("sk_" + "live_"),
        "stripe",
        "live secret key",
        s.stripe("sk_" + "live_")[8:],
    ),
    Flagged(
        "stripe-rk-live",
        "STRIPE_KEY",
        s.stripe("rk_" + "live_", "rk"),
        "stripe",
        "live restricted key",
        s.stripe("rk_" + "live_", "rk")[8:],
    ),
    Flagged(
        "github-ghp",
        "GITHUB_TOKEN",
        s.github("ghp_"),
        "github",
        "personal access token",
        s.github("ghp_"),
    ),
    Flagged(
        "github-gho",
        "GH_TOKEN",
        s.github("gho_", "o"),
        "github",
        "OAuth access token",
        s.github("gho_", "o"),
    ),
    Flagged(
        "github-ghu",
        "TOKEN",
        s.github("ghu_", "u"),
        "github",
        "user-to-server token",
        s.github("ghu_", "u"),
    ),
    Flagged(
        "github-ghs",
        "X",
        s.github("ghs_", "s"),
        "github",
        "app installation token",
        s.github("ghs_", "s"),
    ),
    Flagged(
        "github-ghr",
        "GITHUB_REFRESH",
        s.github("ghr_", "r"),
        "github",
        "refresh token",
        s.github("ghr_", "r"),
    ),
    Flagged(
        "github-fine-grained",
        "GITHUB_PAT",
        s.github_pat(),
        "github",
        "fine-grained access token",
        s.github_pat()[11:],
    ),
    Flagged(
        "github-legacy-40-hex",
        "GITHUB_TOKEN",
        s.hex_string(40, "legacy"),
        "github",
        "40-character secret under a credential name",
        s.hex_string(40, "legacy"),
    ),
    Flagged(
        "generic-40-under-secret-name",
        "PAYMENTS_API_SECRET",
        s.aws_secret("generic"),
        "generic",
        "40-character secret under a credential name",
        s.aws_secret("generic"),
    ),
    Flagged(
        "generic-40-hex-under-password-name",
        "LDAP_PASSWORD",
        s.hex_string(40, "ldap"),
        "generic",
        "40-character secret under a credential name",
        s.hex_string(40, "ldap"),
    ),
    _pem_case("PRIVATE KEY", "private key"),
    _pem_case("RSA PRIVATE KEY", "RSA private key"),
    _pem_case("EC PRIVATE KEY", "EC private key"),
    _pem_case("DSA PRIVATE KEY", "DSA private key"),
    _pem_case("OPENSSH PRIVATE KEY", "OpenSSH private key"),
    _pem_case("ENCRYPTED PRIVATE KEY", "encrypted private key"),
    _pem_case(
        "RSA PRIVATE KEY",
        "encrypted private key",
        header="Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF00FF00FF00FF\n\n",
        id_="pem-traditional-encrypted",
    ),
    _pem_case("PGP PRIVATE KEY BLOCK", "PGP private key"),
    Flagged(
        "pem-escaped-newlines",
        "JWT_PRIVATE_KEY",
        s.pem("PRIVATE KEY", s.pem_body("esc")).replace("\n", "\\n"),
        "private-key",
        "private key",
        s.pem_body("esc").replace("\n", ""),
    ),
    Flagged(
        "pem-after-certificate",
        "TLS_BUNDLE",
        s.pem("CERTIFICATE", s.pem_body("cert")) + "\n" + s.pem("PRIVATE KEY", s.pem_body("k2")),
        "private-key",
        "private key",
        s.pem_body("k2").replace("\n", ""),
    ),
    Flagged("github-oidc-jwt", "ACTIONS_TOKEN", GH_JWT, "github", "Actions OIDC token", GH_JWT),
]

FLAGGED: list[Flagged] = [*_AWS, *_SUPABASE, *_GCP, *_AZURE, *_DATABASES, *_OTHERS]


def _local_db(id_: str, host: str, scheme: str = "postgresql") -> Ignored:
    return Ignored(f"local-db-{id_}", "DATABASE_URL", f"{scheme}://app:{PW}@{host}/app")


def _local_jwt(id_: str, issuer: str, role: str = "service_role") -> Ignored:
    payload = {"iss": issuer, "role": role, "iat": 1, "exp": 2}
    return Ignored(f"local-jwt-{id_}", "SUPABASE_SERVICE_ROLE_KEY", s.jwt(payload))


_PUBLISHABLE, _LOCAL_SECRET = s.supabase_cli_local_keys()
_DEVENV_ID = "devenv-" + s.hex_string(16, "devid")
_DEVENV_SECRET = "devenv-" + s.hex_string(40, "devsecret")

IGNORED: list[Ignored] = [
    # AWS: documentation keys, MinIO, LocalStack, devenv's own keys
    Ignored("aws-docs-key-id", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7" + "EXAMPLE"),
    Ignored(
        "aws-docs-secret", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
    ),
    Ignored("minio-user", "AWS_ACCESS_KEY_ID", "minioadmin"),
    Ignored("minio-password", "AWS_SECRET_ACCESS_KEY", "minioadmin"),
    Ignored("minio-root-password", "MINIO_ROOT_PASSWORD", "minioadmin"),
    Ignored("localstack-test-id", "AWS_ACCESS_KEY_ID", "test"),
    Ignored("localstack-test-secret", "AWS_SECRET_ACCESS_KEY", "test"),
    Ignored("localstack-account-id", "AWS_ACCESS_KEY_ID", "000000000000"),
    Ignored("localstack-lsia", "AWS_ACCESS_KEY_ID", "LSIA" + s.rand(s.UPPER_DIGITS, 16, "ls")),
    Ignored("localstack-lkia", "AWS_ACCESS_KEY_ID", "LKIA" + s.rand(s.UPPER_DIGITS, 16, "lk")),
    Ignored("localstack-session", "AWS_SESSION_TOKEN", "test"),
    Ignored("devenv-key-id", "AWS_ACCESS_KEY_ID", _DEVENV_ID),
    Ignored("devenv-secret", "AWS_SECRET_ACCESS_KEY", _DEVENV_SECRET),
    Ignored("short-local-secret", "AWS_SECRET_ACCESS_KEY", "local-minio-password"),
    Ignored("aws-region", "AWS_REGION", "eu-west-1"),
    Ignored("aws-endpoint", "AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
    Ignored("aws-role-arn-alone", "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/deploy"),
    # placeholders and empty values
    Ignored("placeholder-x-run", "AWS_ACCESS_KEY_ID", "AKIA" + "X" * 16),
    Ignored("placeholder-your-key", "AWS_SECRET_ACCESS_KEY", "your-secret-key-here"),
    Ignored("placeholder-angle", "STRIPE_SECRET_KEY", "<your stripe key>"),
    Ignored("placeholder-changeme", "AZURE_CLIENT_SECRET", "changeme"),
    Ignored("placeholder-braces", "AZURE_CLIENT_SECRET", "${AZURE_CLIENT_SECRET}"),
    Ignored("placeholder-dollar", "SUPABASE_ACCESS_TOKEN", "$SUPABASE_TOKEN"),
    Ignored("placeholder-ellipsis", "AWS_SESSION_TOKEN", "..."),
    Ignored("placeholder-ellipsis-suffix", "GITHUB_TOKEN", "ghp_..."),
    Ignored("placeholder-replace-me", "AZURE_CLIENT_SECRET", "REPLACE_ME"),
    Ignored("placeholder-todo", "IDENTITY_HEADER", "TODO"),
    Ignored("placeholder-empty", "AZURE_CLIENT_SECRET", ""),
    Ignored("placeholder-stripe-x", "STRIPE_SECRET_KEY", "sk_" + "live_" + "x" * 24),
    Ignored("placeholder-github-x", "GITHUB_TOKEN", "ghp_" + "x" * 36),
    Ignored("placeholder-handlebars", "AZURE_CLIENT_SECRET", "{{ secrets.AZURE }}"),
    Ignored("placeholder-zeros", "AZURE_STORAGE_KEY", "0" * 88),
    Ignored(
        "placeholder-db-password",
        "DATABASE_URL",
        "postgres://app:${DB_PASSWORD}@db.prod-corp.net/app",
    ),
    Ignored(
        "placeholder-db-changeme", "DATABASE_URL", "postgres://app:changeme@db.prod-corp.net/app"
    ),
    Ignored("placeholder-db-host", "DATABASE_URL", f"postgres://app:{PW}@${{DB_HOST}}:5432/app"),
    Ignored(
        "placeholder-db-angle", "DATABASE_URL", "postgres://app:<password>@db.prod-corp.net/app"
    ),
    Ignored("reserved-example-host", "DATABASE_URL", f"postgres://app:{PW}@db.example.com/app"),
    Ignored("reserved-test-tld", "DATABASE_URL", f"postgres://app:{PW}@db.staging.test/app"),
    # test-mode and public keys
    Ignored("stripe-sk-test", "STRIPE_SECRET_KEY", s.stripe("sk_" + "test_")),
    Ignored("stripe-pk-test", "STRIPE_PUBLISHABLE_KEY", s.stripe("pk_" + "test_")),
    Ignored("stripe-rk-test", "STRIPE_KEY", s.stripe("rk_" + "test_")),
    Ignored("stripe-pk-live-is-public", "NEXT_PUBLIC_STRIPE_KEY", s.stripe("pk_" + "live_")),
    # JWTs from local issuers
    _local_jwt("supabase-demo-anon", "supabase-demo", "anon"),
    _local_jwt("supabase-demo-service", "supabase-demo"),
    _local_jwt("devenv", "devenv"),
    _local_jwt("devenv-suffix", "devenv-local"),
    _local_jwt("loopback-url", "http://127.0.0.1:54321/auth/v1"),
    _local_jwt("localhost-url", "http://localhost:54321/auth/v1"),
    _local_jwt("compose-url", "http://kong:8000/auth/v1"),
    _local_jwt("self-hosted-no-ref", "supabase"),
    Ignored("jwt-unknown-issuer", "SESSION_COOKIE", s.jwt({"iss": "my-app", "sub": "1"})),
    Ignored("jwt-no-issuer", "SUPABASE_ANON_KEY", s.jwt({"role": "anon"})),
    Ignored("supabase-cli-publishable", "SUPABASE_PUBLISHABLE_KEY", _PUBLISHABLE),
    Ignored("supabase-cli-secret", "SUPABASE_SECRET_KEY", _LOCAL_SECRET),
    # Supabase addresses that are not a cloud project
    Ignored("supabase-local-url", "SUPABASE_URL", "http://127.0.0.1:54321"),
    Ignored("supabase-placeholder-ref", "SUPABASE_URL", "https://<project-ref>.supabase.co"),
    Ignored("supabase-your-project", "SUPABASE_URL", "https://your-project.supabase.co"),
    Ignored("supabase-x-ref", "SUPABASE_URL", "https://" + "x" * 20 + ".supabase.co"),
    Ignored("supabase-dashboard", "DOCS_URL", "https://supabase.com/dashboard/project"),
    Ignored("supabase-lookalike", "API_URL", f"https://{REF}.supabase.co.evil.io"),
    # public keys and certificates
    Ignored("public-key", "JWT_PUBLIC_KEY", s.pem("PUBLIC KEY", s.pem_body("pub"))),
    Ignored("rsa-public-key", "RSA_PUBLIC", s.pem("RSA PUBLIC KEY", s.pem_body("rpub"))),
    Ignored("certificate", "TLS_CERT", s.pem("CERTIFICATE", s.pem_body("crt"))),
    Ignored(
        "ssh-rsa",
        "DEPLOY_KEY_PUB",
        "ssh-rsa AAAAB3NzaC1yc2E" + s.rand(s.BASE64, 300, "ssh") + " me@x",
    ),
    Ignored(
        "ssh-ed25519",
        "SSH_PUBLIC_KEY",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" + s.rand(s.BASE64, 43, "ed"),
    ),
    Ignored("pem-placeholder-body", "TLS_KEY", s.pem("PRIVATE KEY", "...")),
    Ignored("pem-short-body", "TLS_KEY", s.pem("PRIVATE KEY", "MIIE")),
    # hashes and SHAs under non-credential names; other lengths under credential names
    Ignored("git-sha", "GIT_SHA", s.hex_string(40, "sha")),
    Ignored("github-sha", "GITHUB_SHA", s.hex_string(40, "gsha")),
    Ignored("source-version", "SOURCE_VERSION", s.hex_string(40, "sv")),
    Ignored("build-hash", "BUILD_HASH", s.hex_string(40, "bh")),
    Ignored("commit-ref", "VERCEL_GIT_COMMIT_SHA", s.hex_string(40, "vc")),
    Ignored("checksum-sha256", "checksum", s.hex_string(64, "ck")),
    Ignored("key-sha-excluded", "API_KEY_SHA1", s.hex_string(40, "ks")),
    Ignored("key-id-excluded", "SIGNING_KEY_ID", s.aws_secret("kid")),
    Ignored("jwt-secret-64", "SUPABASE_JWT_SECRET", s.rand(s.ALNUM + "-_", 64, "jwt")),
    Ignored("django-secret-50", "SECRET_KEY", s.rand(s.ALNUM + "!@#", 50, "dj")),
    Ignored("rails-secret-base", "SECRET_KEY_BASE", s.hex_string(128, "rails")),
    Ignored("password-without-host", "POSTGRES_PASSWORD", PW),
    Ignored("path-of-40", "GIT_ASKPASS", "/usr/lib/git/core/askpass/helpers/abc12"),
    Ignored("forty-letters-only", "API_TOKEN", s.rand("abcdefghijklmnopqrstuvwxyz", 40, "lo")),
    # local and Docker-internal databases
    _local_db("loopback", "127.0.0.1:54322"),
    _local_db("loopback-other", "127.0.0.2"),
    _local_db("loopback-short", "127.1"),
    _local_db("loopback-hex", "0x7f.0.0.1"),
    _local_db("localhost", "localhost:5432"),
    _local_db("localhost-upper", "LOCALHOST"),
    _local_db("localhost-trailing-dot", "localhost."),
    _local_db("sub-localhost", "app.localhost"),
    _local_db("ipv6-loopback", "[::1]:5432"),
    _local_db("ipv4-mapped", "[::ffff:127.0.0.1]"),
    _local_db("unspecified", "0.0.0.0"),
    _local_db("docker-host", "host.docker.internal:5432"),
    _local_db("podman-host", "host.containers.internal"),
    _local_db("compose-db", "db:5432"),
    _local_db("compose-postgres", "postgres"),
    _local_db("compose-supabase-db", "supabase-db:5432"),
    _local_db("compose-minio", "minio:9000", "http"),
    _local_db("redis-compose", "redis:6379", "redis"),
    _local_db("mongo-compose", "mongo:27017", "mongodb"),
    Ignored("db-socket", "DATABASE_URL", f"postgresql://app:{PW}@/app?host=/var/run/postgresql"),
    Ignored("db-no-password", "DATABASE_URL", "postgres://app@db.prod-corp.net/app"),
    Ignored("db-no-userinfo", "DATABASE_URL", "postgres://db.prod-corp.net/app"),
    Ignored("db-default-socket", "DATABASE_URL", "postgresql:///app"),
    Ignored(
        "devenv-database-url", "DATABASE_URL", f"postgresql://postgres:{PW}@127.0.0.1:54322/app"
    ),
    Ignored("jdbc-local", "JDBC_URL", f"jdbc:postgresql://localhost:5432/app?user=a&password={PW}"),
    # Azure emulators
    Ignored(
        "azurite-connection-string",
        "AZURE_STORAGE_CONNECTION_STRING",
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
        + s.azurite_key()
        + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
    ),
    Ignored("azurite-shortcut", "AzureWebJobsStorage", "UseDevelopmentStorage=true"),
    Ignored("azurite-key-by-name", "AZURE_STORAGE_KEY", s.azurite_key()),
    Ignored(
        "azurite-custom-account",
        "STORAGE",
        f"DefaultEndpointsProtocol=http;AccountName=local1;AccountKey={STORAGE_KEY};"
        "BlobEndpoint=http://azurite:10000/local1;",
    ),
    Ignored(
        "cosmos-emulator",
        "COSMOS_CONNECTION",
        f"AccountEndpoint=https://localhost:8081/;AccountKey={s.cosmos_emulator_key()};",
    ),
    Ignored(
        "service-bus-emulator",
        "SERVICEBUS_CONNECTION",
        "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
    ),
    Ignored("sql-localhost", "SQL_CONNECTION", f"Server=localhost,1433;User Id=sa;Password={PW};"),
    Ignored("sql-localdb", "SQL_CONNECTION", f"Server=(localdb)\\MSSQLLocalDB;Password={PW};"),
    Ignored(
        "azurite-sas-url",
        "EXPORT_URL",
        f"http://127.0.0.1:10000/devstoreaccount1/exports/a.csv?{SAS_QUERY}",
    ),
    Ignored("azure-client-id", "AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
    Ignored("azure-tenant-id", "AZURE_TENANT_ID", "66666666-7777-8888-9999-000000000000"),
    # everyday variables
    Ignored("docker-python-gpg-key", "GPG_KEY", s.rand("0123456789ABCDEF", 40, "gpg")),
    Ignored("proxy-login", "HTTPS_PROXY", f"http://me:{PW}@proxy.prod-corp.net:3128"),
    Ignored("proxy-login-lowercase", "all_proxy", f"socks5://me:{PW}@proxy.prod-corp.net:1080"),
    Ignored("command-substitution", "AWS_SESSION_TOKEN", "$(aws configure get aws_session_token)"),
    Ignored("backtick-substitution", "AZURE_CLIENT_SECRET", "`op read op://vault/azure/secret`"),
    Ignored("whole-dollar-reference", "AZURE_CLIENT_SECRET", "$AZ_SECRET"),
    Ignored("percent-reference", "AZURE_CLIENT_SECRET", "%AZ_SECRET%"),
    Ignored("path", "PATH", "/usr/local/bin:/usr/bin:/bin"),
    Ignored("home", "HOME", "/home/dev"),
    Ignored("shell-prompt", "PS1", "\\u@\\h:\\w\\$ "),
    Ignored("ls-colors", "LS_COLORS", "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35"),
    Ignored("aws-profile-without-config", "AWS_PROFILE", "prod"),
    Ignored("s3-endpoint", "S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
    Ignored("https-no-credentials", "WEBHOOK_URL", "https://hooks.prod-corp.net/abc"),
    Ignored("git-url-user-only", "REPO", "https://git@github.com/org/repo.git"),
]
