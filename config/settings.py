"""Settings, read from the environment (12-factor). `.env.example` documents every variable.

With no DATABASE_URL the app uses SQLite under DATA_DIR; with no REDIS_URL it starts the
embedded Redis (see config.embedded_redis). This is the only module that reads os.environ.
"""

from __future__ import annotations

from pathlib import Path

import environ

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
    "oauth",
    "wxcc",
    "wallboard",
    "reporting",
    "simulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# With no REDIS_URL, the embedded server is started (or reused) and shut down by `make demo`.
REDIS_EMBEDDED = not env.str("REDIS_URL", default="")
REDIS_URL = embedded_redis_url(DATA_DIR) if REDIS_EMBEDDED else env.str("REDIS_URL")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "wb",
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "wb:asgi"},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="wallboard@localhost")
ADMINS = [("Wallboard admins", a) for a in env.list("ADMIN_EMAILS", default=[])]

# --- Webex / WxCC -------------------------------------------------------------------------
# Identity (OAuth) is global; the WxCC API root depends on the org's region.
WEBEX_IDENTITY_URL = env.str("WEBEX_IDENTITY_URL", default="https://webexapis.com/v1")
WEBEX_CLIENT_ID = env.str("WEBEX_CLIENT_ID", default="")
WEBEX_CLIENT_SECRET = env.str("WEBEX_CLIENT_SECRET", default="")
WEBEX_SCOPES = env.list(
    "WEBEX_SCOPES",
    default=["cjp:config_read", "cjp:config_write", "cjp:user", "spark:people_read"],
)
# Access tokens (about 12 h) are refreshed by beat when they expire within this many seconds.
WEBEX_TOKEN_REFRESH_AHEAD_S = env.int("WEBEX_TOKEN_REFRESH_AHEAD_S", default=7200)
# Overrides every region's API root (the simulator in the demo and in tests).
WXCC_API_URL = env.str("WXCC_API_URL", default="")
WXCC_WEBHOOK_SECRET = env.str("WXCC_WEBHOOK_SECRET", default="")
WXCC_POLL_INTERVAL_S = env.float("WXCC_POLL_INTERVAL_S", default=10.0)
WXCC_RAW_EVENT_RETENTION_DAYS = env.int("WXCC_RAW_EVENT_RETENTION_DAYS", default=14)
WXCC_WEBHOOK_MAX_BODY_BYTES = env.int("WXCC_WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)
# WxCC API client and poller (wxcc.client, wxcc.poller). WxCC allows 300 requests/min per
# client id (docs/wxcc-contract.md §5); the shared per-org budget stays below it.
WXCC_REQUESTS_PER_MINUTE = env.int("WXCC_REQUESTS_PER_MINUTE", default=240)
WXCC_BUDGET_MAX_WAIT_S = env.float("WXCC_BUDGET_MAX_WAIT_S", default=5.0)
WXCC_DEFAULT_RETRY_AFTER_S = env.float("WXCC_DEFAULT_RETRY_AFTER_S", default=30.0)
WXCC_HTTP_TIMEOUT_S = env.float("WXCC_HTTP_TIMEOUT_S", default=15.0)
WXCC_HTTP_MAX_ATTEMPTS = env.int("WXCC_HTTP_MAX_ATTEMPTS", default=3)
WXCC_RETRY_BASE_S = env.float("WXCC_RETRY_BASE_S", default=0.5)
WXCC_ACTIVE_TASK_LOOKBACK_H = env.float("WXCC_ACTIVE_TASK_LOOKBACK_H", default=72.0)
WXCC_ACTIVE_SESSION_LOOKBACK_H = env.float("WXCC_ACTIVE_SESSION_LOOKBACK_H", default=36.0)
# Agent Activities read per poll for current states (the API caps a window at 10,000 records).
WXCC_ACTIVITY_LOOKBACK_MIN = env.float("WXCC_ACTIVITY_LOOKBACK_MIN", default=120.0)
WXCC_STATISTICS_INTERVAL_S = env.float("WXCC_STATISTICS_INTERVAL_S", default=300.0)
WXCC_POLL_LOCK_TIMEOUT_S = env.float("WXCC_POLL_LOCK_TIMEOUT_S", default=180.0)
# Search may lag live events: a poll only closes tasks/sessions last seen this long before it.
WXCC_POLL_SEARCH_LAG_S = env.float("WXCC_POLL_SEARCH_LAG_S", default=10.0)
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

# Fernet keys for tokens and secrets at rest; the first encrypts, all decrypt (rotation).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {
            "format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
    },
}
