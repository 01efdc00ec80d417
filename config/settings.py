"""Settings, read from the environment (12-factor). `.env.example` documents every variable.

With no DATABASE_URL the app uses SQLite under DATA_DIR; with no REDIS_URL it starts the
embedded Redis (see config.embedded_redis). This is the only module that reads os.environ.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.embedded_redis import embedded_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The insecure default only ever applies to a DEBUG (demo/dev) run; production must set it.
SECRET_KEY = env.str(
    "SECRET_KEY", default="insecure-dev-key-change-me" if DEBUG else environ.Env.NOTSET
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "channels",
    "django_celery_beat",
    "axes",
    "csp",
    "oauth",
    "wxcc",
    "wallboard",
    "reporting",
    "alerts",
    "simulator",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the CSP middleware, so its frame-ancestors for the TV page reach the header.
    "config.middleware.KioskFramingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during authenticate() into the
    # lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost, so a view that cannot reach PostgreSQL becomes a 503 with the reason.
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oauth.context_processors.organization",
                "alerts.context_processors.active",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # The demo runs web, worker and beat against one SQLite file: WAL and a busy timeout
    # let them share it without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Under ASGI each request runs in a fresh thread and Django's connections are per thread,
    # so persistent connections (CONN_MAX_AGE > 0) pile up, one per thread, until PostgreSQL
    # runs out ("too many clients"). A psycopg pool shared by the process's threads bounds
    # them; DB_POOL_MAX_SIZE=0 means no pool and one connection per request instead.
    if env.int("DB_CONN_MAX_AGE", default=0) != 0:
        raise ImproperlyConfigured(
            "DB_CONN_MAX_AGE must be 0: persistent connections leak one per thread under ASGI. "
            "Size the connection pool with DB_POOL_MAX_SIZE instead."
        )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=8)
    if DB_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DB_POOL_MIN_SIZE", default=1), DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # A request waits this long for a free connection before failing (a 503 at the
            # webhook receiver): well inside the 5 s WxCC allows a delivery.
            "timeout": env.float("DB_POOL_TIMEOUT_S", default=3.0),
            # Idle connections above min_size are closed after this long.
            "max_idle": env.float("DB_POOL_MAX_IDLE_S", default=60.0),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# With no REDIS_URL, the embedded server is started (or reused) and shut down by `make demo`.
REDIS_EMBEDDED = not env.str("REDIS_URL", default="")
REDIS_URL = embedded_redis_url(DATA_DIR) if REDIS_EMBEDDED else env.str("REDIS_URL")
# Bounds on every Redis call (cache, broker, results), so an outage fails fast instead of
# hanging requests and workers; they reconnect on their own when Redis is back.
REDIS_CONNECT_TIMEOUT_S = env.float("REDIS_CONNECT_TIMEOUT_S", default=2.0)
REDIS_SOCKET_TIMEOUT_S = env.float("REDIS_SOCKET_TIMEOUT_S", default=5.0)
REDIS_HEALTH_CHECK_INTERVAL_S = env.int("REDIS_HEALTH_CHECK_INTERVAL_S", default=10)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "wb",
        # A Redis outage must fail a cache call fast, never hang a request.
        "OPTIONS": {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
            "socket_timeout": REDIS_SOCKET_TIMEOUT_S,
        },
    }
}

# A consumer waits for its next message with a blocking read of up to
# RedisChannelLayer.brpop_timeout (5 s). redis-py's default socket timeout is also 5 s, so an
# idle board's read timed out first and its consumer died (the TV then reconnected, losing
# what was pushed meanwhile): the layer's reads may take the blocking time and a margin.
CHANNEL_LAYER_BLOCKING_READ_S = 5.0
# Every connection of one web process shares one inbox in Redis. The push sends one message
# per process (wallboard.channel_layer), but edits and revocations still send one per board:
# channels_redis's default capacity (100) dropped updates silently when a process showed
# more boards than that. A message with every board's HTML can reach a few hundred KB, so
# the inbox is bounded (messages also expire after 60 s).
CHANNEL_LAYER_CAPACITY = env.int("CHANNEL_LAYER_CAPACITY", default=1_000)
# Redis connections of one process's channel layer; a command finding them all busy (a
# wall of screens connecting or closing together) waits up to CHANNEL_LAYER_POOL_WAIT_S for
# one rather than failing (wallboard.channel_layer.BoardChannelLayer.create_pool).
CHANNEL_LAYER_MAX_CONNECTIONS = env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=100)
CHANNEL_LAYER_POOL_WAIT_S = env.float("CHANNEL_LAYER_POOL_WAIT_S", default=20.0)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "wallboard.channel_layer.BoardChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
                    "socket_timeout": CHANNEL_LAYER_BLOCKING_READ_S + REDIS_SOCKET_TIMEOUT_S,
                    "max_connections": CHANNEL_LAYER_MAX_CONNECTIONS,
                    "timeout": CHANNEL_LAYER_POOL_WAIT_S,
                }
            ],
            "prefix": "wb:asgi",
            "capacity": CHANNEL_LAYER_CAPACITY,
        },
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Surviving a Redis outage. The worker retries the broker forever (the default gives up after
# 100 tries and exits, which stops every process of the demo), notices a dead or half-open
# connection through socket timeouts and health checks, and on losing the broker cancels
# running late-ack tasks so they are redelivered (processing is idempotent).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES: int | None = None
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_S
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
_REDIS_SOCKET_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
    "socket_timeout": REDIS_SOCKET_TIMEOUT_S,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    "health_check_interval": REDIS_HEALTH_CHECK_INTERVAL_S,
}
# Late acks (above) mean a task is taken off the queue only when it finishes. A worker child
# that dies mid-task is rejected by its parent and the task requeued at once
# (REJECT_ON_WORKER_LOST); a whole worker that dies (SIGKILL, host lost) leaves the message
# unacknowledged, and Redis hands it out again after the visibility timeout. It must exceed
# the longest task (a report waits up to REPORTING_RATE_LIMIT_MAX_WAIT_S for WxCC's budget,
# then renders), or a slow task would run twice; every task is idempotent, so a rerun is safe.
CELERY_VISIBILITY_TIMEOUT_S = env.int("CELERY_VISIBILITY_TIMEOUT_S", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **_REDIS_SOCKET_OPTIONS,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_S,
}
# Publishing (a web request handing an event to the worker, beat sending a tick) tries twice
# within a fraction of a second and then gives up: what was not queued is swept up later.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT_S
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT_S
CELERY_REDIS_SOCKET_KEEPALIVE = True
CELERY_REDIS_RETRY_ON_TIMEOUT = True
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = REDIS_HEALTH_CHECK_INTERVAL_S
# The result backend's own reconnect loop (20 tries, about 19 s, then RuntimeError "must be
# restarted" by default) is kept short: a result is never worth blocking a request or a worker.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Periodic tasks; DatabaseScheduler installs these on start. Apps add their own entries here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "oauth-refresh-expiring-tokens": {
        "task": "oauth.tasks.refresh_expiring_tokens",
        "schedule": 600.0,
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Security: sign-in throttling ------------------------------------------------------------
# django-axes counts failed sign-ins per account and per client address (either one locks):
# after AXES_FAILURE_LIMIT failures both the password form and the admin refuse that account,
# or anyone from that address, for the cool-off, even with the right password; the sign-in
# page says so and for how long. A success resets the count. Behind a reverse proxy the
# address is the proxy's unless uvicorn is told to trust it (FORWARDED_ALLOW_IPS, see
# docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MIN", default=15.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "oauth.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security: transport, cookies, headers ---------------------------------------------------
# Production runs behind a TLS-terminating proxy that sets X-Forwarded-Proto (and must strip
# it from clients). There every plain-HTTP request is redirected to HTTPS, HSTS tells browsers
# to never try HTTP again, and cookies are Secure. DEBUG (the demo on http://127.0.0.1) has
# none of it. /healthz and /readyz stay reachable over plain HTTP for the load balancer.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading is a promise about every subdomain that takes months to undo: a deployment opts in
# (SECURE_HSTS_PRELOAD=true); not doing so is a decision, not a warning for `check --deploy`.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
# Frames: no page may be framed (X-Frame-Options DENY and CSP frame-ancestors 'none'), except
# the TV kiosk page when TV_FRAME_ANCESTORS lists the origins allowed to embed it (a digital
# signage player, an intranet portal), e.g. "https://signage.example.com".
X_FRAME_OPTIONS = "DENY"
TV_FRAME_ANCESTORS = env.list("TV_FRAME_ANCESTORS", default=[])
# Content Security Policy (django-csp): only our own scripts, styles, images and sockets; no
# inline script or style anywhere (htmx's indicator styles are off through its meta config,
# the report chart's data is a JSON block, not a script). 'self' covers ws:/wss: to the same
# host (CSP level 3). No form-action: Chromium applies it to the redirect after a form, and
# "Connect to Webex" and "Login with Webex" are forms that redirect to Webex's identity
# service. CSP_REPORT_ONLY=true sends it as report-only, to try a change safely.
_CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY
else:
    CONTENT_SECURITY_POLICY = _CSP_POLICY

# Email (scheduled reports, failure notices). Production sends through SMTP; a DEBUG run
# (the demo) writes each message as a file under DATA_DIR/outbox, which admins read on the
# "Outbox" page (/reports/outbox/).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "outbox"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="wallboard@localhost")
ADMINS = [("Wallboard admins", a) for a in env.list("ADMIN_EMAILS", default=[])]
# Password reset by email exists only where mail is known to reach people: an SMTP backend with
# EMAIL_HOST set, or PASSWORD_RESET_ENABLED=true. Otherwise (the demo's file outbox, no mail
# server) its pages are 404s and the sign-in page does not offer it. A reset link is a
# password: the console backend would print it, so it is refused here, and the log filter
# (config.log_redaction) blanks it from any logged URL.
_MAIL_CONFIGURED = EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend" and bool(
    env.str("EMAIL_HOST", default="")
)
PASSWORD_RESET_ENABLED = env.bool("PASSWORD_RESET_ENABLED", default=_MAIL_CONFIGURED)
if PASSWORD_RESET_ENABLED and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    raise ImproperlyConfigured(
        "PASSWORD_RESET_ENABLED with the console email backend would print reset links to the "
        "log; use SMTP (EMAIL_HOST) or turn password reset off."
    )

# --- Webex / WxCC -------------------------------------------------------------------------
# Identity (OAuth) is global; the WxCC API root depends on the org's region.
WEBEX_IDENTITY_URL = env.str("WEBEX_IDENTITY_URL", default="https://webexapis.com/v1")
WEBEX_CLIENT_ID = env.str("WEBEX_CLIENT_ID", default="")
WEBEX_CLIENT_SECRET = env.str("WEBEX_CLIENT_SECRET", default="")
WEBEX_SCOPES = env.list(
    "WEBEX_SCOPES",
    # Exactly what we call (docs/wxcc-contract.md §4.1): search, config and subscription reads
    # (cjp:config_read), subscription writes (cjp:config_write), the user's org (people/me).
    default=["cjp:config_read", "cjp:config_write", "spark:people_read"],
)
# Access tokens (about 12 h) are refreshed by beat when they expire within this many seconds.
WEBEX_TOKEN_REFRESH_AHEAD_S = env.int("WEBEX_TOKEN_REFRESH_AHEAD_S", default=7200)
# Overrides every region's API root (the simulator in the demo and in tests).
WXCC_API_URL = env.str("WXCC_API_URL", default="")
WXCC_WEBHOOK_SECRET = env.str("WXCC_WEBHOOK_SECRET", default="")
WXCC_POLL_INTERVAL_S = env.float("WXCC_POLL_INTERVAL_S", default=10.0)
WXCC_RAW_EVENT_RETENTION_DAYS = env.int("WXCC_RAW_EVENT_RETENTION_DAYS", default=14)
# Deliveries accepted from one source address per minute before 429 + Retry-After
# (wxcc.webhook_limit). Far above WxCC's own rate to one receiver (0 turns the limit off).
WXCC_WEBHOOK_RATE_LIMIT_PER_MIN = env.int("WXCC_WEBHOOK_RATE_LIMIT_PER_MIN", default=12000)
WXCC_WEBHOOK_MAX_BODY_BYTES = env.int("WXCC_WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)
# Refused deliveries are counted per subscription, reason and minute, and kept this long.
WXCC_WEBHOOK_REJECTION_RETENTION_DAYS = env.int("WXCC_WEBHOOK_REJECTION_RETENTION_DAYS", default=7)
# Accepted events wait for the hand-off thread to queue them; beyond this many the rest are
# left to the sweeper (process_pending_webhook_events) rather than held in memory.
WXCC_WEBHOOK_HANDOFF_BACKLOG = env.int("WXCC_WEBHOOK_HANDOFF_BACKLOG", default=1000)
# How long the hand-off thread waits for more events before it publishes a burst. At a steady
# 200 events/s without it, a message carried one or two events, and each became a worker task
# of its own (most found their events already drained by another: a third of the worker's
# time went to empty tasks). Bounds what it adds to an event's way to the screen.
WXCC_WEBHOOK_HANDOFF_LINGER_MS = env.int("WXCC_WEBHOOK_HANDOFF_LINGER_MS", default=10)
# WxCC API client and poller (wxcc.client, wxcc.ratelimit, wxcc.poller). WxCC allows 300
# requests/min per client ID, shared by every org connected through the integration
# (docs/wxcc-contract.md §5): one budget for the whole client id, shared fairly between orgs,
# live polls ahead of bulk reads (backfill, reports).
WXCC_REQUESTS_PER_MINUTE = env.int("WXCC_REQUESTS_PER_MINUTE", default=240)
# An org's fair share is judged on its live requests of about this many recent seconds.
WXCC_FAIR_SHARE_WINDOW_S = env.float("WXCC_FAIR_SHARE_WINDOW_S", default=60.0)
WXCC_BUDGET_MAX_WAIT_S = env.float("WXCC_BUDGET_MAX_WAIT_S", default=5.0)
# Bulk reads wait at most this long for a token before giving way (they resume later).
WXCC_BULK_BUDGET_MAX_WAIT_S = env.float("WXCC_BULK_BUDGET_MAX_WAIT_S", default=2.0)
WXCC_DEFAULT_RETRY_AFTER_S = env.float("WXCC_DEFAULT_RETRY_AFTER_S", default=30.0)
WXCC_HTTP_TIMEOUT_S = env.float("WXCC_HTTP_TIMEOUT_S", default=15.0)
WXCC_HTTP_MAX_ATTEMPTS = env.int("WXCC_HTTP_MAX_ATTEMPTS", default=3)
WXCC_RETRY_BASE_S = env.float("WXCC_RETRY_BASE_S", default=0.5)
WXCC_ACTIVE_TASK_LOOKBACK_H = env.float("WXCC_ACTIVE_TASK_LOOKBACK_H", default=72.0)
WXCC_ACTIVE_SESSION_LOOKBACK_H = env.float("WXCC_ACTIVE_SESSION_LOOKBACK_H", default=36.0)
# A poll reads what changed since the last good one; every this many seconds it reads every
# live task and session instead and closes what WxCC no longer lists.
WXCC_FULL_POLL_INTERVAL_S = env.float("WXCC_FULL_POLL_INTERVAL_S", default=300.0)
# Today's grouped per-queue totals (a cross-check of what we store) at most this often.
WXCC_QUEUE_TOTALS_INTERVAL_S = env.float("WXCC_QUEUE_TOTALS_INTERVAL_S", default=60.0)
# Queue and team names and service-level thresholds from the Config API this often.
WXCC_CONFIG_SYNC_INTERVAL_S = env.float("WXCC_CONFIG_SYNC_INTERVAL_S", default=600.0)
# The statistics REST APIs are deprecated (EOL 31 March 2027): every figure comes from search
# and webhooks; they may only be fetched as a cross-check, when switched on.
WXCC_STATISTICS_CROSS_CHECK = env.bool("WXCC_STATISTICS_CROSS_CHECK", default=False)
WXCC_STATISTICS_INTERVAL_S = env.float("WXCC_STATISTICS_INTERVAL_S", default=300.0)
WXCC_POLL_LOCK_TIMEOUT_S = env.float("WXCC_POLL_LOCK_TIMEOUT_S", default=180.0)
# Webex refuses a webhook destination that is not https on port 443 with a path; the demo and
# tests receive on http://127.0.0.1, which only this opt-in lets register_webhooks send.
WXCC_WEBHOOK_ALLOW_LOOPBACK = env.bool("WXCC_WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
# Search may lag live events: a poll only closes tasks/sessions last seen this long before it.
WXCC_POLL_SEARCH_LAG_S = env.float("WXCC_POLL_SEARCH_LAG_S", default=10.0)
# History backfill (wxcc.backfill): a never-polled org, or one whose last good poll is more
# than this many poll intervals old, first gets its tasks and sessions since the gap (at
# most since its local midnight) from search, in windows of WXCC_BACKFILL_WINDOW_MIN,
# spending at most WXCC_BACKFILL_MAX_REQUESTS requests per poll (the rest next poll).
WXCC_BACKFILL_AFTER_MISSED_POLLS = env.int("WXCC_BACKFILL_AFTER_MISSED_POLLS", default=3)
WXCC_BACKFILL_WINDOW_MIN = env.int("WXCC_BACKFILL_WINDOW_MIN", default=240)
WXCC_BACKFILL_MAX_REQUESTS = env.int("WXCC_BACKFILL_MAX_REQUESTS", default=30)
# Tasks and sessions that began this long before the backfill window and ended inside it are
# read too.
WXCC_BACKFILL_LOOKBACK_H = env.float("WXCC_BACKFILL_LOOKBACK_H", default=24.0)
# Webhook events: failures before an event is given up; events one task drains per org.
WXCC_WEBHOOK_MAX_ATTEMPTS = env.int("WXCC_WEBHOOK_MAX_ATTEMPTS", default=5)
WXCC_WEBHOOK_DRAIN_LIMIT = env.int("WXCC_WEBHOOK_DRAIN_LIMIT", default=200)
# Live-state announcements of one org are coalesced over this window across workers
# (the first is sent at once; what follows within the window goes out as one at its end).
# Under load the single-flight lease below does the coalescing (what comes during a push is
# the next push), so the window only has to gather a burst: at 50 ms it added a median 50 ms
# to every event's way to the screen at 20 events/s (screen bench: p50 156 -> 101 ms at 5).
WXCC_PUSH_COALESCE_WINDOW_MS = env.int("WXCC_PUSH_COALESCE_WINDOW_MS", default=10)
# One process at a time sends an org's announcements; its lease outlives a crashed holder by
# at most this long, and a holder hands the rest to a task after sending for this long.
WXCC_PUSH_LEASE_S = env.float("WXCC_PUSH_LEASE_S", default=30.0)
WXCC_PUSH_OWNER_MAX_S = env.float("WXCC_PUSH_OWNER_MAX_S", default=2.0)
CELERY_BEAT_SCHEDULE["wxcc-poll-all-orgs"] = {
    "task": "wxcc.poll_all_orgs",
    "schedule": WXCC_POLL_INTERVAL_S,
    # A tick nobody picked up in time is stale: the next one polls fresher. (django-celery-beat
    # reads `expire_seconds`, not Celery's `expires`.)
    "options": {"expire_seconds": WXCC_POLL_INTERVAL_S},
}
CELERY_BEAT_SCHEDULE["wxcc-prune-raw-events"] = {
    "task": "wxcc.prune_raw_events",
    "schedule": 3600.0,
}
# Webhook events stored but never applied (enqueue lost, worker died) are swept up.
CELERY_BEAT_SCHEDULE["wxcc-process-pending-webhook-events"] = {
    "task": "wxcc.process_pending_webhook_events",
    "schedule": 60.0,
}

# --- Alerts (alerts/) -------------------------------------------------------------------------
# Rules are evaluated after every live-state change and on this beat (waits grow and repeats
# fall due with no change in WxCC). Posting to Webex retries with exponential back-off from
# ALERTS_SEND_BACKOFF_S (a 429 waits its Retry-After) up to ALERTS_SEND_MAX_ATTEMPTS tries.
ALERTS_EVALUATE_INTERVAL_S = env.float("ALERTS_EVALUATE_INTERVAL_S", default=15.0)
ALERTS_SEND_MAX_ATTEMPTS = env.int("ALERTS_SEND_MAX_ATTEMPTS", default=5)
ALERTS_SEND_BACKOFF_S = env.float("ALERTS_SEND_BACKOFF_S", default=5.0)
CELERY_BEAT_SCHEDULE["alerts-evaluate-all"] = {
    "task": "alerts.evaluate_all",
    "schedule": ALERTS_EVALUATE_INTERVAL_S,
    "options": {"expire_seconds": ALERTS_EVALUATE_INTERVAL_S},
}

# Server processes (uvicorn's lifespan start-up, a Celery worker once ready and each pool
# process) freeze what they loaded so the collector's full passes stop walking it
# (wallboard.metrics.collector.freeze_startup_objects). The test run turns it off: its
# in-process worker would freeze the test process.
GC_FREEZE_AT_STARTUP = env.bool("GC_FREEZE_AT_STARTUP", default=True)

# --- Live boards (wallboard.live) ----------------------------------------------------------
# The beat tick: pushes data-freshness changes to open boards, and moves rolling windows and
# live waits once the org's figures are WALLBOARD_REFRESH_INTERVAL_S old.
WALLBOARD_TICK_S = env.float("WALLBOARD_TICK_S", default=5.0)
WALLBOARD_REFRESH_INTERVAL_S = env.float("WALLBOARD_REFRESH_INTERVAL_S", default=15.0)
# Snapshots and sent-fragment fingerprints in Redis expire after this long unused.
WALLBOARD_SNAPSHOT_TTL_S = env.int("WALLBOARD_SNAPSHOT_TTL_S", default=86400)
# One process at a time updates an org's figures: how long the lock lasts if its holder dies,
# and how long another waits for it.
WALLBOARD_LOCK_TIMEOUT_S = env.float("WALLBOARD_LOCK_TIMEOUT_S", default=60.0)
WALLBOARD_LOCK_WAIT_S = env.float("WALLBOARD_LOCK_WAIT_S", default=10.0)
# Open connections renew their presence every heartbeat; one not renewed for the TTL is gone.
WALLBOARD_PRESENCE_HEARTBEAT_S = env.float("WALLBOARD_PRESENCE_HEARTBEAT_S", default=20.0)
WALLBOARD_PRESENCE_TTL_S = env.float("WALLBOARD_PRESENCE_TTL_S", default=60.0)
# A screen's last_seen_at is written at most this often.
WALLBOARD_LAST_SEEN_WRITE_S = env.int("WALLBOARD_LAST_SEEN_WRITE_S", default=60)
# Against burn-in, a TV moves its board by a few pixels this often.
WALLBOARD_PIXEL_SHIFT_S = env.int("WALLBOARD_PIXEL_SHIFT_S", default=120)
CELERY_BEAT_SCHEDULE["wallboard-tick"] = {
    "task": "wallboard.tick",
    "schedule": WALLBOARD_TICK_S,
    "options": {"expire_seconds": WALLBOARD_TICK_S},
}
# --- Reports (reporting/, docs/reports.md) -------------------------------------------------
# Report files (on-demand and scheduled) live here, and are deleted after the retention.
REPORTING_DIR = env.str("REPORTING_DIR", default=str(DATA_DIR / "reports"))
REPORTING_FILE_RETENTION_DAYS = env.int("REPORTING_FILE_RETENTION_DAYS", default=30)
# A day is read from WxCC once, when it ended at least this long ago (search may still be
# filling in its last minutes); today and younger days are read again for every report.
REPORTING_DAY_SETTLE_MIN = env.float("REPORTING_DAY_SETTLE_MIN", default=60.0)
# Tasks created up to this many days before a day that ended in it count there (handle time).
REPORTING_CARRY_IN_DAYS = env.int("REPORTING_CARRY_IN_DAYS", default=7)
# Agent sessions that started up to this long before a day are read for its first hours.
REPORTING_SESSION_LOOKBACK_H = env.float("REPORTING_SESSION_LOOKBACK_H", default=24.0)
# Report reads pace themselves below this many search requests per minute (the org's whole
# budget is WXCC_REQUESTS_PER_MINUTE; the live poll keeps the rest) and wait at most this
# long in all for a spent budget or a 429 before giving up.
REPORTING_REQUESTS_PER_MINUTE = env.int("REPORTING_REQUESTS_PER_MINUTE", default=120)
REPORTING_RATE_LIMIT_MAX_WAIT_S = env.float("REPORTING_RATE_LIMIT_MAX_WAIT_S", default=600.0)
if CELERY_VISIBILITY_TIMEOUT_S <= 2 * REPORTING_RATE_LIMIT_MAX_WAIT_S:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT_S must be more than twice REPORTING_RATE_LIMIT_MAX_WAIT_S: a "
        "report still waiting for WxCC would otherwise be handed to a second worker."
    )
# Rows shown in the browser and PDF for list reports (the CSV has every row).
REPORTING_MAX_DETAIL_ROWS = env.int("REPORTING_MAX_DETAIL_ROWS", default=2000)
# An interval report's PDF lists every interval row up to this many (a day of a few queues);
# beyond, it shows charts and the totals of each day and queue, and the CSV has every row.
REPORTING_PDF_MAX_INTERVAL_ROWS = env.int("REPORTING_PDF_MAX_INTERVAL_ROWS", default=500)
# A failed scheduled run is retried this many times, after REPORTING_RETRY_BASE_S doubling
# each time, then the org's admins are told why.
REPORTING_RUN_MAX_RETRIES = env.int("REPORTING_RUN_MAX_RETRIES", default=3)
REPORTING_RETRY_BASE_S = env.float("REPORTING_RETRY_BASE_S", default=120.0)
# A schedule whose local time was skipped (a DST gap, beat down) still runs if noticed within
# this many hours of it on the same local day.
REPORTING_CATCH_UP_H = env.float("REPORTING_CATCH_UP_H", default=6.0)
CELERY_BEAT_SCHEDULE["reporting-fire-due-schedules"] = {
    "task": "reporting.fire_due_schedules",
    "schedule": 60.0,
    "options": {"expire_seconds": 60.0},
}
CELERY_BEAT_SCHEDULE["reporting-prune-report-files"] = {
    "task": "reporting.prune_report_files",
    "schedule": 3600.0,
}

# Fernet keys for tokens and secrets at rest; the first encrypts, all decrypt (rotation).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
# Production cannot store or read a token or a webhook secret without them: refuse to start
# rather than answer every webhook and sign-in with a 500. (DEBUG runs derive a key.)
if not DEBUG and not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "TOKEN_ENCRYPTION_KEYS is required when DEBUG=false: set at least one Fernet key "
        "(see .env.example)."
    )
for _position, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key.strip())
    except ValueError:
        # Never echo the key itself.
        raise ImproperlyConfigured(
            f"TOKEN_ENCRYPTION_KEYS entry #{_position} is not a valid Fernet key."
        ) from None

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {
            "format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        },
    },
    # Display tokens and reset links travel in URLs: never write one (uvicorn's own loggers
    # get the same filter in config/asgi.py).
    "filters": {"redact_secrets": {"()": "config.log_redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "kv",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # uvicorn's access log writes every path and query (a TV's token): through our filter.
        "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        # PDF rendering logs every page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
