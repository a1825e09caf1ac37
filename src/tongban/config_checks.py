"""The rules settings must satisfy, checked when the settings struct is built: a bad value stops
start-up with a message naming the variable, so a typo in a Kubernetes ConfigMap fails the
rollout instead of running with a silent default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tongban.cases.files import SIGNATURES

if TYPE_CHECKING:
    from tongban.config import Settings

DEV_JWT_SECRET = "tongban-development-secret-change-me-0123456789"
# Development defaults of the other secrets start so: production refuses them.
DEV_SECRET_PREFIX = "tongban-dev-"


class ConfigError(Exception):
    """A configuration variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def _each(s: Settings, names: tuple[str, ...], ok: Callable[[Any], bool], problem: str) -> None:
    """Every named setting must pass ``ok``; the first that fails stops start-up by its variable."""
    for name in names:
        if not ok(getattr(s, name)):
            raise ConfigError("TONGBAN_" + name.upper(), problem)


def check(settings: Settings) -> None:
    for rules in (_connections, _authentication, _uploads, _time, _limits, _notifications):
        rules(settings)


def _connections(s: Settings) -> None:
    if s.db_pool_min < 0 or s.db_pool_max < 1 or s.db_pool_min > s.db_pool_max:
        raise ConfigError("TONGBAN_DB_POOL_MAX", "must be >= 1 and >= TONGBAN_DB_POOL_MIN (>= 0)")
    if not 0 < s.http_port < 65536:
        raise ConfigError("TONGBAN_HTTP_PORT", "must be a TCP port (1-65535)")
    if not s.database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("TONGBAN_DATABASE_URL", "must start with postgresql://")
    if not s.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("TONGBAN_REDIS_URL", "must start with redis://, rediss:// or unix://")


def _authentication(s: Settings) -> None:
    if s.jwt_algorithm == "HS256" and len(s.jwt_secret) < 32:
        raise ConfigError("TONGBAN_JWT_SECRET", "must be at least 32 characters for HS256")
    if s.jwt_algorithm == "RS256" and not (s.jwt_jwks_file or s.jwt_jwks_url):
        raise ConfigError(
            "TONGBAN_JWT_JWKS_FILE", "RS256 needs TONGBAN_JWT_JWKS_FILE or TONGBAN_JWT_JWKS_URL"
        )
    if s.env == "production" and s.jwt_algorithm == "HS256" and (s.jwt_secret == DEV_JWT_SECRET):
        raise ConfigError("TONGBAN_JWT_SECRET", "the development secret is refused in production")
    if s.officer_status_cache_seconds < 0:
        raise ConfigError("TONGBAN_OFFICER_STATUS_CACHE_SECONDS", "must be >= 0")


def _uploads(s: Settings) -> None:
    _each(s, ("max_upload_bytes", "max_files_per_request"), lambda v: v >= 1, "must be >= 1")
    # A material's bytes must match its type; a type whose signature is unknown could never
    # be checked, so it is refused here rather than let through unchecked.
    unknown = [t for t in s.allowed_content_types if t not in SIGNATURES]
    if unknown:
        raise ConfigError(
            "TONGBAN_ALLOWED_CONTENT_TYPES",
            f"no content check for {', '.join(unknown)} (known: {', '.join(SIGNATURES)})",
        )


def _time(s: Settings) -> None:
    try:
        ZoneInfo(s.timezone)
    except Exception:
        raise ConfigError("TONGBAN_TIMEZONE", f"unknown time zone {s.timezone!r}") from None
    if s.clock_start:
        if s.env == "production":
            raise ConfigError("TONGBAN_CLOCK_START", "a simulated clock is refused in production")
        try:
            if datetime.fromisoformat(s.clock_start).tzinfo is None:
                raise ValueError("no time zone")
        except ValueError as exc:
            raise ConfigError(
                "TONGBAN_CLOCK_START", f"not an ISO instant with zone: {exc}"
            ) from None
    if s.clock_speed <= 0:
        raise ConfigError("TONGBAN_CLOCK_SPEED", "must be positive")


def _limits(s: Settings) -> None:
    at_least_one = (
        "rate_limit_window_seconds",
        "graphql_max_query_chars",
        "max_json_body_bytes",
        "jwt_max_lifetime_seconds",
        "sms_receipt_window_seconds",
        "graphql_max_page_size",
    )
    _each(s, at_least_one, lambda v: v >= 1, "must be >= 1")
    # 0 turns these off.
    bounds = (
        "graphql_max_depth",
        "graphql_max_aliases",
        "graphql_max_fields",
        "graphql_cost_anonymous",
        "graphql_cost_applicant",
        "graphql_cost_officer",
        "graphql_deadline_seconds",
        "graphql_max_response_bytes",
        "rate_limit_anonymous",
        "rate_limit_signed_in",
        "rate_limit_submissions",
        "public_cache_seconds",
    )
    _each(s, bounds, lambda v: v >= 0, "must not be negative")


def _notifications(s: Settings) -> None:
    quiet_hours(s.notify_quiet_hours)
    if s.env == "production":
        _each(
            s,
            ("sms_access_key_secret", "sms_callback_secret", "download_secret"),
            lambda v: not v.startswith(DEV_SECRET_PREFIX),
            "the development secret is refused in production",
        )
    _licence_key(s)
    if not s.public_base_url.startswith(("https://", "http://")):
        raise ConfigError("TONGBAN_PUBLIC_BASE_URL", "must start with https:// (or http://)")
    if s.env == "production" and not s.public_base_url.startswith("https://"):
        # The link in an electronic delivery is the applicant's permission to the document.
        raise ConfigError("TONGBAN_PUBLIC_BASE_URL", "must be https:// in production")
    if s.delivery_link_days < 1:
        raise ConfigError("TONGBAN_DELIVERY_LINK_DAYS", "must be >= 1")
    if s.smtp_starttls and s.smtp_tls:
        raise ConfigError("TONGBAN_SMTP_STARTTLS", "use STARTTLS or implicit TLS, not both")
    positive = (
        "sms_rate_per_second",
        "email_rate_per_second",
        "sms_rate_burst",
        "email_rate_burst",
        "notify_max_attempts",
        "notify_batch",
        "notify_concurrency",
        "smtp_connections",
        "commitment_verification_days",
    )
    _each(s, positive, lambda v: v > 0, "must be positive")
    if s.notify_lease_seconds <= max(s.sms_timeout_seconds, s.smtp_timeout_seconds):
        raise ConfigError("TONGBAN_NOTIFY_LEASE_SECONDS", "must exceed the SMS and SMTP timeouts")


def quiet_hours(value: str) -> tuple[int, int] | None:
    """``"22:00-08:00"`` → minutes of the day (1320, 480); ``""`` → None."""
    if not value.strip():
        return None
    try:
        start, end = (part.strip() for part in value.split("-"))
        minutes = []
        for part in (start, end):
            hours, mins = part.split(":")
            h, m = int(hours), int(mins)
            if not (0 <= h < 24 and 0 <= m < 60):
                raise ValueError
            minutes.append(h * 60 + m)
    except ValueError:
        raise ConfigError(
            "TONGBAN_NOTIFY_QUIET_HOURS", f"expected HH:MM-HH:MM, got {value!r}"
        ) from None
    if minutes[0] == minutes[1]:
        raise ConfigError("TONGBAN_NOTIFY_QUIET_HOURS", "start and end are the same")
    return minutes[0], minutes[1]


def _licence_key(s: Settings) -> None:
    from tongban.licences.signing import SigningKeyError, private_key

    if s.env == "production" and not s.licence_signing_key.strip():
        # A licence signed with the public development key proves nothing.
        raise ConfigError("TONGBAN_LICENCE_SIGNING_KEY", "production needs its own signing key")
    try:
        private_key(s.licence_signing_key)
    except SigningKeyError as exc:
        raise ConfigError("TONGBAN_LICENCE_SIGNING_KEY", str(exc)) from None
    if not s.licence_key_id.strip():
        raise ConfigError("TONGBAN_LICENCE_KEY_ID", "must not be empty")
    if s.env == "production" and s.licence_key_id.startswith("dev-"):
        raise ConfigError("TONGBAN_LICENCE_KEY_ID", "name the production key (not dev-…)")
