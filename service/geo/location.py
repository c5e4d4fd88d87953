"""The answer of a coordinate lookup: geometry facts only, no legal verdicts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Jurisdictions whose polygons cover a point, plus how sure the geometry is.

    `alternatives` are (code, layer name, distance in metres) for polygons that do not cover
    the point but lie within that layer's margin: the answer may depend on which side it is.
    `nearest_rounded_m` is set when `nearest` came from the open-sea grid: the distance to the
    boundary vertex nearest the grid cell's centre, rounded to 2 significant figures (to this
    many metres: 1000, 10000 or 100000); None when it was measured for this very point.

    `areas` are the ids of the rows of disputed-areas.csv whose polygon covers the point; their
    claimants are in `countries`. `unclaimed` is land that no state claims (with `nearest`
    and `nearby`: countries whose boundary is within NEARBY_M, with distances in metres).
    `counties` are 5-digit GEOIDs of counties mapped only because a place with an ordinance
    but no polygon lies in them (counties with their own ordinance are in `locals`).
    """

    countries: tuple[str, ...] = ()
    state: str | None = None
    locals: tuple[str, ...] = ()
    near_border: bool = False
    alternatives: tuple[tuple[str, str, float], ...] = ()
    approximate: bool = False
    at_sea: bool = False
    nearest: tuple[str, float] | None = None
    disputed: bool = False
    local_loaded: bool = False
    nearest_rounded_m: float | None = None
    areas: tuple[str, ...] = ()
    unclaimed: bool = False
    counties: tuple[str, ...] = ()
    nearby: tuple[tuple[str, float], ...] = ()

    def __hash__(self) -> int:
        """Locations key the answer memo on every lookup: hash what tells most of them apart
        (equality still compares every field), not every nested tuple."""
        return hash((self.countries, self.state, self.locals, self.nearest))

    @property
    def country(self) -> str | None:
        """The single country, or None at sea or when disputed (see `countries`)."""
        return self.countries[0] if len(self.countries) == 1 else None
