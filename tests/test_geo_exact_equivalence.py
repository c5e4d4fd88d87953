"""The shortcut grid against the exact array path, on random world and US points."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from service.geo import BoundaryIndex, load_boundaries

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "boundaries"
HIGHRES_ENV = os.environ.get("KRATOM_TEST_BOUNDARIES_DIR")
BOUNDARY_SETS = ["shipped"] + (["highres"] if HIGHRES_ENV else [])


@pytest.fixture(scope="module", params=BOUNDARY_SETS)
def index(request: pytest.FixtureRequest) -> BoundaryIndex:
    override = Path(HIGHRES_ENV) if request.param == "highres" and HIGHRES_ENV else None
    return load_boundaries(SHIPPED, override)


def _points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 1500
    lons = np.r_[rng.uniform(-180, 180, n), rng.uniform(-125, -66, n)]
    lats = np.r_[np.degrees(np.arcsin(rng.uniform(-1, 1, n))), rng.uniform(24, 50, n)]
    return lons, lats


def test_locate_equals_locate_exact_on_random_points(index: BoundaryIndex) -> None:
    """Same codes, flags and alternatives; far-sea distances are rounded by design."""
    lons, lats = _points(23)
    for x, y in zip(lons.tolist(), lats.tolist(), strict=True):
        fast, exact = index.locate(x, y), index.locate_exact(x, y)
        if fast.nearest_rounded_m is not None:  # open-sea grid: rounded by design
            assert exact.at_sea and fast.at_sea and exact.countries == (), (x, y)
            continue
        assert fast == exact, (x, y)


def test_locate_many_equals_locate_on_random_points(index: BoundaryIndex) -> None:
    lons, lats = _points(29)
    assert index.locate_many(lons, lats) == [
        index.locate(x, y) for x, y in zip(lons.tolist(), lats.tolist(), strict=True)
    ]


def test_no_pandas_or_geos_polygons_at_run_time() -> None:
    """A warm start maps cached arrays only; pandas (~40 MB) must not come in."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from service.geo import load_boundaries; "
        f"load_boundaries(Path({str(SHIPPED)!r})); "
        "print('pandas' in sys.modules, 'scipy' in sys.modules)"
    )
    for _ in range(2):  # the first run may build the cache (scipy then is expected)
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False"], out.stdout
