"""Configuration from environment variables.

Every setting has a safe default for the embedded first run (SQLite under
``instance/``, jobs in-process).  In production (``RED_PROPERTY_ENV=production``)
the app refuses to start without a real ``SECRET_KEY`` and a PostgreSQL database.
"""
from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot run the app safely."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None) -> str | None:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (then ``overrides``)."""
    env = os.environ
    production = env.get("RED_PROPERTY_ENV", "development") == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "red_property.sqlite")
    redis_url = env.get("REDIS_URL") or None
    cfg = {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL")) or default_db,
        # Migrations run as the schema owner; the app connects as a role that owns nothing.
        "MIGRATE_DATABASE_URL": database_url(env.get("MIGRATE_DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RQ_QUEUE": env.get("RQ_QUEUE", "red-property"),
        "EXPORT_DIR": env.get("EXPORT_DIR", str(Path(instance_path) / "exports")),
        # Uploaded evidence, receipts and documents: FILE_DIR/<tenant id>/<random name>.
        "FILE_DIR": env.get("FILE_DIR", str(Path(instance_path) / "files")),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A browser session ends after this many idle minutes (each request renews it).
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_IDLE_MINUTES", "480")) * 60,
        "FORCE_HTTPS": _bool(env.get("FORCE_HTTPS"), production),
        # Reverse proxies in front of the app whose X-Forwarded-* headers we trust
        # (nginx: 1).  Needed for HTTPS detection and per-client rate limits.
        "PROXY_COUNT": int(env.get("PROXY_COUNT", "1" if production else "0")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN", "10 per minute"),
        # Failed logins per (address, account): this many are free, then each doubles the wait
        # before that address may try that account again, up to the cap (accounts/throttle.py).
        "LOGIN_FREE_FAILURES": int(env.get("LOGIN_FREE_FAILURES", "5")),
        "LOGIN_MAX_DELAY_SECONDS": int(env.get("LOGIN_MAX_DELAY_SECONDS", "900")),
        # Demands from the public community page, per visitor address.
        "RATELIMIT_PUBLIC_DEMAND": env.get("RATELIMIT_PUBLIC_DEMAND", "5 per hour;20 per day"),
        # Accepted demands per community, whoever sends them: many addresses (a botnet) cannot
        # bury one company under fake demands, whose handling times feed its credit rating.
        "RATELIMIT_PUBLIC_DEMAND_COMMUNITY": env.get("RATELIMIT_PUBLIC_DEMAND_COMMUNITY", "30 per hour;100 per day"),
        # Demand look-ups (number + the phone's last four digits) per visitor address, and the
        # failed ones per demand number from any address: ten thousand endings are not guessable.
        "RATELIMIT_PUBLIC_LOOKUP": env.get("RATELIMIT_PUBLIC_LOOKUP", "10 per minute;60 per day"),
        "RATELIMIT_PUBLIC_LOOKUP_NUMBER": env.get("RATELIMIT_PUBLIC_LOOKUP_NUMBER", "10 per day"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: limits are counted in each process's memory until it is back (issue 12,
        # item 15; README "When Redis or PostgreSQL is down"), never a 500 on a login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # /healthz: how long the database check may take, and how long jobs may wait with no
        # worker taking one before the queue is reported stalled.
        "HEALTH_DATABASE_TIMEOUT": float(env.get("HEALTH_DATABASE_TIMEOUT", "2")),
        "HEALTH_QUEUE_STALL_SECONDS": int(env.get("HEALTH_QUEUE_STALL_SECONDS", "120")),
        "API_TOKEN_DAYS": int(env.get("API_TOKEN_DAYS", "30")),
        # Invitations (onboarding.invitations): how long a link stays valid, the address links
        # point to (else the address a request came to; the CLI has none), and the SMTP server
        # that also emails them (onboarding.mail: smtp://host:port, smtp+starttls://…, smtps://…).
        "INVITATION_DAYS": int(env.get("INVITATION_DAYS", "7")),
        "BASE_URL": env.get("BASE_URL") or None,
        "MAIL_URL": env.get("MAIL_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "red-property",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
        },
        "PAGE_SIZE_MAX": 200,
        # Billing runs: bills per issuing transaction, invoices per PDF document (0: by how fonts
        # are subset, fees.documents.RENDER_BATCH), and how many helper jobs render beside a
        # run's own job (one per additional RQ worker).
        "FEES_ISSUE_BATCH": int(env.get("FEES_ISSUE_BATCH", "200")),
        "FEES_RENDER_BATCH": int(env.get("FEES_RENDER_BATCH", "0")),
        "FEES_RENDER_HELPERS": int(env.get("FEES_RENDER_HELPERS", "1")),
        # Arrears notices: households laid out per step of the job's progress (fees.arrears).
        "FEES_ARREARS_BATCH": int(env.get("FEES_ARREARS_BATCH", "50")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,  # uploads: household lists, evidence, appeals
        # JSON bodies carry forms, not files, and nest three or four levels (core/json_body.py).
        "JSON_MAX_BYTES": 1024 * 1024,
        "JSON_MAX_DEPTH": 32,
    }
    if overrides:
        cfg.update(overrides)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database that is down or frozen fails a request in seconds (a 503), not after the
        # proxy's timeout: connecting gives up after DB_CONNECT_TIMEOUT, waiting for a pooled
        # connection after DB_POOL_TIMEOUT.
        options = cfg["SQLALCHEMY_ENGINE_OPTIONS"] = dict(cfg["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("pool_timeout", int(env.get("DB_POOL_TIMEOUT", "10")))
        options["connect_args"] = {"connect_timeout": int(env.get("DB_CONNECT_TIMEOUT", "5")),
                                   **options.get("connect_args", {})}
    if production:
        _refuse_unsafe_production(cfg)
    return cfg


def _refuse_unsafe_production(cfg: dict) -> None:
    secret = cfg["SECRET_KEY"]
    if not secret or secret == DEV_SECRET or len(secret) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if not cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise ConfigError("DATABASE_URL must point to PostgreSQL in production.")
    if not cfg["REDIS_URL"]:
        raise ConfigError("REDIS_URL must be set in production (jobs and rate limits use Redis).")
