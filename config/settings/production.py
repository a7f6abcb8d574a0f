"""Production: PostgreSQL, Redis, object storage. Secrets are required from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY", default="")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
for _name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL"):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production.")

DEBUG = False
# Behind a TLS-terminating proxy (BEHIND_PROXY=true) its X-Forwarded-Proto says whether the request came
# over HTTPS and the last X-Forwarded-For hop is the client; exposed directly, a client could forge both.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": 1 if BEHIND_PROXY else 0}  # noqa: F405
# Browsers are told to use HTTPS only (sent on HTTPS answers only, so a plain-HTTP demo is unaffected).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# URLs typed by users (add-on URLs, integration base URLs) may not point at private networks here, except
# at the host names the operator lists (the compose stack's sandbox).
ALLOW_PRIVATE_URLS = False
PRIVATE_URL_HOSTS = [h.lower() for h in env.list("PRIVATE_URL_HOSTS", default=[])]
