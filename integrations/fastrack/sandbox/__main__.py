"""``python -m integrations.fastrack.sandbox``: see ``server.main``."""

import sys

from .server import main

sys.exit(main())
