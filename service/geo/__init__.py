"""Coordinate lookups: which country, US state and local jurisdictions cover a point.

    index = load_boundaries(Path("data/boundaries"), os.environ.get("KRATOM_BOUNDARIES_DIR"))
    loc = index.locate(lon, lat)          # Location (frozen); ~1 µs in interior cells
    locs = index.locate_many(lons, lats)  # vectorised

With no index built yet (`python -m service.geo.build` is the build step), load_boundaries
returns a BootstrapIndex: the same Locations from the exact path at once, the grid's speed
once a child process has built it. Disputed and unclaimed areas come from
data/boundaries/disputed-areas.csv (service.geo.areas).

Geometry only: the resolver turns a Location into legal verdicts.
"""

from .index import BoundaryIndex, load_boundaries
from .location import Location

__all__ = ["BoundaryIndex", "Location", "load_boundaries"]
