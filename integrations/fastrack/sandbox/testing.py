"""Drive a FAStrack sandbox process from tests: start it on a free port, set it up, look at what it received.

Usage::

    sandbox = Sandbox.start(tmp_path)             # a subprocess on port 0; .url is http://127.0.0.1:PORT
    sandbox.add_vendor("v1", "pw", abc_numbers=["ABC123456"])
    sandbox.add_orders("v1", [make_order("1001")])
    ...
    sandbox.stop()

Control methods raise ``SandboxError`` (with the sandbox's answer) on any non-2xx answer, except ``order()``,
which returns None for an order FAStrack does not know.
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
import weakref
from datetime import date, timedelta
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[3]
READY_PREFIX = "FAStrack sandbox listening on "
_RUNNING: weakref.WeakSet[Sandbox] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    # A test run that crashes before stop() must not leave sandbox processes behind.
    for sandbox in list(_RUNNING):
        sandbox.kill()


class SandboxError(RuntimeError):
    """The sandbox did not start, or a control call was refused."""


def make_order(number: str | int, **overrides) -> dict:
    """A valid work order dict (status new, one photo service ``<number>-1`` "Grass Cut"); overrides win."""
    number = str(number)
    order = {
        "workOrderNumber": number,
        "clientCode": "AFS",
        "status": "new",
        "address1": "1100 Congress Ave",
        "address2": "",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "latitude": 30.2747,
        "longitude": -97.7404,
        "dueDate": (date.today() + timedelta(days=7)).isoformat(),
        "instructions": "Take before, during and after photos.",
        "checkInRequired": False,
        "services": [
            {"serviceId": f"{number}-1", "serviceName": "Grass Cut", "photoRequired": True, "formId": None}
        ],
        "forms": [],
    }
    order.update(overrides)
    return order


class Sandbox:
    """A running sandbox subprocess and thin wrappers around its control API."""

    def __init__(self, process: subprocess.Popen, url: str, data_dir: Path):
        self.process = process
        self.url = url
        self.data_dir = data_dir
        self.http = requests.Session()

    @classmethod
    def start(
        cls,
        data_dir: str | os.PathLike,
        frame_ancestors: str | None = None,
        *,
        seed_demo: bool = False,
        timeout: float = 20.0,
    ) -> Sandbox:
        """Start ``python -m integrations.fastrack.sandbox --port 0`` on 127.0.0.1 and wait until it listens.

        Its stderr goes to ``<data_dir>/sandbox.log``; raises SandboxError (with that log) if the
        "listening" line does not come within ``timeout`` seconds.
        """
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "integrations.fastrack.sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data",
            str(data_dir),
        ]
        if frame_ancestors:
            cmd += ["--frame-ancestors", frame_ancestors]
        if seed_demo:
            cmd.append("--seed-demo")
        log_path = data_dir / "sandbox.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
        lines: queue.Queue[str] = queue.Queue()
        # readline() blocks: read in a thread so the wait can time out.
        threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if not line.startswith(READY_PREFIX):
            process.kill()
            process.wait()
            log_text = log_path.read_text(errors="replace")[-4000:]
            raise SandboxError(
                f"The FAStrack sandbox did not start within {timeout}s (printed {line!r}). "
                f"Command: {' '.join(cmd)}\nLog:\n{log_text}"
            )
        sandbox = cls(process, line[len(READY_PREFIX) :].strip(), data_dir)
        _RUNNING.add(sandbox)
        return sandbox

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait (kill if it does not exit within ``timeout``)."""
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process.stdout:
            self.process.stdout.close()

    def kill(self) -> None:
        """SIGKILL and wait: a crash, for tests that want one."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control API ------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, json: object = None, params: dict | None = None) -> object:
        response = self.http.request(method, self.url + path, json=json, params=params, timeout=60)
        if not response.ok:
            raise SandboxError(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()

    def reset(self, vendor: str | None = None) -> None:
        self._call("POST", "/_sandbox/reset", {} if vendor is None else {"vendor": vendor})

    def add_vendor(self, username: str, password: str, abc_numbers=()) -> None:
        self._call(
            "POST",
            "/_sandbox/vendors",
            {"username": username, "password": password, "abcNumbers": list(abc_numbers)},
        )

    def add_orders(self, vendor: str, orders: list[dict]) -> None:
        self._call("POST", "/_sandbox/workorders", {"vendor": vendor, "workOrders": orders})

    def add_form(self, form_id: str, version: int, name: str, questions: list[dict]) -> None:
        self._call(
            "POST",
            "/_sandbox/forms",
            {"formId": form_id, "version": version, "name": name, "questions": questions},
        )

    def generate(
        self, vendor: str, count: int, services_per_order: int, seed: int, start_number: int | None = None
    ) -> int:
        """Generated orders; returns how many were created."""
        body = {"vendor": vendor, "count": count, "servicesPerOrder": services_per_order, "seed": seed}
        if start_number is not None:
            body["startNumber"] = start_number
        return self._call("POST", "/_sandbox/generate", body)["created"]

    def patch_order(self, vendor: str, number: str | int, **fields) -> dict:
        return self._call("PATCH", f"/_sandbox/workorders/{number}", {"vendor": vendor, **fields})

    def delete_order(self, vendor: str, number: str | int) -> None:
        self._call("DELETE", f"/_sandbox/workorders/{number}", params={"vendor": vendor})

    def set_faults(self, vendor: str, **faults) -> dict:
        """Replace the vendor's faults (omitted ones go back to defaults); ``set_faults(v)`` clears them."""
        return self._call("PUT", "/_sandbox/faults", {"vendor": vendor, **faults})

    def faults(self, vendor: str) -> dict:
        """The vendor's faults as they stand (counting ones like ``unavailable`` go down as they play)."""
        return self._call("GET", "/_sandbox/faults", params={"vendor": vendor})

    def received(self, kind: str, vendor: str, work_order_number: str | int | None = None) -> list[dict]:
        """kind: photos, answers, checkins or portal-actions."""
        params = {"vendor": vendor}
        if work_order_number is not None:
            params["workOrderNumber"] = str(work_order_number)
        return self._call("GET", f"/_sandbox/received/{kind}", params=params)["items"]

    def order(self, vendor: str, number: str | int) -> dict | None:
        response = self.http.get(
            f"{self.url}/_sandbox/workorders/{number}", params={"vendor": vendor}, timeout=60
        )
        if response.status_code == 404 and response.json().get("error") == "NOT_FOUND":
            return None
        if not response.ok:
            raise SandboxError(f"GET order {number} → {response.status_code}: {response.text}")
        return response.json()

    # Extras beyond the core API.

    def expire_portal_sessions(self, vendor: str | None = None) -> int:
        """Expire every myFAStrack link (of one vendor): the next visit shows the "expired" page."""
        return self._call("POST", "/_sandbox/portal-sessions/expire", {"vendor": vendor})["expired"]

    def seed_demo(self) -> None:
        """(Re)load demo-vendor / demo-pass and its orders, as ``--seed-demo`` does."""
        self._call("POST", "/_sandbox/seed-demo", {})
