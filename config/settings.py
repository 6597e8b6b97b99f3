"""One settings module for every environment, driven by environment variables.

DEBUG defaults to off. With DEBUG off the portal refuses to start without a real
SECRET_KEY; `make run` and `make test` set DEBUG and their own development key.
DATABASE_URL and REDIS_URL name the services; `scripts/localenv.py` provides the
embedded defaults when they are not set (see README).
"""

import base64
import binascii
import hashlib
import hmac
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (for example "
            "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')`), "
            "or set DEBUG=1 for local development."
        )


# Encryption at rest of identity document numbers and consultation notes
# (stations/crypto.py; docs/security.md, "Encryption at rest").
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, every
# one decrypts (rotation: new key first, `manage.py rotate_encryption_keys`,
# then drop the old one). FIELD_HASH_KEY: the HMAC-SHA256 key of the lookup
# hashes of document numbers. Neither is in the database: back them up apart
# from it. With DEBUG on and unset, development keys are derived from
# SECRET_KEY (one label each), so `make run` and `make test` need nothing.
def _development_key(label: str) -> bytes:
    message = f"station-portal {label}".encode()
    return hmac.new(SECRET_KEY.encode(), message, hashlib.sha256).digest()


FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS:
    if DEBUG:
        FIELD_ENCRYPTION_KEYS = [
            base64.urlsafe_b64encode(_development_key("field encryption key")).decode()
        ]
    else:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Set it in the environment to one or more "
            "comma-separated Fernet keys (for example `export FIELD_ENCRYPTION_KEYS=$(python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')`), "
            "or set DEBUG=1 for local development. Keep the keys apart from the database "
            "backups: without them the encrypted data cannot be read."
        )


def _check_fernet_keys(keys: list[str]) -> None:
    for number, key in enumerate(keys, 1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (ValueError, binascii.Error):
            valid = False
        if not valid:
            # the position only: a key must not reach a log
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key number {number} is not a Fernet key "
                "(32 bytes, url-safe base64-encoded, 44 characters)."
            )


_check_fernet_keys(FIELD_ENCRYPTION_KEYS)
if not FIELD_HASH_KEY:
    if DEBUG:
        FIELD_HASH_KEY = _development_key("field hash key").hex()
    else:
        raise ImproperlyConfigured(
            "FIELD_HASH_KEY is not set. Set it in the environment to 32 or more random "
            "characters (for example `export FIELD_HASH_KEY=$(python -c "
            "'import secrets; print(secrets.token_urlsafe(32))')`), or set DEBUG=1 for local "
            "development. Lookups by document number need it."
        )
if len(FIELD_HASH_KEY) < 32:
    raise ImproperlyConfigured(
        "FIELD_HASH_KEY is too short: use 32 or more random characters. Document numbers "
        "have few possible values, so a guessable key would reveal them."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # modeltranslation must come before django.contrib.admin
    "modeltranslation",
    "config.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_countries",
    "accounts",
    "stations",
    "residents",
    "events",
    "consultations",
    "volunteers",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "stations.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stations.security.StaffSessionTimeoutMiddleware",
    # /api/ requests with a bearer token run as its owner, without a session
    "accounts.middleware.ApiTokenMiddleware",
    "stations.audit.AuditMiddleware",
    # after authentication: the scope depends on who is asking
    "stations.tenancy.StationScopeMiddleware",
    # last: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` set it for you; "
        "otherwise use e.g. postgres://postgres@127.0.0.1:5432/portal."
    )
# Connections are kept for a minute (CONN_MAX_AGE); each request checks the one
# it inherits before using it (CONN_HEALTH_CHECKS), so a connection that a
# PostgreSQL restart closed while the process sat idle is replaced instead of
# failing that process's next request (scripts/faults.py postgres, docs/faults.md).
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The issuer an authenticator app shows beside the code (accounts/two_factor.py).
OTP_TOTP_ISSUER = "International Community Service Stations"
# Axes first: it refuses a locked-out account before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection (django-axes, docs/security.md). Failures are counted
# per account (the e-mail address, lower-cased) and per client address; either
# reaching AXES_FAILURE_LIMIT refuses further logins, even with the right
# password, for AXES_COOLOFF_MINUTES. The account count holds against an
# attacker rotating addresses; the address count against one client trying many
# accounts. The client address is the socket's unless TRUSTED_PROXY_COUNT names
# how many proxies of ours stand in front (then the X-Forwarded-For entry our
# outermost proxy appended): a forged X-Forwarded-For changes nothing.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "accounts.security.login_identifier"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Simplified Chinese first (the default), English second. Adding a
# language is a change here plus a catalogue in locale/.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice, remembered for the bare address "/" (stations.views.switch_language).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_FALLBACK_LANGUAGES = {
    "default": ("zh-hans", "en"),
    "zh-hans": ("en",),
    "en": ("zh-hans",),
}

# Chinese names for the regions the stations serve, as the portal must show them.
COUNTRIES_OVERRIDE = {
    "HK": _("Hong Kong SAR, China"),
    "MO": _("Macao SAR, China"),
    "TW": _("Taiwan, China"),
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG:
    # WhiteNoise serves from the finders in development but warns if the root is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".local" / "media"))

# Spreadsheet imports in the staff admin (docs/import-export.md): a file over
# IMPORT_MAX_BYTES is refused before it is read, a sheet over IMPORT_MAX_ROWS
# data rows is refused as a whole. A preview is kept, encrypted, in
# IMPORT_PREVIEW_DIR (never under MEDIA_ROOT, which may be served) for
# IMPORT_PREVIEW_SECONDS; confirming after that asks for the file again.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_PREVIEW_SECONDS = int(os.environ.get("IMPORT_PREVIEW_SECONDS", "3600"))
IMPORT_PREVIEW_DIR = Path(os.environ.get("IMPORT_PREVIEW_DIR", BASE_DIR / ".local" / "imports"))

LOGIN_URL = "accounts:login"

# Outgoing e-mail. Production: SMTP, configured here (EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL).
# `make run` writes messages to files under .local/mail instead
# (EMAIL_BACKEND=...filebased.EmailBackend, EMAIL_FILE_PATH).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# a mail server that stops answering must not hold a reminder's row lock for long
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# The public address, for links in messages sent outside a web request.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
# The right-hand side of the Message-ID of reminders (the same for every try).
REMINDER_MESSAGE_ID_DOMAIN = os.environ.get(
    "REMINDER_MESSAGE_ID_DOMAIN", urlsplit(SITE_URL).hostname or "portal.localhost"
)

# The cache holds rate-limit counters and nothing that cannot be lost. Shared
# between processes: Redis when there is one, files under .local otherwise.
if REDIS_URL_FOR_CACHE := os.environ.get("REDIS_URL", ""):
    CACHES = {
        "default": {
            # a Redis outage reads as an empty cache, never as an error
            "BACKEND": "stations.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL_FOR_CACHE,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / ".local" / "cache"),
        }
    }

# Anonymous visitors' copies of the public pages live this long in the cache
# (stations/pagecache.py); 0 switches them off.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "60"))

# Celery. Without REDIS_URL the broker is kombu's filesystem transport under
# .local/broker: no server to install, messages survive a restart (README).
REDIS_URL = os.environ.get("REDIS_URL", "")
_broker_dir = BASE_DIR / ".local" / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A web request only asks for a send; it must never wait on a broker that
    # does not answer (reminders/kick.py), and workers reconnect for ever.
    # No ack emulation: a task message leaves Redis when a worker takes it.
    # With it, a worker whose Redis went away at the moment it acknowledged a
    # task could exit ("Unrecoverable error: AttributeError" in kombu's restore
    # of unacknowledged messages, celery/kombu 5.7) instead of reconnecting.
    # The messages are only "send what is due now": the rows in PostgreSQL are
    # the work, and the beat's next tick asks again (docs/faults.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 10,
        "ack_emulation": False,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # the exchange tables, which kombu would otherwise write to the working folder
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Reminders and notices (docs/reminders.md). The beat asks for the due rows to
# be sent every REMINDER_TICK_SECONDS; a request that wrote a message due now
# asks at once (REMINDERS_SEND_SOON). A failed try waits 1, 2, 4, 8 times
# REMINDER_RETRY_SECONDS. One run sends for at most REMINDER_BATCH_SECONDS,
# then leaves the rest to the next. A worker's claim on a row it is sending
# lasts REMINDER_LEASE_SECONDS: a row whose worker died is sent again after it.
REMINDER_TICK_SECONDS = float(os.environ.get("REMINDER_TICK_SECONDS", "60"))
REMINDER_LEASE_SECONDS = float(os.environ.get("REMINDER_LEASE_SECONDS", "300"))
REMINDER_RETRY_SECONDS = float(os.environ.get("REMINDER_RETRY_SECONDS", "60"))
REMINDER_BATCH_SECONDS = float(os.environ.get("REMINDER_BATCH_SECONDS", "50"))
REMINDERS_SEND_SOON = env_bool("REMINDERS_SEND_SOON", True)
CELERY_BEAT_SCHEDULE = {
    "send-due-reminders": {
        "task": "reminders.send_due",
        "schedule": REMINDER_TICK_SECONDS,
        # a tick the workers did not take in time is replaced by the next one
        "options": {"expires": REMINDER_TICK_SECONDS},
    },
    # the stations' retention periods (residents/erasure.py), once a day
    "apply-retention": {"task": "residents.apply_retention", "schedule": 24 * 3600.0},
    "plan-periodic-reminders": {
        "task": "reminders.plan_periodic",
        "schedule": float(os.environ.get("REMINDER_PLAN_SECONDS", "3600")),
    },
}

# The REST API under /api/v1/ (docs/api.md): personal tokens for staff and
# officials, the session for residents; scoped by station like the admin.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "stations.apiauth.BearerTokenAuthentication",
        "stations.apiauth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["stations.apiauth.StaffRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "stations.apiauth.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "stations.apischema.PortalAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "stations.apibase.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("API_RATE", "600/min")},
    "DEFAULT_THROTTLE_CLASSES": ["stations.apiauth.TokenOrAddressThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "International Community Service Stations API",
    "DESCRIPTION": (
        "Stations, residents, events and registrations, consultations, volunteering and "
        "yearly summaries. Staff and officials send `Authorization: Bearer <token>` "
        "(made in the admin under API tokens); residents use their logged-in session for "
        "their own data. Every answer is scoped like the admin: another station's row "
        "answers 404. Errors: `{\"detail\": ..., \"errors\": {field: [messages]}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RegistrationStatusEnum": "events.models.Registration.Status",
        "ConsultationStatusEnum": "consultations.models.Consultation.Status",
        "HoursStatusEnum": "volunteers.models.HoursEntry.Status",
        "ResidentCategoryEnum": "residents.models.Resident.Category",
        "OpportunityCategoryEnum": "volunteers.models.Opportunity.Category",
        "LanguageEnum": "config.settings.LANGUAGES",
        "SpokenLanguageEnum": "stations.languages.SPOKEN_LANGUAGES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "AUTHENTICATION_WHITELIST": [
        "stations.apiauth.BearerTokenAuthentication",
        "stations.apiauth.VerifiedSessionAuthentication",
    ],
}

# Cookies and headers (docs/security.md). Production serves HTTPS only: the
# cookies are Secure, HSTS asks browsers to never use plain HTTP, and a plain
# HTTP request is redirected. Behind a proxy that terminates TLS, the proxy
# must set X-Forwarded-Proto (and strip it from what clients send).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A resident's session lasts two weeks. Staff and officials reach personal data,
# so theirs ends after this long without a request
# (stations.security.StaffSessionTimeoutMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", "1800"))
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # /ping/ and /healthz are the load balancer's probes, asked over plain HTTP
    SECURE_REDIRECT_EXEMPT = [r"^ping/$", r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    # LOG_FORMAT=json: one JSON object per line, for a log collector (docs/deploy.md)
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
