"""Back-office pages benchmark (issue 6): the projects table and the QA queue, for an account with 100
projects and one with 10,000 projects and 2,000 pending photos, in the same throwaway database.

Prints one JSON line: the median server time (ms) and SQL queries of each page for both accounts, and the
ratios big/small. Photo rows are made in bulk without image work: their files all point at one small file.
Run: `.venv/bin/python bench/pages.py` (DATABASE_URL selects PostgreSQL).
"""

import datetime
import json
import statistics
import time

from _django import QueryCounter, django_bench_database

RUNS = 25
# Projects and pending photos. The small account still fills a whole page of each list, so both render
# the same number of rows and only the database's share can differ.
SIZES = {"small": (100, 200), "big": (10_000, 2_000)}


def _populate(slug: str, projects: int, photos: int):
    from accounts.models import Account, Role, User
    from photos.models import Photo
    from projects.models import Project, Task
    from tests.factories import photo_row

    account = Account.objects.create(name=slug, slug=slug)
    crew = [
        User.objects.create_user(f"crew{i}@{slug}.test", "pw", account=account, role=Role.FIELD)
        for i in range(5)
    ]
    today = datetime.date.today()
    rows = Project.objects.bulk_create(
        [
            Project(
                account=account,
                name=f"AFS::{slug}-{i}",
                address1=f"{i} Main St",
                city="Austin",
                state="TX",
                zip=f"787{i % 100:02d}",
                due_date=today + datetime.timedelta(days=i % 30 - 10),
                assignee=crew[i % 5] if i % 3 else None,
                qa_in_field=False,
            )
            for i in range(projects)
        ],
        batch_size=2000,
    )
    with_photos = rows[: max(1, photos // 5)]
    tasks = Task.objects.bulk_create([Task(project=p, name="Grass Cut") for p in with_photos])

    Photo.objects.bulk_create(
        [photo_row(tasks[i % len(tasks)], i, file_name="bench/shared.jpg") for i in range(photos)],
        batch_size=2000,
    )
    return User.objects.create_user(f"office@{slug}.test", "pw", account=account, role=Role.COORDINATOR)


def _measure(connection, clients: dict, url: str) -> dict[str, tuple[float, int]]:
    """Median time and query count of ``url`` for each account, the accounts' runs interleaved so that
    whatever else the machine is doing weighs on both alike."""
    for client in clients.values():
        for _ in range(3):  # warm caches, templates and the query plan
            assert client.get(url).status_code == 200
    times = {name: [] for name in clients}
    counts = {name: set() for name in clients}
    for _ in range(RUNS):
        for name, client in clients.items():
            counter = QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            counts[name].add(counter.total)
    for name, seen in counts.items():
        assert len(seen) == 1, f"query count varies between runs of {url} ({name}): {seen}"
    return {name: (round(statistics.median(times[name]), 1), counts[name].pop()) for name in clients}


def main() -> dict:
    with django_bench_database() as connection:
        from django.conf import settings
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from django.test import Client

        settings.ALLOWED_HOSTS = ["localhost"]
        default_storage.save("bench/shared.jpg", ContentFile(b"\xff\xd8\xff\xd9"))
        users = {name: _populate(name, *size) for name, size in SIZES.items()}
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        result = {"bench": "pages", "database": connection.vendor}
        clients = {}
        for name, user in users.items():
            clients[name] = Client(HTTP_HOST="localhost")
            clients[name].force_login(user)
        for page, url in (("projects", "/projects/"), ("qa", "/qa/")):
            for name, (ms, queries) in _measure(connection, clients, url).items():
                result[f"{page}_{name}_ms"] = ms
                result[f"{page}_{name}_queries"] = queries
        for page in ("projects", "qa"):
            result[f"{page}_big_vs_small"] = round(result[f"{page}_big_ms"] / result[f"{page}_small_ms"], 2)
            result[f"{page}_queries_constant"] = (
                result[f"{page}_big_queries"] == result[f"{page}_small_queries"]
            )
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
