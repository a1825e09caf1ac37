"""Settings: one frozen struct read from ``TONGBAN_*`` environment variables at start-up.

A bad value stops start-up with a message naming the variable, so a typo in a Kubernetes
ConfigMap fails the rollout instead of running with a silent default; the rules are in
``tongban.config_checks``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from tongban.config_checks import DEV_JWT_SECRET, ConfigError, check

PREFIX = "TONGBAN_"
TEST_PREFIX = "TONGBAN_TEST_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every setting of the platform. Field ``x_y`` is read from ``TONGBAN_X_Y``."""

    env: Literal["development", "test", "production"] = "development"
    """Deployment kind; production refuses development secrets and hides GraphiQL."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/tongban"
    """PostgreSQL DSN (asyncpg)."""
    db_pool_min: int = 1
    """Idle connections kept per process."""
    db_pool_max: int = 10
    """Largest pool per process; the sum over all pods must stay under max_connections."""
    db_statement_cache_size: int = 100
    """asyncpg prepared-statement cache; 0 behind PgBouncer in transaction mode."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    """Redis URL for arq queues, pub/sub and rate limits."""

    http_host: str = "127.0.0.1"
    """Address the API listens on."""
    http_port: int = 8000
    """Port the API listens on."""
    http_workers: int = 1
    """API server processes (uvicorn workers)."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Minimum level of the JSON logs."""
    metrics_token: str = ""
    """Bearer token Prometheus sends to /metrics; empty: open outside production, off in it."""
    sql_statements_header: bool = False
    """Production only: send x-sql-statements (benchmarks); always sent in development/test."""

    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    """HS256 with a shared secret (development) or RS256 with keys from a JWKS."""
    jwt_secret: str = DEV_JWT_SECRET
    """HS256 secret (at least 32 characters)."""
    jwt_jwks_file: str = ""
    """Path of a JWKS file with the RS256 public keys."""
    jwt_jwks_url: str = ""
    """URL of a JWKS endpoint with the RS256 public keys."""
    jwt_issuer: str = "tongban"
    """Expected ``iss`` claim."""
    jwt_audience: str = "tongban-api"
    """Expected ``aud`` claim."""
    jwt_leeway_seconds: int = 30
    """Clock skew tolerated on ``exp`` / ``nbf``."""
    jwt_max_lifetime_seconds: int = 12 * 3600
    """Tokens whose ``exp - iat`` exceeds this are refused (a working day plus overtime)."""
    officer_status_cache_seconds: float = 30.0
    """How long a process trusts an officer's active status; a disabled officer is refused
    within this time."""

    graphql_max_depth: int = 12
    """Deepest GraphQL selection accepted."""
    graphql_max_page_size: int = 100
    """Largest ``first`` accepted by a connection."""
    graphql_persisted_only: bool = False
    """Accept only the front ends' registered operations (``graphql_operations_dir``)."""
    graphql_operations_dir: str = "graphql/operations"
    """Where the front ends' registered operations are (``*.graphql``)."""
    ws_connections_per_principal: int = 10
    """Live subscription connections one caller may hold per API process; 0: no cap."""
    cors_allowed_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the API (CORS) and to open subscriptions; none unless set."""
    graphql_max_aliases: int = 30
    """Most aliases in one operation, fragments expanded."""
    graphql_max_fields: int = 1000
    """Most fields in one operation, fragments expanded (a doubling fragment chain is refused)."""
    graphql_cost_anonymous: int = 5000
    """Estimated-cost budget of one anonymous operation (see src/tongban/api/limits.py)."""
    graphql_cost_applicant: int = 10000
    """Estimated-cost budget of one applicant operation."""
    graphql_cost_officer: int = 50000
    """Estimated-cost budget of one officer operation (a worklist page of 100 fits)."""
    graphql_deadline_seconds: float = 10.0
    """A query still executing after this is cut with QUERY_TIMEOUT."""
    graphql_compiled: bool = True
    """Run queries and mutations from plans compiled once per document (api/compiled/);
    off: graphql-core executes every field (the same results, several times the CPU)."""
    graphql_max_response_bytes: int = 8 * 1024 * 1024
    """Largest GraphQL response body; a larger one is replaced by RESPONSE_TOO_LARGE."""

    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    """Addresses whose X-Forwarded-For names the client (the rate limits key on it); ``*``
    only where nothing but the ingress can reach the API (the NetworkPolicy)."""
    rate_limit_window_seconds: int = 60
    """Length of the rate-limit window shared by all API processes (Redis)."""
    rate_limit_anonymous: int = 120
    """Requests per window per client address without a (valid) token; 0: no limit."""
    rate_limit_signed_in: int = 600
    """Requests per window per signed-in principal; 0: no limit."""
    rate_limit_submissions: int = 10
    """submitCase calls per window per principal; 0: no limit."""
    public_cache_seconds: int = 300
    """``max-age`` of ``GET /public/results`` (结果公示) for browsers and shared caches; 0: they
    revalidate every time (ETag)."""
    graphql_max_query_chars: int = 20_000
    """Longest GraphQL document accepted (characters); the front ends' largest is ~3,000."""
    max_json_body_bytes: int = 1024 * 1024
    """Largest non-multipart request body; only multipart submissions carry files."""
    graphql_introspection: bool = False
    """Production only: allow __schema/__type (always allowed in development and test)."""

    data_dir: str = ".data"
    """Where `tongban run` keeps embedded servers and development files (git-ignored)."""

    timezone: str = "Asia/Shanghai"
    """Time zone of dates that matter legally (receipt, acceptance, deadlines)."""
    blob_dir: str = ".data/blobs"
    """Filesystem blob store root for uploaded materials."""
    max_upload_bytes: int = 20 * 1024 * 1024
    """Largest accepted material file."""
    allowed_content_types: tuple[str, ...] = (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/ofd",
    )
    """Content types accepted for materials (comma-separated in the environment)."""
    max_files_per_request: int = 8
    """Files one multipart request may carry (a submission's or a supplement's materials)."""
    yellow_min_days: int = 2
    """Yellow card when remaining working days ≤ max(this, ⌈limit / divisor⌉)."""
    yellow_divisor: int = 3
    """See TONGBAN_YELLOW_MIN_DAYS."""
    one_notice_days: int = 5
    """Art. 32: days to send the one-time notice before the case counts as accepted."""
    delivery_days: int = 10
    """Art. 44: working days to issue and deliver the licence after approval."""
    follow_up_days: int = 5
    """Working days to handle the follow-up of a bad rating."""
    commitment_verification_days: int = 20
    """告知承诺制: working days the handling department has to verify a case approved on the
    applicant's commitment (事中事后核查), where the matter sets no period of its own."""
    deferred_materials_days: int = 5
    """容缺受理: working days the applicant has to bring the materials owed at acceptance."""
    supplement_period_days: int = 30
    """Working days the applicant has to bring a supplement's materials (补正期限), unless the
    matter version sets its own; past it the case may be closed (终止办理)."""
    sweep_batch: int = 1000
    """Clocks the deadline sweeper handles per run."""
    progress_rate_per_minute: int = 10
    """Anonymous progress queries (查询办件进度) per minute from one client address."""
    progress_rate_per_case_hour: int = 20
    """Anonymous progress queries per hour for one case number (guessing an ID's last 6)."""
    relay_poll_seconds: float = 1.0
    """The outbox relay publishes at least this often when no NOTIFY wakes it."""
    health_dir: str = "/tmp/tongban-health"
    """Where each worker process writes its loops' heartbeats for `tongban worker-health`."""
    worker_stale_seconds: float = 60.0
    """A worker loop silent for longer than this makes `tongban worker-health` fail."""
    clock_start: str = ""
    """Development and tests only: the platform's clock starts at this ISO instant…"""
    clock_speed: float = 1.0
    """…and runs this many times faster than real time (refused in production)…"""
    clock_anchor: float = 0.0
    """…counting from this Unix time (0: process start), so processes share one time."""
    credit_code_mode: Literal["reject", "warn"] = "reject"
    """What to do with a credit code whose check character fails: reject, or accept and warn."""
    credit_code_allow_list: tuple[str, ...] = ("91350211M00013FA1N",)
    """Known early credit codes accepted although their check character fails."""

    sms_provider: Literal["aliyun", "disabled"] = "aliyun"
    """SMS provider API: Alibaba Cloud SMS (SendSms), or none (SMS stays pending)."""
    sms_endpoint: str = "http://127.0.0.1:8090/"
    """Provider endpoint (https://dysmsapi.aliyuncs.com/ in production; the local stub in dev)."""
    sms_access_key_id: str = "tongban-dev"
    """Provider AccessKeyId."""
    sms_access_key_secret: str = "tongban-dev-sms-access-key-secret"
    """Provider AccessKeySecret, signs every request (HMAC-SHA1)."""
    sms_sign_name: str = "通办"
    """Approved SMS signature (签名) shown before the text."""
    sms_template_code: str = "SMS_TONGBAN_NOTICE"
    """Provider template whose single ${content} carries the text we render."""
    sms_region_id: str = "cn-hangzhou"
    """Provider RegionId parameter."""
    sms_callback_secret: str = "tongban-dev-sms-callback-secret"
    """Shared secret authenticating delivery receipts (HMAC-SHA256 of timestamp and body)."""
    download_secret: str = "tongban-dev-download-secret"
    """HMAC key of the short-lived download links of materials and decision documents (Secret)."""
    download_url_seconds: int = 300
    """How long a download link works."""
    export_sync_max_rows: int = 5000
    """Case exports of more rows are refused over HTTP (409 EXPORT_TOO_LARGE): start a
    background export (startExport) instead."""
    licence_signing_key: str = ""
    """Ed25519 private key (PEM, PKCS#8) signing electronic licences (Secret); empty: outside
    production a fixed development key (derived from a public seed, so never trusted), in
    production start-up is refused."""
    licence_key_id: str = "dev-licence-1"
    """Name of the signing key, published with its public key at /licences/signing-keys."""
    public_base_url: str = "http://127.0.0.1:8000"
    """The API's address as applicants reach it: links in SMS and e-mails start with it."""
    delivery_link_days: int = 30
    """How long the decision-document link of an electronic delivery (电子送达) works."""
    sms_receipt_window_seconds: int = 300
    """A delivery receipt signed longer ago (or ahead) than this is refused; a replay within it
    is refused by its signature, remembered in Redis."""
    sms_timeout_seconds: float = 10.0
    """Timeout of one provider request."""
    sms_rate_per_second: float = 200.0
    """SMS sent per second across all notification workers (Redis token bucket)."""
    sms_rate_burst: int = 200
    """Tokens the SMS bucket holds."""
    sms_per_recipient_per_hour: int = 10
    """Non-urgent SMS one phone number gets per clock hour; more wait for the next hour; 0: off."""
    smtp_host: str = "127.0.0.1"
    """SMTP relay host."""
    smtp_port: int = 8025
    """SMTP relay port (587 with STARTTLS, 465 with implicit TLS)."""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS (required when true)."""
    smtp_tls: bool = False
    """Implicit TLS (SMTPS) from the first byte."""
    smtp_username: str = ""
    """SMTP AUTH user (empty: no AUTH)."""
    smtp_password: str = ""
    """SMTP AUTH password."""
    smtp_from: str = "通办 <noreply@tongban.example>"
    """From address of the e-mails."""
    smtp_timeout_seconds: float = 10.0
    """Timeout of one SMTP command."""
    smtp_connections: int = 4
    """SMTP connections each notification worker keeps open."""
    email_rate_per_second: float = 50.0
    """E-mails sent per second across all notification workers (Redis token bucket)."""
    email_rate_burst: int = 50
    """Tokens the e-mail bucket holds."""
    notify_max_attempts: int = 6
    """Attempts before a temporarily failing message is marked failed."""
    notify_backoff_seconds: float = 30.0
    """First retry delay; doubles per attempt (with jitter)…"""
    notify_backoff_max_seconds: float = 3600.0
    """…up to this."""
    notify_quiet_hours: str = "22:00-08:00"
    """Local hours in which non-urgent SMS wait (empty: none)."""
    notify_batch: int = 200
    """Messages a notification worker claims at a time."""
    notify_concurrency: int = 100
    """Sends a notification worker has in flight at once."""
    notify_lease_seconds: float = 60.0
    """A message claimed by a worker that died is reconciled after this (> the send timeouts)."""

    def __post_init__(self) -> None:
        check(self)

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def production(self) -> bool:
        return self.env == "production"


def _is_tuple(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is tuple


def variable_names() -> list[str]:
    """Every ``TONGBAN_*`` variable the settings read (for docs and the ConfigMap check)."""
    return [PREFIX + f.name.upper() for f in msgspec.structs.fields(Settings)]


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment; ``overrides`` (field names) win over it."""
    environ = os.environ if environ is None else environ
    fields = {f.name: f for f in msgspec.structs.fields(Settings)}
    known = {PREFIX + name.upper() for name in fields}
    for key in environ:
        # TONGBAN_TEST_* point the test suite at its servers; they are not platform settings.
        if key.startswith(PREFIX) and not key.startswith(TEST_PREFIX) and key not in known:
            raise ConfigError(key, "unknown setting (check the spelling)")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        variable = PREFIX + name.upper()
        if variable not in environ:
            continue
        raw = environ[variable]
        try:
            value: Any = raw
            if _is_tuple(field.type):
                value = [item.strip() for item in raw.split(",") if item.strip()]
            values[name] = msgspec.convert(value, field.type, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigError(variable, f"invalid value {raw!r} ({exc})") from None
    values.update(overrides)
    try:
        return Settings(**values)
    except TypeError as exc:
        raise ConfigError("TONGBAN_*", str(exc)) from None
