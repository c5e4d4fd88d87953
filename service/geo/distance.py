"""Metric distances on lon/lat data (shapely's are Cartesian degrees)."""

from __future__ import annotations

import math

import numpy as np

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0
EARTH_RADIUS_M = 6_371_008.8


def deg_radius(lat: float, metres: float) -> tuple[float, float]:
    """Half-sizes (dlon, dlat) in degrees of a box that contains a circle of `metres`."""
    dlat = metres / M_PER_DEG_LAT
    c = math.cos(math.radians(min(abs(lat) + dlat, 89.9)))
    return min(metres / (M_PER_DEG_LON * c), 360.0), dlat


def point_segments_m(
    lon: float, lat: float, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
) -> np.ndarray:
    """Distance in metres from a point to each segment, in a local equirectangular frame.

    Good to well under 1% within a few tens of km, which is all the margins and snap radii
    need; far-away distances (at sea) are refined with haversine by the caller.
    """
    kx = M_PER_DEG_LON * math.cos(math.radians(lat))
    ax = (x0 - lon) * kx
    ay = (y0 - lat) * M_PER_DEG_LAT
    bx = (x1 - lon) * kx
    by = (y1 - lat) * M_PER_DEG_LAT
    dx = bx - ax
    dy = by - ay
    den = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(den > 0, -(ax * dx + ay * dy) / den, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(ax + t * dx, ay + t * dy)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
