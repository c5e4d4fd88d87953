"""scripts/export_static.py writes every badge, the shields JSON and a hashed manifest."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_export_writes_every_badge_with_a_manifest(tmp_path: Path, snap) -> None:
    if snap is None:
        pytest.fail("the shipped dataset did not load")
    out = tmp_path / "static"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "export_static.py"),
            str(out),
            "--json",
            "--as-of",
            "2026-01-01",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    summary = json.loads(proc.stdout)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert summary["dataset_version"] == manifest["dataset"]["version"] == snap.version
    assert manifest["as_of"] == "2026-01-01"
    n = len(snap.dataset.jurisdictions)
    assert manifest["jurisdictions"] == n
    # default, 3 styles x 3 themes, shields JSON, the answer, and 4 products x (SVG + JSON)
    assert len(manifest["files"]) == n * (1 + 9 + 1 + 1 + 4 * 2)
    for rel in (
        "badge/US-TX.svg",
        "badge/for-the-badge/dark/US-TX.svg",
        "badge/US-TX.json",
        "badge/product/7-oh/US-TX.svg",
        "badge/product/synthetic/US-TX.json",
        "v1/jurisdictions/US-TX.json",
    ):
        body = (out / rel).read_bytes()
        assert hashlib.sha256(body).hexdigest() == manifest["files"][rel]
    answer = json.loads((out / "v1/jurisdictions/US-TX.json").read_bytes())
    assert answer["code"] == "US-TX" and answer["as_of"] == "2026-01-01"
    shields = json.loads((out / "badge/product/7-oh/US-TX.json").read_bytes())
    assert shields["label"] == "7-OH in Texas"
