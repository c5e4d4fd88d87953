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
    return load_boundaries(SHIPPED, override, wait=True)


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


def _snapped_cells(index: BoundaryIndex) -> tuple[np.ndarray, np.ndarray]:
    """South-west corners (lon, lat) of the level-2 cells that hold a snapped-state answer."""
    from service.geo import grid as g

    approx = np.array([k[3] for k in index._keys] + [False])
    sub = np.asarray(index._sub_np).astype(np.int64)
    idx = np.where((sub >= 0) & (sub < len(index._keys)), sub, len(index._keys))
    cells = np.flatnonzero(approx[idx])
    grid = np.asarray(index._grid_np).astype(np.int64)
    mixed = np.flatnonzero(grid >= g.MIXED)
    cell_of_slot = np.empty(len(mixed), dtype=np.int64)
    cell_of_slot[grid[mixed] - g.MIXED] = mixed
    nsub = g.SUB * g.SUB
    c = cell_of_slot[cells // nsub]
    fi = (c // g.NCOLS) * g.SUB + (cells % nsub) // g.SUB
    fj = (c % g.NCOLS) * g.SUB + cells % g.SUB
    return fj / g.FINE - 180.0, fi / g.FINE - 90.0


def test_snapped_water_cells_equal_locate_exact(index: BoundaryIndex) -> None:
    """US waters no state covers, precomputed as "snapped to state X, approximate": corners
    and random points of sampled cells give exactly the answer of the full snap."""
    from service.geo import grid as g

    x0, y0 = _snapped_cells(index)
    assert len(x0) > 1000  # coastal waters and the Great Lakes
    rng = np.random.default_rng(31)
    pick = rng.choice(len(x0), 300, replace=False)
    e = 1.0 / g.FINE
    tiny = 1e-9
    for a, b in zip(x0[pick].tolist(), y0[pick].tolist(), strict=True):
        corners = [(a, b), (a + e - tiny, b), (a, b + e - tiny), (a + e - tiny, b + e - tiny)]
        inner = [(a + e * u, b + e * w) for u, w in rng.random((4, 2)).tolist()]
        for x, y in corners + inner:
            fast, exact = index.locate(x, y), index.locate_exact(x, y)
            assert fast.approximate and fast.state is not None and not fast.near_border
            assert fast == exact, (x, y)


def _exact_path_points(index: BoundaryIndex, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """US-box points whose grid cell sends them to the exact path."""
    from service.geo import grid as g

    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-125, -66, 400_000), rng.uniform(24, 50, 400_000)
    fi = ((y + 90.0) * g.FINE).astype(np.int64)
    fj = ((x + 180.0) * g.FINE).astype(np.int64)
    v = np.asarray(index._grid_np)[(fi >> 3) * g.NCOLS + (fj >> 3)].astype(np.int64)
    two = v >= g.MIXED
    v[two] = np.asarray(index._sub_np)[
        ((v[two] - g.MIXED) << 6) | ((fi[two] & 7) << 3) | (fj[two] & 7)
    ]
    ex = np.flatnonzero(v == g.EXACT)[:n]
    return x[ex], y[ex]


def test_batch_exact_path_equals_locate_exact(index: BoundaryIndex) -> None:
    """`locate_many`'s numpy exact path (clear of edges and margins, incl. snapped waters
    from the snap table) answers most exact-path points, each as `locate_exact` does."""
    x, y = _exact_path_points(index, 37, 2500)
    batch = index._simple_many(x, y)
    answered = [k for k, loc in enumerate(batch) if loc is not None]
    assert len(answered) > len(x) // 3
    assert any(batch[k].approximate for k in answered)  # snap-table answers
    for k in answered:
        assert batch[k] == index.locate_exact(float(x[k]), float(y[k])), (x[k], y[k])
    assert index.locate_many(x, y) == [
        index.locate_exact(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)
    ]
