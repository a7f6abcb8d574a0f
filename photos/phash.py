"""A 64-bit DCT perceptual hash and the banding that indexes it.

Pure Python on top of Pillow: the only image work is one grayscale 32x32 resize; the DCT runs on 1,024 values
with precomputed cosine tables, about a millisecond.

Near-duplicates are two hashes within ``NEAR_DUPLICATE_DISTANCE`` (3) bits. Each hash is cut into four
disjoint 16-bit bands; by the pigeonhole principle, two hashes that differ in at most 3 bits leave at least
one band untouched, so a lookup "any band equal" over four indexed columns returns every near-duplicate
(plus a few candidates to discard with ``hamming``) without scanning every photo.
"""

from __future__ import annotations

import math

from PIL import Image

__all__ = ["NEAR_DUPLICATE_DISTANCE", "BAND_COUNT", "phash", "hamming", "bands", "to_signed", "to_unsigned"]

NEAR_DUPLICATE_DISTANCE = 3
BAND_COUNT = 4
_BAND_BITS = 64 // BAND_COUNT
_BAND_MASK = (1 << _BAND_BITS) - 1
_U64 = (1 << 64) - 1

_SIZE = 32  # the picture is reduced to 32x32 grayscale ...
_KEEP = 8  # ... and the 8x8 lowest frequencies of its DCT give the 64 bits

# _COS[u][x] = cos((2x + 1) * u * pi / 64): the unnormalised DCT-II basis. A uniform scale would not change
# which coefficients exceed the median, so none is applied.
_COS = tuple(
    tuple(math.cos((2 * x + 1) * u * math.pi / (2 * _SIZE)) for x in range(_SIZE)) for u in range(_KEEP)
)


def to_signed(h: int) -> int:
    """Map an unsigned 64-bit value to the signed int64 a PostgreSQL ``bigint`` stores."""
    h &= _U64
    return h - (1 << 64) if h >= 1 << 63 else h


def to_unsigned(h: int) -> int:
    """Map a signed int64 (or any int) to its unsigned 64-bit pattern."""
    return h & _U64


def phash(image: Image.Image) -> int:
    """Return the perceptual hash of ``image`` as a signed int64.

    The image is converted to grayscale and squeezed to 32x32 (aspect ratio ignored); the top-left 8x8 block
    of its 2-D DCT is compared with the median of the 63 AC coefficients (the DC term is the mean brightness
    and would drag the median), one bit per coefficient, row-major, most significant first. The DC bit is
    therefore almost always 1; keeping it keeps the layout the usual one. ``image`` is not modified.
    """
    with image.convert("L") as gray, gray.resize((_SIZE, _SIZE), Image.Resampling.LANCZOS) as small:
        pixels = small.tobytes()
    # Separable DCT: first the 8 lowest frequencies along each row, then along each column of that result.
    rows = [
        [
            sum(c * p for c, p in zip(basis, pixels[y * _SIZE : (y + 1) * _SIZE], strict=True))
            for basis in _COS
        ]
        for y in range(_SIZE)
    ]
    coeffs = [sum(basis[y] * rows[y][u] for y in range(_SIZE)) for basis in _COS for u in range(_KEEP)]
    ac = sorted(coeffs[1:])
    median = ac[len(ac) // 2]
    bits = 0
    for value in coeffs:
        bits = (bits << 1) | (value > median)
    return to_signed(bits)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes, signed or unsigned."""
    return ((a ^ b) & _U64).bit_count()


def bands(h: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of ``h``, most significant first, each in ``0..65535``.

    Hashes within ``NEAR_DUPLICATE_DISTANCE`` of each other share at least one band at the same position.
    """
    u = h & _U64
    return (u >> 48, (u >> 32) & _BAND_MASK, (u >> 16) & _BAND_MASK, u & _BAND_MASK)
