"""Configuration: the one place that reads the environment.

Every setting has a default that runs on one machine (SQLite and an embedded Redis in the
instance folder); production sets DATABASE_URL, REDIS_URL and SECRET_KEY.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_PREFIX = "FRAUDWATCH_"


def instance_path_from_env() -> str:
    """The instance folder: FRAUDWATCH_INSTANCE, else ./instance (absolute)."""
    return str(Path(os.environ.get("FRAUDWATCH_INSTANCE", "instance")).resolve())


def instance_from_env() -> str | None:
    """FRAUDWATCH_INSTANCE as given (None when unset), for libraries that default to it."""
    return os.environ.get("FRAUDWATCH_INSTANCE") or None


def metrics_multiproc_dir() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR (prometheus-client's own name): the folder the processes of an
    instance write their metrics to (fraudwatch/infra/metrics.py), None when unset."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def set_metrics_multiproc_dir(folder: str) -> None:
    """Set PROMETHEUS_MULTIPROC_DIR for this process and the processes it starts."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder


def extra_official_domains() -> str | None:
    """FRAUDWATCH_EXTRA_OFFICIAL_DOMAINS: a CSV of domains added to the official allowlist."""
    return os.environ.get(ENV_PREFIX + "EXTRA_OFFICIAL_DOMAINS") or None


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number (got {value[:40]!r})") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative (got {number})")
    return number


def _positive(name: str, default: float | None, kind: type = int) -> float | None:
    """A positive number (int or float) from the environment, or the default."""
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a {kind.__name__} (got {raw[:40]!r})") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive (got {value})")
    return value


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices` from the environment, or the default."""
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)} (got {value[:40]!r})")
    return value


def _list(name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, "").split(",") if v.strip())


def _ports(name: str):
    value = os.environ.get(name, "").strip()
    if not value:
        return None  # the usual web ports
    return "any" if value == "any" else [int(p) for p in value.split(",") if p.strip()]


def crawl_config() -> dict:
    """Crawler settings (see fraudwatch/crawling.py); private networks are refused unless listed."""
    env = os.environ
    return {
        "CRAWL_ALLOW_NETWORKS": _list(ENV_PREFIX + "CRAWL_ALLOW_NETWORKS"),
        "CRAWL_RESOLVE": _list(ENV_PREFIX + "CRAWL_RESOLVE"),
        "CRAWL_ALLOWED_PORTS": _ports(ENV_PREFIX + "CRAWL_ALLOWED_PORTS"),
        "CRAWL_HOST_DELAY": float(env.get(ENV_PREFIX + "CRAWL_HOST_DELAY", "1.0")),
        "CRAWL_OBEY_ROBOTS": env.get(ENV_PREFIX + "CRAWL_OBEY_ROBOTS", "on") != "off",
        "CRAWL_TOTAL_TIMEOUT": float(env.get(ENV_PREFIX + "CRAWL_TOTAL_TIMEOUT", "30")),
        "CRAWL_REVISIT_SECONDS": _int(ENV_PREFIX + "CRAWL_REVISIT_SECONDS", 24 * 3600),
        "CRAWL_MAX_LINKS": _int(ENV_PREFIX + "CRAWL_MAX_LINKS", 50),
        "CRAWL_MAX_DEPTH": _int(ENV_PREFIX + "CRAWL_MAX_DEPTH", 5),
        "CRAWL_BATCH": _int(ENV_PREFIX + "CRAWL_BATCH", 10),
        "CRAWL_FAVICON": env.get(ENV_PREFIX + "CRAWL_FAVICON", "on") != "off",
    }


def console_config() -> dict:
    """Officer console settings: session cookie, session timeouts, sign-in throttling, TOTP."""
    env = os.environ
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # on behind https (directly or through a trusted proxy): the cookie is never sent in clear
        "SESSION_COOKIE_SECURE": env.get(ENV_PREFIX + "SESSION_COOKIE_SECURE", "off") == "on",
        "SESSION_IDLE_MINUTES": _positive(ENV_PREFIX + "SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _positive(ENV_PREFIX + "SESSION_MAX_HOURS", 12),
        # failed sign-ins allowed per account and per address within LOGIN_WINDOW_SECONDS
        "LOGIN_ACCOUNT_LIMIT": _positive(ENV_PREFIX + "LOGIN_ACCOUNT_LIMIT", 5),
        "LOGIN_ADDRESS_LIMIT": _positive(ENV_PREFIX + "LOGIN_ADDRESS_LIMIT", 20),
        "LOGIN_WINDOW_SECONDS": _positive(ENV_PREFIX + "LOGIN_WINDOW_SECONDS", 15 * 60),
        "REQUIRE_ADMIN_TOTP": env.get(ENV_PREFIX + "REQUIRE_ADMIN_TOTP", "off") == "on",
        "BABEL_DEFAULT_LOCALE": "zh",
    }


def _typed_numbers(name: str, default: dict[str, float]) -> dict[str, float]:
    """`type=number,...` from the environment over the defaults, e.g. `url=14,domain=90`."""
    values = dict(default)
    for part in _list(name):
        key, _, raw = part.partition("=")
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{name}: {part[:40]!r} is not type=number") from None
        if key.strip() not in default or number <= 0:
            raise ValueError(f"{name}: {part[:40]!r} (types: {', '.join(default)}; numbers above 0)")
        values[key.strip()] = number
    return values


# Days an indicator of each type stays in the feeds after its last sighting at full confidence,
# before decay takes it below DECAY_THRESHOLD (MISP's polynomial decay model: score =
# base * (1 - (age / lifetime) ** (1 / speed))). Phones and URLs are thrown away and replaced
# within days; a registered domain or a company name is kept by its owner longer.
DECAY_LIFETIME_DAYS = {"url": 30.0, "phone": 30.0, "email": 60.0, "domain": 180.0, "company": 365.0,
                       "bank_account": 180.0}
DECAY_SPEED = {"url": 1.0, "phone": 1.0, "email": 1.0, "domain": 0.5, "company": 0.5, "bank_account": 0.5}


def sharing_config() -> dict:
    """Outgoing feeds, indicator decay, scheduled imports, takedowns, metrics and logs (issue #13)."""
    return {
        # The feed sweep (jobs/periodic.py) brings feed_entries in step with the indicators this often.
        "FEED_SWEEP_SECONDS": _positive(ENV_PREFIX + "FEED_SWEEP_SECONDS", 10, int),
        # Feeds (by name, e.g. "suspected" or "confirmed") that need an enterprise key; the others are public.
        "FEEDS_REQUIRE_KEY": _list(ENV_PREFIX + "FEEDS_REQUIRE_KEY") or ("suspected",),
        "DECAY_LIFETIME_DAYS": _typed_numbers(ENV_PREFIX + "DECAY_LIFETIME_DAYS", DECAY_LIFETIME_DAYS),
        "DECAY_SPEED": _typed_numbers(ENV_PREFIX + "DECAY_SPEED", DECAY_SPEED),
        "DECAY_THRESHOLD": _positive(ENV_PREFIX + "DECAY_THRESHOLD", 0.3, float),
        # Scheduled pulls of other feeds (import_sources) are looked at this often.
        "IMPORT_SWEEP_SECONDS": _positive(ENV_PREFIX + "IMPORT_SWEEP_SECONDS", 60, int),
        # Confirmed sites are crawled again this often until they stop serving the scam.
        "TAKEDOWN_REVISIT_SECONDS": _positive(ENV_PREFIX + "TAKEDOWN_REVISIT_SECONDS", 6 * 3600, int),
        "TAKEDOWN_SWEEP_SECONDS": _positive(ENV_PREFIX + "TAKEDOWN_SWEEP_SECONDS", 300, int),
        # /metrics: "on" for everyone who reaches it, "off", or "admin" (an admin's API key).
        "METRICS": _choice(ENV_PREFIX + "METRICS", ("on", "off", "admin"), "on"),
        # Logs: "text" (default) or "json" (one object a line, with the request id).
        "LOG_FORMAT": _choice(ENV_PREFIX + "LOG_FORMAT", ("text", "json"), "text"),
    }


def alerts_config() -> dict:
    """Watch-list alerts: the SMTP server e-mail alerts go through, webhook timeouts, retries."""
    env = os.environ
    return {
        "SMTP_HOST": env.get(ENV_PREFIX + "SMTP_HOST", ""),  # empty: e-mail alerts cannot be sent
        "SMTP_PORT": _int(ENV_PREFIX + "SMTP_PORT", 25),
        "SMTP_USER": env.get(ENV_PREFIX + "SMTP_USER", ""),
        "SMTP_PASSWORD": env.get(ENV_PREFIX + "SMTP_PASSWORD", ""),
        "SMTP_FROM": env.get(ENV_PREFIX + "SMTP_FROM", "fraudwatch@localhost"),
        "SMTP_STARTTLS": env.get(ENV_PREFIX + "SMTP_STARTTLS", "off") == "on",
        "SMTP_TIMEOUT": _positive(ENV_PREFIX + "SMTP_TIMEOUT", 10.0, float),
        "ALERT_WEBHOOK_TIMEOUT": _positive(ENV_PREFIX + "ALERT_WEBHOOK_TIMEOUT", 10.0, float),
        "ALERT_MAX_ATTEMPTS": max(1, _int(ENV_PREFIX + "ALERT_MAX_ATTEMPTS", 5)),
    }


def load_config(instance_path: str) -> dict:
    """Settings for `create_app`, read from the environment with safe defaults."""
    env = os.environ
    instance = Path(instance_path)
    return {
        "SECRET_KEY": env.get("SECRET_KEY", "dev-only-not-secret"),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'fraudwatch.db'}",
        # None means: start (or reuse) the embedded Redis under the instance folder.
        "REDIS_URL": env.get("REDIS_URL") or None,
        "REDIS_PREFIX": env.get(ENV_PREFIX + "REDIS_PREFIX", "fw:"),
        "RQ_QUEUE": env.get(ENV_PREFIX + "RQ_QUEUE", "fraudwatch"),
        "MAX_CONTENT_LENGTH": _int(ENV_PREFIX + "MAX_BODY_BYTES", 1024 * 1024),
        "PHONE_REGION": env.get(ENV_PREFIX + "PHONE_REGION", "CN"),
        "DUPLICATE_WINDOW_SECONDS": _int(ENV_PREFIX + "DUPLICATE_WINDOW_SECONDS", 24 * 3600),
        "LOOKUP_CACHE_TTL": _int(ENV_PREFIX + "LOOKUP_CACHE_TTL", 600),
        "BATCH_LIMIT": _int(ENV_PREFIX + "BATCH_LIMIT", 1000),
        "ANON_LOOKUP_LIMIT": env.get(ENV_PREFIX + "ANON_LOOKUP_LIMIT", "120/minute;2000/hour"),
        "ANON_REPORT_LIMIT": env.get(ENV_PREFIX + "ANON_REPORT_LIMIT", "20/minute;200/hour"),
        # The public report form (public/report.py): posts per address, how long a form's token
        # is valid, and the screenshot's largest file and picture (a larger one is refused).
        "PUBLIC_REPORT_LIMIT": env.get(ENV_PREFIX + "PUBLIC_REPORT_LIMIT", "5/minute;30/hour;100/day"),
        "PUBLIC_REPORT_TOKEN_SECONDS": _positive(ENV_PREFIX + "PUBLIC_REPORT_TOKEN_SECONDS", 7200, int),
        "SCREENSHOT_MAX_BYTES": _positive(ENV_PREFIX + "SCREENSHOT_MAX_BYTES", 5 * 1024 * 1024, int),
        "SCREENSHOT_MAX_PIXELS": _positive(ENV_PREFIX + "SCREENSHOT_MAX_PIXELS", 40_000_000, int),
        # Appeals against a listing (the /appeal form and POST /api/v1/appeals share it), per address or key
        "APPEAL_LIMIT": env.get(ENV_PREFIX + "APPEAL_LIMIT", "3/minute;10/hour;20/day"),
        "ENTERPRISE_DEFAULT_LIMIT": env.get(ENV_PREFIX + "ENTERPRISE_LIMIT", "100000/hour"),
        "RATELIMIT_ENABLED": env.get(ENV_PREFIX + "RATELIMIT", "on") != "off",
        "TRUSTED_PROXIES": _int(ENV_PREFIX + "TRUSTED_PROXIES", 0),
        "PUBLIC_URL": env.get(ENV_PREFIX + "PUBLIC_URL", "").rstrip("/"),
        # Confirmed reports become redacted examples on the pattern pages: "auto" (published when
        # confirmed, editors may withdraw them) or "editor" (candidates until an editor publishes).
        "PUBLISH_EXAMPLES": _choice(ENV_PREFIX + "PUBLISH_EXAMPLES", ("auto", "editor"), "auto"),
        "PUBLISH_SWEEP_SECONDS": _positive(ENV_PREFIX + "PUBLISH_SWEEP_SECONDS", 10, int),
        # The public statistics (services/statistics.py) are recomputed by a worker this often.
        "STATS_REFRESH_SECONDS": _positive(ENV_PREFIX + "STATS_REFRESH_SECONDS", 300, int),
        # Public pages are cached (Redis, and Cache-Control for browsers and proxies) this long.
        "PUBLIC_CACHE_SECONDS": _int(ENV_PREFIX + "PUBLIC_CACHE_SECONDS", 30),
        # After a failed Redis call, lookups and rate limits skip Redis this long (0: never).
        "REDIS_RETRY_SECONDS": _int(ENV_PREFIX + "REDIS_RETRY_SECONDS", 5),
        "MODEL_DIR": env.get(ENV_PREFIX + "MODEL_DIR") or str(instance / "models" / "current"),
        # Web and worker processes ask the model registry which version is active this often
        # (services/model_registry.py): a promotion reaches them within it plus a model load.
        "MODEL_POLL_SECONDS": _positive(ENV_PREFIX + "MODEL_POLL_SECONDS", 15.0, float),
        # An enqueued job still open after this is looked up on the queue (and enqueued
        # again if the queue lost it); a running job whose worker stops renewing its
        # lease is taken back after JOB_LEASE_SECONDS; a job that keeps failing is given
        # up after JOB_MAX_ATTEMPTS attempts.
        "PENDING_RETRY_SECONDS": _int(ENV_PREFIX + "PENDING_RETRY_SECONDS", 10),
        "JOB_LEASE_SECONDS": max(3, _int(ENV_PREFIX + "JOB_LEASE_SECONDS", 15)),
        "JOB_MAX_ATTEMPTS": max(1, _int(ENV_PREFIX + "JOB_MAX_ATTEMPTS", 5)),
        # The fast path of POST /reports: the report's text (at most FAST_VERDICT_MAX_CHARS)
        # is classified in the request and its verdict stored, when the web process has the
        # model loaded and it all fits in FAST_VERDICT_BUDGET_MS; the job stores it again.
        "FAST_VERDICT": env.get(ENV_PREFIX + "FAST_VERDICT", "on") != "off",
        "FAST_VERDICT_MAX_CHARS": _int(ENV_PREFIX + "FAST_VERDICT_MAX_CHARS", 4000),
        "FAST_VERDICT_BUDGET_MS": _int(ENV_PREFIX + "FAST_VERDICT_BUDGET_MS", 300),
        # CPU priority (nice increment) a worker serving bulk queues gives itself, so that
        # imports and seed crawls leave the CPU to live work on the same machine.
        "BULK_WORKER_NICE": _int(ENV_PREFIX + "BULK_WORKER_NICE", 10),
        "JSON_SORT_KEYS": False,
        # HSTS on every answer, also over plain http (behind a proxy that is not trusted
        # to say https); without it HSTS goes with https requests only.
        "HSTS": env.get(ENV_PREFIX + "HSTS", "off") == "on",
        # The buffering web worker (fraudwatch/infra/webserver.py): read deadline per
        # request, largest body it buffers (None: MAX_CONTENT_LENGTH + 64 KiB), and the
        # budget of all its buffers.
        "REQUEST_READ_TIMEOUT": _positive(ENV_PREFIX + "REQUEST_READ_TIMEOUT", 10.0, float),
        "REQUEST_BUFFER_BYTES": _positive(ENV_PREFIX + "REQUEST_BUFFER_BYTES", None),
        "REQUEST_BUFFER_TOTAL_BYTES": _positive(ENV_PREFIX + "REQUEST_BUFFER_TOTAL_BYTES", 64 * 1024 * 1024),
        **crawl_config(),
        **console_config(),
        **alerts_config(),
        **sharing_config(),
    }
