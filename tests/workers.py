"""Start and stop a real Celery worker process for tests (DESIGN.md §11)."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


class CeleryWorker:
    """``celery worker`` on this test process's queue, Redis database and test database."""

    def __init__(self, *, database_name: str, concurrency: int = 2):
        self.database_name = database_name
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.overrides: dict[str, str] = {}  # settings from the environment, for this worker only
        self.output: list[str] = []
        self._ready = threading.Event()

    def env(self) -> dict:
        db = settings.DATABASES["default"]
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{self.database_name}"
        )
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "PYTEST_XDIST_WORKER": settings.XDIST_WORKER,
            "DATA_DIR": str(settings.DATA_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            **self.overrides,
        }

    def start(self, timeout: float = 60) -> None:
        self._ready.clear()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
                "-n",
                f"test-{settings.XDIST_WORKER}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("The Celery worker did not start:\n" + "".join(self.output[-40:]))

    def restart(self, **overrides: str) -> None:
        """Stop and start again with these settings (the worker reads them at start); a successor started
        after ``kill`` keeps them. The ``celery_worker`` fixture restarts without them after the test."""
        self.stop()
        self.overrides = overrides
        self.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if " ready." in line:
                self._ready.set()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL the worker and its children at once, as a crashed machine would."""
        if self.process and self.process.poll() is None:
            subprocess.run(["pkill", "-KILL", "-P", str(self.process.pid)], check=False)
            self.process.kill()
            self.process.wait(5)

    @property
    def nodename(self) -> str:
        return f"test-{settings.XDIST_WORKER}@{socket.gethostname()}"

    def settle(self, timeout: float = 30) -> None:
        """Drop what is still queued and wait for the tasks the worker holds to end, so nothing it runs
        (a tick a test sent while polling, say) writes while the test database is flushed."""
        from config.celery import app

        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
        if not self.process or self.process.poll() is not None:
            return
        inspect = app.control.inspect(destination=[self.nodename], timeout=1, limit=1)

        def idle():
            active, reserved = inspect.active(), inspect.reserved()
            return (
                active is not None
                and reserved is not None
                and not any([*active.values(), *reserved.values()])
            )

        self.wait_for(idle, timeout=timeout, interval=0.2)

    def wait_for(self, predicate, timeout: float = 30, interval: float = 0.2):
        """Poll ``predicate`` until it returns something truthy; fail with the worker's log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("Timed out waiting for the worker. Its log:\n" + "".join(self.output[-60:]))
