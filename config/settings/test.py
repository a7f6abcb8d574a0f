"""pytest. Each xdist process gets its own Redis database and Celery queue (DESIGN.md §11), so a worker
started by one test process never runs another's task against the wrong database."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR, REDIS_URL, env
from .keys import dev_field_encryption_key, dev_secret_key

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="") or dev_secret_key(DATA_DIR)
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="") or dev_field_encryption_key(DATA_DIR)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_index = int(XDIST_WORKER.removeprefix("gw") or 0)
# A queue of this run's own (several runs may share one Redis); the worker started by tests is told it.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or str(os.getpid())
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default=f"vendordesk-test-{_RUN}-{XDIST_WORKER}")
if REDIS_URL:
    # Database 0 is left to development; test processes use 1, 2, ...
    TEST_REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _worker_index}"
    CELERY_BROKER_URL = TEST_REDIS_URL
    CELERY_RESULT_BACKEND = TEST_REDIS_URL
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}
    }
else:
    # Nothing consumes in-memory messages: tests that need a worker require Redis.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
