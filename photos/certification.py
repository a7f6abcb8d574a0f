"""Certification: was this photo captured by the field app, recently, at the property? Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

CAPTURE_WINDOW = timedelta(hours=12)
# Phones and servers disagree by seconds to minutes; a capture "from the future" within this is still fine.
CLOCK_SKEW = timedelta(minutes=5)
DISTANCE_LIMIT_M = 200.0
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Certification:
    item: bool
    time: bool
    location: bool | None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def certify(
    *,
    from_field_app: bool,
    taken_at: datetime | None,
    uploaded_at: datetime,
    position: tuple[Decimal | float, Decimal | float] | None,
    property_position: tuple[Decimal | float, Decimal | float] | None,
) -> Certification:
    """The three flags. An office upload certifies nothing; its location is None only when unknowable."""
    recent = taken_at is not None and uploaded_at - CAPTURE_WINDOW <= taken_at <= uploaded_at + CLOCK_SKEW
    if position is None or property_position is None:
        near = None
    else:
        near = distance_m(*map(float, position), *map(float, property_position)) <= DISTANCE_LIMIT_M
    return Certification(
        item=from_field_app,
        time=from_field_app and recent,
        location=None if near is None else (from_field_app and near),
    )
