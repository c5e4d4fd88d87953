"""Shared fixtures: one app on the shipped data, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=100, derandomize=True, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "jurisdictions"
TEST_DATA = Path(__file__).resolve().parent / "data"


def highres_dir() -> Path | None:
    raw = os.environ.get("KRATOM_TEST_BOUNDARIES_DIR")
    if not raw:
        return None
    path = Path(raw)
    return path if (path / "us_states_cb2023_500k.parquet").exists() else None


@pytest.fixture(scope="session")
def app():
    from service import create_app

    return create_app(
        {"TESTING": True, "KRATOM_REFRESH_SECONDS": 0, "KRATOM_BATCH_RATE_PER_MINUTE": 0}
    )


@pytest.fixture(scope="session")
def highres_app():
    path = highres_dir()
    if path is None:
        pytest.skip(
            "KRATOM_TEST_BOUNDARIES_DIR is not set to the Census files (../shared/boundaries)"
        )
    from service import create_app

    return create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_BOUNDARIES_DIR": str(path),
            "KRATOM_BATCH_RATE_PER_MINUTE": 0,
        }
    )


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def snap(app):
    return app.extensions["kratom.holder"].current
