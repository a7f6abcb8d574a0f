"""Photo figures through the whole ingest service: verification, storage and the database row.

``photo_ingest`` on a 12 MP JPEG against plain Pillow doing the same decode (draft), renditions and hashes
(``bench/photos_ingest.py``'s ``pillow_alone``), and the peak memory of ``photo_ingest`` on a 50 MP JPEG in a
fresh interpreter. Django is set up here: ``config.settings.local`` unless DJANGO_SETTINGS_MODULE says
otherwise, with DATA_DIR and MEDIA_ROOT in a temporary folder, on a throwaway database (SQLite in that
folder, or a uniquely named one on DATABASE_URL's server) that is migrated, then dropped. Nothing is left
behind.

Each ``*_figures(workdir)`` function returns a dict; ``main`` merges them into one JSON line. Run:
``python bench/photos.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and this file would shadow the ``photos`` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_PEAK_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[4]  # the parent's throwaway database
from django.core.files import File
from accounts.actors import Actor
from photos.models import PhotoSource
from photos.services import photo_ingest
from projects.models import Task

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

task = Task.objects.select_related("project__account").get(pk=int(sys.argv[3]))
actor = Actor.system(task.project.account)
before = peak_kb()
with open(sys.argv[2], "rb") as handle:
    photo_ingest(actor=actor, project=task.project, task=task, evidence_type="before", file=File(handle),
                 source=PhotoSource.OFFICE)
print(json.dumps({"before_kb": before, "after_kb": peak_kb()}))
"""


@contextmanager
def django_database(data_dir: Path) -> Iterator[str]:
    """Set Django up on a throwaway database of the configured kind, yield its name, drop it afterwards.

    A file-backed SQLite database in ``data_dir`` without DATABASE_URL, else a uniquely named database on
    that server: never the configured one, and never a test run's ``test_*`` database.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every query in memory
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["MEDIA_ROOT"] = str(data_dir / "media")
    import django
    from django.db import connection

    django.setup()
    name = f"bench_{uuid.uuid4().hex[:12]}"
    connection.settings_dict["TEST"]["NAME"] = (
        str(data_dir / f"{name}.sqlite3") if connection.vendor == "sqlite" else name
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection.settings_dict["NAME"]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def bench_task() -> Iterator:
    """A throwaway account with a project (coordinates known) and a photo task; deleted afterwards."""
    from accounts.models import Account
    from projects.models import Project, Task

    account = Account.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:12]}")
    try:
        project = Project.objects.create(
            account=account, name="Bench 1", latitude="30.267200", longitude="-97.743100", qa_in_field=False
        )
        yield Task.objects.create(project=project, name="Photos")
    finally:
        account.delete()


def photo_figures(workdir: Path, database: str) -> dict[str, float]:
    from django.core.files import File

    from accounts.actors import Actor
    from bench.photos_ingest import NOISE, SIZE_12MP, SIZE_50MP, _median_seconds, pillow_alone
    from photos.models import PhotoSource
    from photos.services import photo_ingest
    from tests.photos.imagefiles import make_jpeg

    photo_12mp, photo_50mp = workdir / "12mp.jpg", workdir / "50mp.jpg"
    photo_12mp.write_bytes(make_jpeg(*SIZE_12MP, seed=12, quality=90, noise=NOISE))
    photo_50mp.write_bytes(make_jpeg(*SIZE_50MP, seed=50, quality=90, noise=NOISE))
    with bench_task() as task:
        actor = Actor.system(task.project.account)

        def ingest() -> None:
            with open(photo_12mp, "rb") as handle:
                photo_ingest(
                    actor=actor,
                    project=task.project,
                    task=task,
                    evidence_type="before",
                    file=File(handle),
                    source=PhotoSource.OFFICE,
                )

        ingest_s, pillow_s = _median_seconds(ingest, lambda: pillow_alone(photo_12mp))
        peak = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, str(ROOT), str(photo_50mp), str(task.pk), database],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    rss = json.loads(peak.stdout.strip().splitlines()[-1])
    return {
        "ingest_s_12mp": round(ingest_s, 4),
        "pillow_s_12mp": round(pillow_s, 4),
        "ingest_ratio": round(ingest_s / pillow_s, 3),
        "peak_mb_50mp": round((rss["after_kb"] - rss["before_kb"]) / 1024, 1),
    }


# Each takes a scratch folder and the database's name (for subprocesses) and returns its figures.
def _relay_figures(workdir: Path, database: str) -> dict:
    from bench.photos_relay import relay_figures

    return relay_figures(workdir, database)


FIGURES: list[Callable[[Path, str], dict]] = [photo_figures, _relay_figures]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vendordesk-bench-") as directory:
        workdir = Path(directory)
        figures: dict = {}
        with django_database(workdir / "data") as database:
            for measure in FIGURES:
                figures |= measure(workdir, database)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
