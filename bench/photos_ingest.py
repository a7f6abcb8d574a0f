"""Photo ingest figures: ``process()`` against plain Pillow on a 12 MP JPEG, and peak memory on a 50 MP one.

``measure(tmpdir)`` returns ``{"ingest_s_12mp", "pillow_s_12mp", "ingest_ratio", "peak_mb_50mp"}`` (and the
file sizes). The baseline does the same work written plainly: read and SHA-256 the bytes, open, draft to the
display size, decode, shrink to the display and the thumbnail, encode both, phash. Peak memory is the growth
of the peak resident set (VmHWM, else ``ru_maxrss``) around one ``process()`` call in a fresh interpreter,
after its imports, so nothing the parent made counts.

Run: ``python bench/photos_ingest.py`` (prints one JSON line).
"""

from __future__ import annotations

import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from photos.imaging import DISPLAY_BOX, THUMBNAIL_BOX, process  # noqa: E402
from photos.phash import phash  # noqa: E402
from tests.photos.imagefiles import make_jpeg  # noqa: E402

RUNS = 9
SIZE_12MP = (4000, 3000)
SIZE_50MP = (8660, 5773)
NOISE = 12.0  # grain, so the JPEGs are as large and as slow to decode as real photos (about 3 bits/pixel)

# Linux carries ru_maxrss across exec (the child would start at this process's own peak), so the child reads
# VmHWM, the peak of its own address space, and falls back to ru_maxrss where there is no /proc.
_PEAK_SCRIPT = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from photos.imaging import process

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = peak_kb()
process(sys.argv[2])
print(json.dumps({"before_kb": before, "after_kb": peak_kb()}))
"""


def pillow_alone(path: Path) -> tuple[str, int, bytes, bytes]:
    """The baseline: the same decode, renditions and hashes, with nothing but Pillow calls."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (DISPLAY_BOX, DISPLAY_BOX * im.height // im.width))
        im.load()
        im.thumbnail((DISPLAY_BOX, DISPLAY_BOX))
        display = io.BytesIO()
        im.save(display, "JPEG", quality=85)
        im.thumbnail((THUMBNAIL_BOX, THUMBNAIL_BOX))
        thumbnail = io.BytesIO()
        im.save(thumbnail, "JPEG", quality=80)
        return sha256, phash(im), thumbnail.getvalue(), display.getvalue()


def _median_seconds(*works: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Median wall time of each callable; runs alternate so background load hits them alike."""
    times: list[list[float]] = [[] for _ in works]
    for work in works:
        work()  # warm the page cache and Pillow's plugin registry
    for _ in range(runs):
        for work, spent in zip(works, times, strict=True):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def _peak_mb(path: Path) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(ROOT), str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    rss = json.loads(result.stdout)
    return round((rss["after_kb"] - rss["before_kb"]) / 1024, 1)


def measure(tmpdir: str | Path) -> dict[str, float]:
    """Make the two JPEGs in ``tmpdir`` and return the figures (seconds, MB)."""
    tmpdir = Path(tmpdir)
    photo_12mp = tmpdir / "12mp.jpg"
    photo_50mp = tmpdir / "50mp.jpg"
    photo_12mp.write_bytes(make_jpeg(*SIZE_12MP, seed=12, quality=90, noise=NOISE))
    photo_50mp.write_bytes(make_jpeg(*SIZE_50MP, seed=50, quality=90, noise=NOISE))
    ingest, pillow = _median_seconds(lambda: process(photo_12mp), lambda: pillow_alone(photo_12mp))
    return {
        "ingest_s_12mp": round(ingest, 4),
        "pillow_s_12mp": round(pillow, 4),
        "ingest_ratio": round(ingest / pillow, 3),
        "peak_mb_50mp": _peak_mb(photo_50mp),
        "file_mb_12mp": round(photo_12mp.stat().st_size / 1e6, 2),
        "file_mb_50mp": round(photo_50mp.stat().st_size / 1e6, 2),
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        print(json.dumps(measure(directory)))
