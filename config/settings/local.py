"""A laptop: debug on, SQLite and a serverless Celery broker unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env
from .keys import dev_field_encryption_key, dev_secret_key

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or dev_secret_key(DATA_DIR)
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="") or dev_field_encryption_key(DATA_DIR)
