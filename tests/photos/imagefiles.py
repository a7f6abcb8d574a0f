"""Helpers that make test images in memory: photos with chosen EXIF, and a corpus of files ingest must refuse.

Pictures are drawn from a seed (a gradient and a few large shapes), so different seeds give unrelated
perceptual hashes while the same seed at another quality or size gives a near-identical one.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageChops, ImageDraw

from photos.imaging import Limits

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
DATE_TIME_ORIGINAL, OFFSET_TIME, OFFSET_TIME_ORIGINAL = 0x9003, 0x9010, 0x9011


def picture(width: int, height: int, *, seed: int = 0, noise: float = 0.0) -> Image.Image:
    """An RGB picture shaped by ``seed``; ``noise`` (a standard deviation) adds photo-like grain."""
    rng = random.Random(seed)
    # Draw small, then enlarge: the structure is the same at every size, and drawing stays cheap.
    scale = 256 / max(width, height)
    small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
    gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360), expand=False).resize((small_w, small_h))
    tint = tuple(rng.randrange(256) for _ in range(3))
    canvas = Image.merge("RGB", [gradient.point(lambda v, t=t: (v + t) % 256) for t in tint])
    draw = ImageDraw.Draw(canvas)
    for _ in range(6):
        x0, y0 = rng.randrange(small_w), rng.randrange(small_h)
        x1, y1 = x0 + rng.randrange(small_w // 4, small_w), y0 + rng.randrange(small_h // 4, small_h)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice((draw.rectangle, draw.ellipse))
        shape((x0, y0, x1, y1), fill=colour)
    image = canvas.resize((width, height), Image.Resampling.BICUBIC)
    if noise:
        grain = Image.effect_noise((width, height), noise)
        image = ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), scale=1.0, offset=-128)
    return image


def exif(
    *,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    camera: tuple[str, str] | None = None,
    extra: dict[int, object] | None = None,
) -> Image.Exif:
    """An EXIF block: DateTimeOriginal (+ OffsetTimeOriginal), GPS IFD, Orientation, Make/Model.

    ``extra`` goes into the Exif IFD as is (e.g. ``{OFFSET_TIME: "+02:00"}``).
    """
    block = Image.Exif()
    if orientation is not None:
        block[ORIENTATION] = orientation
    if camera is not None:
        block[MAKE], block[MODEL] = camera
    exif_ifd = block.get_ifd(EXIF_IFD)
    if taken_at is not None:
        exif_ifd[DATE_TIME_ORIGINAL] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if offset is not None:
        exif_ifd[OFFSET_TIME_ORIGINAL] = offset
    exif_ifd.update(extra or {})
    if gps is not None:
        latitude, longitude = gps
        gps_ifd = block.get_ifd(GPS_IFD)
        gps_ifd[1] = "N" if latitude >= 0 else "S"
        gps_ifd[2] = _dms(latitude)
        gps_ifd[3] = "E" if longitude >= 0 else "W"
        gps_ifd[4] = _dms(longitude)
    return block


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return float(degrees), float(minutes), seconds


def make_jpeg(
    width: int = 640,
    height: int = 480,
    *,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    camera: tuple[str, str] | None = None,
    extra_exif: dict[int, object] | None = None,
    seed: int = 0,
    quality: int = 85,
    noise: float = 0.0,
) -> bytes:
    """A JPEG of ``picture(width, height, seed)`` with the EXIF asked for (none when nothing is asked)."""
    asked = {"taken_at": taken_at, "offset": offset, "gps": gps, "orientation": orientation, "camera": camera}
    asked = {name: value for name, value in asked.items() if value is not None}
    # len(Image.Exif) counts IFD0 only, so decide from the arguments whether there is an EXIF block at all.
    block = exif(**asked, extra=extra_exif).tobytes() if asked or extra_exif else b""
    buffer = io.BytesIO()
    with picture(width, height, seed=seed, noise=noise) as image:
        image.save(buffer, "JPEG", quality=quality, exif=block)
    return buffer.getvalue()


def make_png(width: int = 640, height: int = 480, *, seed: int = 0, mode: str = "RGB") -> bytes:
    """A PNG of the seed's picture in ``mode``: RGB, RGBA (left half transparent), L, P, or I;16."""
    buffer = io.BytesIO()
    with picture(width, height, seed=seed) as image:
        if mode == "RGBA":
            image.putalpha(Image.new("L", (width, height), 255))
            image.paste((0, 0, 0, 0), (0, 0, width // 2, height))
        elif mode == "I;16":
            image = image.convert("L").point(lambda v: v * 256, "I").convert("I;16")
        elif mode != "RGB":
            image = image.convert(mode)
        image.save(buffer, "PNG")
    return buffer.getvalue()


def make_image(fmt: str, width: int = 320, height: int = 240, *, seed: int = 0, **params: object) -> bytes:
    """The seed's picture saved by Pillow in any format it writes (WEBP, GIF, BMP, TIFF, ...)."""
    buffer = io.BytesIO()
    with picture(width, height, seed=seed) as image:
        image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_header(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A 1-bit grayscale PNG claiming ``width`` x ``height``: all black, with ``rows`` rows of pixel data.

    With ``rows=None`` the file is complete, which is a real decompression bomb: a few hundred KB that would
    decode to width x height pixels.
    """
    row = b"\x00" + bytes((width + 7) // 8)
    count = height if rows is None else rows
    compressor = zlib.compressobj(9)
    block = row * max(1, min(count, (1 << 22) // len(row)))
    data = []
    written = 0
    while written < count:
        take = min(count - written, len(block) // len(row))
        data.append(compressor.compress(block[: take * len(row)]))
        written += take
    data.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunks = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(data)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@dataclass(frozen=True)
class BadFile:
    """A file ``process`` must refuse with ``code`` under ``limits``."""

    name: str
    data: bytes
    code: str
    limits: Limits = Limits()


@functools.cache
def bad_files() -> tuple[BadFile, ...]:
    """The corpus of refusals; built once per process (the real bomb takes a fraction of a second)."""
    jpeg = make_jpeg(400, 300, seed=7)
    png = make_png(400, 300, seed=7)
    rng = random.Random(1234)
    return (
        BadFile("empty", b"", "empty"),
        BadFile("oversize", jpeg, "too_large", Limits(max_bytes=len(jpeg) - 1)),
        BadFile("text", b"Invoice 1042\nThis is not a photo, it is a text file.\n", "not_an_image"),
        BadFile("svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not_an_image"),
        BadFile("random", rng.randbytes(4096), "not_an_image"),
        BadFile("gif", make_image("GIF", 64, 48), "unsupported_format"),
        BadFile("bmp", make_image("BMP", 64, 48), "unsupported_format"),
        BadFile("truncated_jpeg", jpeg[: len(jpeg) // 2], "truncated"),
        BadFile("truncated_png", png[: len(png) // 2], "truncated"),
        BadFile("jpeg_magic_garbage", b"\xff\xd8\xff\xe0" + rng.randbytes(4096), "truncated"),
        BadFile("bomb_png", png_header(30_000, 30_000), "bomb"),
        BadFile("bomb_header_only", png_header(5_000, 5_000, rows=2), "bomb", Limits(max_pixels=20_000_000)),
    )
