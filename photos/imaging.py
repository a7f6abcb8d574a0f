"""The pure image half of photo ingest: verify, read the facts, make the renditions.

``process()`` is the one entry point. It has no Django in it: the ingest service stores the original and the
renditions and writes the rows; this module only reads bytes and returns values, or raises ``ImageRejected``.

Order of work, cheapest refusal first: the bytes are hashed while their size is checked (``empty``,
``too_large``), Pillow reads only the header (``not_an_image``, ``unsupported_format``), width x height is
checked against the limit (``bomb``), and only then is the picture decoded, once. A JPEG is decoded by
libjpeg at 1/2, 1/4 or 1/8 scale (``Image.draft``) when that still leaves the display rendition its full
1600 px, so a 50 MP photo never occupies 200 MB of RGB. The thumbnail and the perceptual hash are derived from
the display rendition.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import IO, Any

from PIL import Image, ImageFile, UnidentifiedImageError

from .phash import phash

THUMBNAIL_BOX = 320
DISPLAY_BOX = 1600
THUMBNAIL_QUALITY = 80
DISPLAY_QUALITY = 85
_CHUNK = 1 << 20
_MB = 1024 * 1024

# An MPO is a JPEG with further images (depth map, preview) appended; many phones write them.
_FORMAT_ALIASES = {"MPO": "JPEG"}

# EXIF tags: IFD0, then the Exif IFD, then the GPS IFD.
_MAKE, _MODEL, _ORIENTATION, _EXIF_IFD, _GPS_IFD = 0x010F, 0x0110, 0x0112, 0x8769, 0x8825
_DATE_ORIGINAL, _OFFSET, _OFFSET_ORIGINAL, _SUBSEC_ORIGINAL = 0x9003, 0x9010, 0x9011, 0x9291
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4

# What ImageOps.exif_transpose does, applied here to the small renditions instead of the decoded picture.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_EXIF_DATETIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


class ImageRejected(Exception):
    """The upload is not an acceptable image: ``code`` is stable (for APIs, tests), ``message`` is for people.

    Codes: ``empty``, ``too_large``, ``not_an_image``, ``unsupported_format``, ``truncated`` (also a damaged
    file), ``bomb`` (too many pixels). Every code is a client error: sending the same bytes again cannot help.
    """

    CODES = frozenset({"empty", "too_large", "not_an_image", "unsupported_format", "truncated", "bomb"})

    def __init__(self, code: str, message: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown rejection code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """What ``process`` accepts. ``formats`` are Pillow format names (an MPO counts as a JPEG).

    Pillow's own ceiling applies too: it refuses more than ``2 * PIL.Image.MAX_IMAGE_PIXELS`` (179 MP by
    default) while opening, and warns (``DecompressionBombWarning``) above ``MAX_IMAGE_PIXELS`` (89.5 MP);
    where warnings are turned into errors, that warning is refused as a bomb too.
    """

    max_bytes: int = 40 * _MB
    max_pixels: int = 100_000_000
    formats: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ImageFacts:
    """What ingest stores about an accepted image.

    ``width``/``height`` are as displayed (EXIF orientation applied). ``phash`` is a signed int64 (see
    ``photos.phash``). ``taken_at`` comes from EXIF DateTimeOriginal: aware when the file gives its offset,
    naive (camera local time) otherwise. ``latitude``/``longitude`` are both set or both None.
    """

    format: str
    width: int
    height: int
    sha256: str
    size_bytes: int
    phash: int
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    orientation: int = 1
    camera_make: str | None = None
    camera_model: str | None = None


@dataclass(frozen=True)
class Renditions:
    """Upright JPEGs without EXIF: ``thumbnail`` fits 320x320, ``display`` fits 1600x1600 (never upscaled)."""

    thumbnail: bytes = field(repr=False)
    display: bytes = field(repr=False)


def process(
    source: str | os.PathLike[str] | IO[bytes], *, limits: Limits = DEFAULT_LIMITS
) -> tuple[ImageFacts, Renditions]:
    """Verify one upload and return its facts and renditions, or raise ``ImageRejected``.

    ``source`` is a path or a binary file object. A file object is read from its start (as Pillow does) and,
    when seekable, left at its start so the caller can store it; it is never closed. A non-seekable stream is
    buffered in memory (at most ``limits.max_bytes``). Malformed metadata never rejects an image: the fact is
    None instead. Raises RuntimeError if ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` was turned on, since
    truncated files would then pass.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("photos.imaging needs PIL.ImageFile.LOAD_TRUNCATED_IMAGES to be False")
    with _read(source, limits) as (fp, sha256, size), _open(fp, limits) as im:
        width, height = im.size
        fmt = im.format or ""
        if fmt in ("JPEG", "MPO"):
            # Request the display size: libjpeg picks the largest 1/n scale still at least that big.
            im.draft("RGB", _fit(im.size, DISPLAY_BOX))
        try:
            im.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(width, height, limits) from exc
        except MemoryError:
            raise
        except Exception as exc:  # decoders raise OSError, ValueError, SyntaxError, ... on hostile input
            if "too large" in str(exc).lower():  # PNG text-chunk bombs
                raise _bomb(width, height, limits) from exc
            raise ImageRejected("truncated", "The image is truncated or damaged.") from exc
        meta = _metadata(im)
        thumbnail, display, hash_ = _renditions(im, meta["orientation"])
    if meta["orientation"] in (5, 6, 7, 8):
        width, height = height, width
    facts = ImageFacts(
        format=_FORMAT_ALIASES.get(fmt, fmt),
        width=width,
        height=height,
        sha256=sha256,
        size_bytes=size,
        phash=hash_,
        **meta,
    )
    return facts, Renditions(thumbnail=thumbnail, display=display)


@contextmanager
def _read(source: str | os.PathLike[str] | IO[bytes], limits: Limits) -> Iterator[tuple[IO[bytes], str, int]]:
    """Yield a seekable file at offset 0 with the SHA-256 and size of all its bytes."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fp:
            sha256, size = _digest(fp, limits)
            fp.seek(0)
            yield fp, sha256, size
        return
    if _seekable(source):
        source.seek(0)
        try:
            sha256, size = _digest(source, limits)
            source.seek(0)
            yield source, sha256, size
        finally:
            source.seek(0)
        return
    with io.BytesIO() as buffer:
        sha256, size = _digest(source, limits, copy_to=buffer)
        buffer.seek(0)
        yield buffer, sha256, size


def _seekable(fp: IO[bytes]) -> bool:
    try:
        return bool(fp.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _digest(fp: IO[bytes], limits: Limits, copy_to: IO[bytes] | None = None) -> tuple[str, int]:
    """Hash ``fp`` to its end; refuse it as soon as it is known to be empty or too large."""
    sha = hashlib.sha256()
    size = 0
    while chunk := fp.read(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise ImageRejected(
                "too_large",
                f"The file is larger than {limits.max_bytes / _MB:,.4g} MB, the limit for a photo.",
            )
        sha.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    if size == 0:
        raise ImageRejected("empty", "The file is empty.")
    return sha.hexdigest(), size


@contextmanager
def _open(fp: IO[bytes], limits: Limits) -> Iterator[ImageFile.ImageFile]:
    """Open the header only, refusing other formats and too many pixels before anything is decoded."""
    try:
        # Only our formats' parsers read the header (Pillow's JPEG opener returns an MPO when it sees one).
        im = Image.open(fp, formats=sorted(limits.formats))
    except UnidentifiedImageError as exc:
        other = _identify(fp)
        if other is None:
            raise ImageRejected("not_an_image", "The file is not an image.") from exc
        names = ", ".join(sorted(limits.formats))
        raise ImageRejected(
            "unsupported_format", f"{other} images are not accepted; send one of: {names}."
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own ceiling (MAX_IMAGE_PIXELS) refused it while opening; its message has the pixel count.
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        raise _bomb(None, None, limits, int(pixels.group(1)) if pixels else None) from exc
    except (OSError, ValueError, EOFError) as exc:  # a recognised signature whose header cannot be parsed
        raise ImageRejected("truncated", "The image is truncated or damaged.") from exc
    with im:
        width, height = im.size
        if width * height > limits.max_pixels:
            raise _bomb(width, height, limits)
        yield im


def _identify(fp: IO[bytes]) -> str | None:
    """The Pillow format name of a file we do not accept, for the message; None if nothing knows it."""
    try:
        with Image.open(fp) as other:
            return other.format
    except Exception:  # any failure here just means "not an image"
        return None


def _bomb(width: int | None, height: int | None, limits: Limits, pixels: int | None = None) -> ImageRejected:
    limit = f"{limits.max_pixels / 1_000_000:,.4g} megapixels"
    if pixels is not None:
        return ImageRejected(
            "bomb", f"The image has {pixels / 1_000_000:,.0f} megapixels; the limit is {limit}."
        )
    if width is None or height is None:
        return ImageRejected("bomb", f"The image has too many pixels; the limit is {limit}.")
    return ImageRejected("bomb", f"The image is {width:,} × {height:,} pixels; the limit is {limit}.")


def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit a ``box`` x ``box`` square, keeping the aspect ratio."""
    width, height = size
    if max(width, height) <= box:
        return width, height
    if width >= height:
        return box, max(1, round(height * box / width))
    return max(1, round(width * box / height)), box


def _renditions(im: Image.Image, orientation: int) -> tuple[bytes, bytes, int]:
    """Thumbnail JPEG, display JPEG and phash, all upright, from the one decoded picture."""
    icc = im.info.get("icc_profile")
    with ExitStack() as stack:
        owned: list[Image.Image] = [im]  # im belongs to the caller; every step may return its input unchanged

        def step(new: Image.Image) -> Image.Image:
            if all(new is not known for known in owned):
                owned.append(new)
                stack.callback(new.close)
            return new

        picture = step(_displayable_mode(im))
        picture = step(_resize(picture, _fit(picture.size, DISPLAY_BOX)))
        picture = step(_flatten(picture))
        # Transposing after the resize moves a fraction of the pixels.
        if orientation in _TRANSPOSE:
            picture = step(picture.transpose(_TRANSPOSE[orientation]))
        thumbnail = step(_resize(picture, _fit(picture.size, THUMBNAIL_BOX)))
        return (
            _jpeg(thumbnail, THUMBNAIL_QUALITY, icc),
            _jpeg(picture, DISPLAY_QUALITY, icc),
            phash(thumbnail),
        )


def _displayable_mode(im: Image.Image) -> Image.Image:
    """``im`` itself if it can be resized as is (L, RGB, LA, RGBA), else a converted copy."""
    mode = im.mode
    if mode in ("L", "RGB", "LA", "RGBA"):
        return im
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode == "PA":
        return im.convert("RGBA")
    if mode == "1":
        return im.convert("L")
    if mode.startswith("I"):  # 16/32-bit grayscale: scale to 8 bits rather than let convert() clip at 255
        with im.convert("I") as wide, wide.point(lambda v: v / 256) as scaled:
            return scaled.convert("L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, F, ...


def _resize(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    if im.size == size:
        return im
    # As Image.thumbnail does: bicubic after a box reduce by an integer factor (reducing_gap), much faster
    # and visually the same. After the JPEG draft the display step is a gentle < 2x shrink anyway.
    return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _flatten(im: Image.Image) -> Image.Image:
    """``im`` as L or RGB, any transparency composited onto white (JPEG has no alpha)."""
    if im.mode not in ("LA", "RGBA"):
        return im
    background = Image.new(im.mode[:-1], im.size, "white")
    background.paste(im, (0, 0), im)
    return background


def _jpeg(im: Image.Image, quality: int, icc: bytes | None) -> bytes:
    # Keep the colour profile when it matches the output (a wide-gamut phone photo looks wrong without it);
    # EXIF, XMP and comments are dropped: the renditions are already upright and carry no location.
    wanted = b"RGB " if im.mode == "RGB" else b"GRAY"
    if not isinstance(icc, bytes) or icc[16:20] != wanted:
        icc = None
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality, icc_profile=icc, comment=b"")
    return buffer.getvalue()


def _metadata(im: Image.Image) -> dict[str, Any]:
    """EXIF facts as ImageFacts keyword arguments; anything malformed becomes its default."""
    try:
        exif = im.getexif()
    except Exception:  # a damaged EXIF block is common and harmless for the picture
        exif = Image.Exif()
    exif_ifd = _ifd(exif, _EXIF_IFD)
    gps = _ifd(exif, _GPS_IFD)
    orientation = exif.get(_ORIENTATION)
    latitude = _coordinate(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), {"N": 1, "S": -1}, 90)
    longitude = _coordinate(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), {"E": 1, "W": -1}, 180)
    # Both or neither; 0,0 is what many phones write when they have no fix.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        latitude = longitude = None
    return {
        "taken_at": _taken_at(exif_ifd, exif),
        "latitude": latitude,
        "longitude": longitude,
        "orientation": orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        "camera_make": _text(exif.get(_MAKE)),
        "camera_model": _text(exif.get(_MODEL)),
    }


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # a broken IFD pointer
        return {}


def _text(value: object, limit: int = 128) -> str | None:
    """A printable, bounded string from an EXIF ASCII value, or None."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    return value[:limit] or None


def _taken_at(exif_ifd: dict[int, Any], ifd0: Image.Exif) -> datetime | None:
    raw = _text(exif_ifd.get(_DATE_ORIGINAL) or ifd0.get(_DATE_ORIGINAL))
    match = _EXIF_DATETIME.fullmatch(raw or "")
    if not match:
        return None  # absent, blank ("    :  :     :  :  ") or garbled
    try:
        taken = datetime(*(int(part) for part in match.groups()))  # type: ignore[misc]
    except ValueError:  # 0000:00:00 00:00:00 and friends
        return None
    subsec = re.match(r"\d+", _text(exif_ifd.get(_SUBSEC_ORIGINAL)) or "")
    if subsec:
        taken = taken.replace(microsecond=int(subsec.group()[:6].ljust(6, "0")))
    offset = _text(exif_ifd.get(_OFFSET_ORIGINAL)) or _text(exif_ifd.get(_OFFSET))
    match = _EXIF_OFFSET.fullmatch(offset or "")
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
        if hours < 24 and minutes < 60:
            delta = timedelta(hours=hours, minutes=minutes)
            taken = taken.replace(tzinfo=timezone(-delta if sign == "-" else delta))
    return taken


def _coordinate(dms: object, ref: object, signs: dict[str, int], bound: float) -> float | None:
    """Decimal degrees from a GPS (degrees, minutes, seconds) triple and its N/S or E/W reference."""
    sign = signs.get((_text(ref) or "").upper()[:1])
    if sign is None or not isinstance(dms, tuple | list) or not 1 <= len(dms) <= 3:
        return None
    try:
        parts = [float(part) for part in dms]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(part) and part >= 0 for part in parts) or any(part >= 60 for part in parts[1:]):
        return None
    value = sum(part / 60**i for i, part in enumerate(parts))
    return sign * value if value <= bound else None
