"""Settings shared by every environment. Everything that varies is read from the environment here, in one
place (DESIGN.md §9); local/test/production only choose different defaults."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Overridden by each environment: production requires them, elsewhere they are generated into DATA_DIR.
SECRET_KEY = env.str("SECRET_KEY", default="")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "accounts",
    "projects",
    "surveys",
    "photos",
    "integrations",
    "wms_addons",
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
    "accounts.middleware.AccountTimeZone",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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
            ],
        },
    },
]

# SQLite by default; DATABASE_URL (PostgreSQL in production and CI) overrides it.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, a worker and beat share the file: WAL and IMMEDIATE transactions avoid
    # "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Photos are never served from a public media URL: views check permissions first (DESIGN.md §5).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Redis carries Celery's broker and the cache when REDIS_URL is set; otherwise nothing needs a server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    BROKER_DIR = DATA_DIR / "broker"
    # kombu's filesystem transport needs its folders to exist before the worker starts.
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="vendordesk")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Beat's schedule lives in code; the work it triggers keeps its own state in the database.
CELERY_BEAT_SCHEDULE = {
    "integrations-tick": {"task": "integrations.tick", "schedule": 30.0},
    "relay-tick": {"task": "integrations.relay_tick", "schedule": 10.0, "options": {"expires": 10}},
    # A tick nobody ran in time is dropped: the next one does the same work.
    "wms-deliver-due": {"task": "wms_addons.tasks.deliver_due", "schedule": 5.0, "options": {"expires": 5}},
}
REFRESH_LEASE_SECONDS = env.int("REFRESH_LEASE_SECONDS", default=120)
# Photo uploads: bigger files or more pixels are refused with a clear 4xx (decompression bombs included).
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=40 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=100_000_000)
# The photo size limit applies while an upload streams in (photos/uploads.py), then Django's own handlers.
FILE_UPLOAD_HANDLERS = [
    "photos.uploads.PhotoSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Relay to the client: leases, retries with exponential backoff and jitter, and when to suspect the password.
RELAY_LEASE_SECONDS = env.int("RELAY_LEASE_SECONDS", default=120)
RELAY_MAX_ATTEMPTS = env.int("RELAY_MAX_ATTEMPTS", default=8)
RELAY_RETRY_BASE_SECONDS = env.float("RELAY_RETRY_BASE_SECONDS", default=30)
RELAY_VALIDATE_AFTER_FILE_SAVE_FAILED = env.int("RELAY_VALIDATE_AFTER_FILE_SAVE_FAILED", default=3)
FASTRACK_PAGE_SIZE = env.int("FASTRACK_PAGE_SIZE", default=500)
# Hosts besides the integration's own that may serve myFAStrack pages (the portal link is framed).
FASTRACK_PORTAL_HOSTS = env.list("FASTRACK_PORTAL_HOSTS", default=[])
FASTRACK_READ_TIMEOUT = env.float("FASTRACK_READ_TIMEOUT", default=30.0)
FASTRACK_UPLOAD_TIMEOUT = env.float("FASTRACK_UPLOAD_TIMEOUT", default=60.0)
# WMS add-on webhooks: attempts before a delivery is parked, the backoff's base, timeouts, and how far the
# outbox trails the newest event (so no transaction still writing a lower id is skipped).
WMS_MAX_ATTEMPTS = env.int("WMS_MAX_ATTEMPTS", default=8)
WMS_RETRY_BASE_SECONDS = env.float("WMS_RETRY_BASE_SECONDS", default=10)
WMS_CONNECT_TIMEOUT = env.float("WMS_CONNECT_TIMEOUT", default=5)
WMS_READ_TIMEOUT = env.float("WMS_READ_TIMEOUT", default=10)
WMS_OUTBOX_SETTLE_SECONDS = env.int("WMS_OUTBOX_SETTLE_SECONDS", default=60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.UserTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles key on the client's address: REMOTE_ADDR, never a forgeable X-Forwarded-For (production
    # trusts one proxy hop when BEHIND_PROXY says there is one).
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vendordesk API",
    "DESCRIPTION": "Projects, photos, surveys and integrations of a vendor account.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.document_errors",
    ],
    # Several models have a "status" or "kind"; name the shared choice sets after what they are.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.ProjectStatus",
        "IntegrationKindEnum": "integrations.registry.KIND_CHOICES",
        "RelayKindEnum": "integrations.models.RelayKind",
        "RelayStatusEnum": "integrations.models.RelayStatus",
        "RoleEnum": "accounts.models.Role",
        "ApiKeyRoleEnum": "accounts.models.KEY_ROLES",
        "PhotoStatusEnum": "photos.models.PhotoStatus",
        "SharePhotoStatusEnum": "integrations.share.models.SharePhotoStatus",
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Vendordesk <no-reply@vendordesk.local>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# URLs users type (add-on URLs, integration base URLs) may point at loopback or private addresses only
# outside production, where the sandbox and test receivers live on 127.0.0.1.
ALLOW_PRIVATE_URLS = env.bool("ALLOW_PRIVATE_URLS", default=True)
