"""Cold start: answers at once with no index anywhere, the build step, and the take-over."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from service.geo import BoundaryIndex, load_boundaries
from service.geo.index import BootstrapIndex, ExactIndex, plan_boundaries

from .conftest import ROOT

SHIPPED = ROOT / "data" / "boundaries"
META = {"accuracy_m": 30, "margin_m": 100, "source": "test", "attribution": "test"}


def _write(path: Path, rows: list[tuple[str, shapely.Geometry]]) -> None:
    table = pa.table(
        {
            "code": [c for c, _ in rows],
            "name": [c for c, _ in rows],
            "geometry": pa.array([shapely.to_wkb(g) for _, g in rows], pa.binary()),
        }
    )
    pq.write_table(table, path)


@pytest.fixture()
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three small countries (two overlapping) and one US state; empty cache and index dirs."""
    d = tmp_path / "boundaries"
    d.mkdir()
    _write(
        d / "countries.parquet",
        [
            ("AA", shapely.box(10, 10, 12, 12)),
            ("BB", shapely.box(11.5, 10, 14, 12)),
            ("US", shapely.box(-100, 30, -98, 32)),
        ],
    )
    _write(d / "us-states.parquet", [("US-TX", shapely.box(-100, 30, -98, 32))])
    layers = {
        "countries": {"file": "countries.parquet", **META},
        "us-states": {"file": "us-states.parquet", **META},
    }
    (d / "layers.json").write_text(json.dumps(layers))
    monkeypatch.setenv("KRATOM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KRATOM_INDEX_DIR", str(tmp_path / "index"))
    return d


def test_cold_start_answers_at_once_then_takes_over_the_index(tiny: Path) -> None:
    index = load_boundaries(tiny)
    assert isinstance(index, BootstrapIndex)
    first = [
        index.locate(11, 11),
        index.locate(11.8, 11),
        index.locate(-99, 31),
        index.locate(0, 0),
    ]
    assert first[0].countries == ("AA",)
    assert first[1].countries == ("AA", "BB") and first[1].disputed
    assert first[2].state == "US-TX"
    assert first[3].at_sea and first[3].nearest[0] == "AA"
    assert index.done.wait(timeout=600), "the child build did not finish"
    assert index.ready and isinstance(index._full, BoundaryIndex)
    assert [index.locate_exact(11, 11), index.locate(11.8, 11), index.locate(-99, 31)] == first[:3]
    again = load_boundaries(tiny)  # the next start finds it
    assert isinstance(again, BoundaryIndex) and again.version == index.version


def test_build_step_shows_progress_and_runs_once(tiny: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "service.geo.build", "--shipped", str(tiny)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "[geo-index" in first.stderr and "building" in first.stderr and "done" in first.stderr
    entry = next((tmp_path / "index").iterdir())
    for f in entry.iterdir():  # readable by a service user other than the builder (image)
        assert stat.S_IMODE(f.stat().st_mode) & 0o044 == 0o044, f
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0 and "up to date" in second.stderr
    assert isinstance(load_boundaries(tiny), BoundaryIndex)


def test_exact_index_answers_as_the_grid_does() -> None:
    """The interim exact path (shapely coverage) gives the full index's Locations."""
    plan = plan_boundaries(SHIPPED)
    exact = ExactIndex.from_plan(plan)
    full = load_boundaries(SHIPPED, wait=True)
    rng = np.random.default_rng(41)
    lons = np.r_[rng.uniform(-180, 180, 300), rng.uniform(-125, -66, 300), [18.8801, 33.3199]]
    lats = np.r_[rng.uniform(-60, 75, 300), rng.uniform(24, 50, 300), [45.7747, 35.3364]]
    for x, y in zip(lons.tolist(), lats.tolist(), strict=True):
        assert exact.locate(x, y) == full.locate_exact(x, y), (x, y)
