"""Benchmarks run against a throwaway database of the configured kind (DATABASE_URL, else SQLite), created
and dropped around the measurement, so they never touch real data."""

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextmanager
def django_bench_database():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    data_dir = tempfile.mkdtemp(prefix="vendordesk-bench-")
    os.environ.setdefault("DATA_DIR", data_dir)
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.db import connection

    # A file-backed SQLite test database, so threads and processes see the same rows.
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = os.path.join(data_dir, "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(data_dir, ignore_errors=True)


class QueryCounter:
    """Counts statements cheaply (no SQL kept), and the writes that touch given tables."""

    def __init__(self, write_tables=()):
        self.total = 0
        self.writes = 0
        self.write_tables = tuple(f'"{t}"' for t in write_tables)

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        head = sql.lstrip()[:6].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and any(t in sql for t in self.write_tables):
            self.writes += 1
        return execute(sql, params, many, context)
