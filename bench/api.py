"""REST API benchmark (issue 7): the project list of an account with 10,000 projects, served by gunicorn
(2 sync workers) on loopback and loaded by wrk (or, without wrk, a bounded Python load generator).

Prints one JSON line: requests/s and p50/p99 latency of the list and of its cost floor (the same 100 rows
fetched with .values() and encoded by hand, bench/_floor.py, same server and load), their ratio, and the
queries per request measured in-process (target <= 8, the same for 100 rows as for 10,000).
Run: `.venv/bin/python bench/api.py` (DATABASE_URL selects PostgreSQL).
"""

import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _django import ROOT, QueryCounter, django_bench_database

PROJECTS = 10_000
URL = "/api/v1/projects/?page_size=100&status=open&zip=7"
DURATION_S = 5
CONNECTIONS = 8
PY_LOAD_MAX_REQUESTS = 2_000


def _populate(connection):
    from accounts.models import Account, Role, User
    from accounts.services import api_key_issue
    from projects.models import Project

    account = Account.objects.create(name="Bench", slug="bench-api")
    crew = [
        User.objects.create_user(f"crew{i}@bench.test", "pw", account=account, role=Role.FIELD)
        for i in range(5)
    ]
    today = datetime.date.today()
    Project.objects.bulk_create(
        [
            Project(
                account=account,
                name=f"AFS::bench-{i}",
                address1=f"{i} Main St",
                city="Austin",
                state="TX",
                # Half the projects match zip=7: the filter has work to do.
                zip=f"{7 if i % 2 else 3}87{i % 100:02d}",
                due_date=today + datetime.timedelta(days=i % 30 - 10),
                assignee=crew[i % 5] if i % 3 else None,
                status="open" if i % 10 else "closed",
            )
            for i in range(PROJECTS)
        ],
        batch_size=2000,
    )
    return account, api_key_issue(account=account, name="bench").key


def _queries_per_request(key: str, page_size: int) -> int:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="localhost")
    url = URL.replace("page_size=100", f"page_size={page_size}")
    client.get(url)  # the key's last-use write happens once a minute: keep it out of the count
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return counter.total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(connection) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def _serve(connection, account_id: int):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection),
        "DEBUG": "false",
        "BENCH_ACCOUNT_ID": str(account_id),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "_floor:application",
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return server, base
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        time.sleep(0.2)
    _stop(server)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _stop(server) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _wrk(url: str, headers: dict) -> dict:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency", "--timeout=10s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=DURATION_S + 30).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), 1),
        "p50_ms": round(_ms(latency["50"]), 2),
        "p99_ms": round(_ms(latency["99"]), 2),
        "errors": int(non_2xx[1]) if non_2xx else 0,
    }


def _python_load(url: str, headers: dict) -> dict:
    """Threads with a requests.Session each, bounded by count and by time."""
    import requests

    times, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + DURATION_S

    def run():
        session = requests.Session()
        session.headers.update(headers)
        while time.monotonic() < deadline:
            with lock:
                if len(times) >= PY_LOAD_MAX_REQUESTS:
                    return
            start = time.perf_counter()
            ok = session.get(url, timeout=10).status_code == 200
            with lock:
                times.append((time.perf_counter() - start) * 1000)
                errors[0] += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    times.sort()
    return {
        "requests_per_s": round(len(times) / elapsed, 1),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "errors": errors[0],
    }


def main():
    with django_bench_database() as connection:
        account, key = _populate(connection)
        queries = {"page_of_10": _queries_per_request(key, 10), "page_of_100": _queries_per_request(key, 100)}
        connection.close()  # the server's workers use their own connections
        load = _wrk if shutil.which("wrk") else _python_load
        server, base = _serve(connection, account.pk)
        try:
            headers = {"Authorization": f"Api-Key {key}"}
            load(base + URL, headers)  # warm-up: workers import, connect and fill caches
            api = load(base + URL, headers)
            floor = load(base + "/floor", {})
        finally:
            _stop(server)
    ratio = round(floor["requests_per_s"] / api["requests_per_s"], 2) if api["requests_per_s"] else None
    print(
        json.dumps(
            {
                "bench": "api",
                "database": connection.vendor,
                "projects": PROJECTS,
                "url": URL,
                "server": "gunicorn 2 sync workers",
                "load": {
                    "tool": "wrk" if load is _wrk else "python threads + requests.Session",
                    "connections": CONNECTIONS,
                    "seconds": DURATION_S,
                },
                "api": api,
                "floor": floor,
                "ratio_to_floor": ratio,
                "ratio_to_floor_p50": round(api["p50_ms"] / floor["p50_ms"], 2),
                "ratio_target": 3,
                "queries_per_request": queries,
                "queries_target": 8,
            }
        )
    )


if __name__ == "__main__":
    main()
