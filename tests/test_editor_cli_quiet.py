"""The editors' offline commands load the data and nothing else: no scheduler, no last-good copy,
no boundary grid, no JSON log lines; they print only their findings. And `create_app` wires
every blueprint by name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT


def _tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.fixture()
def sandbox(tmp_path):
    """A copy of the data, and empty directories for everything a process might write to."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    dirs = {name: tmp_path / name for name in ("cache", "tmp", "home")}
    for d in dirs.values():
        d.mkdir()
    env = {
        **os.environ,
        "KRATOM_CACHE_DIR": str(dirs["cache"]),
        "TMPDIR": str(dirs["tmp"]),
        "HOME": str(dirs["home"]),
        "KRATOM_LOG_JSON": "true",
        "KRATOM_REFRESH_SECONDS": "1",  # a server would start its scheduler with this
        "KRATOM_DATA_SOURCE": str(data),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return data, dirs, env


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "service", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_data_validate_prints_only_findings_and_writes_nothing(sandbox):
    data, dirs, env = sandbox
    before = _tree(data)
    done = _flask(env, "data", "validate", str(data))
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert len(out) == 1 and out[0].startswith(f"ok: {data} version "), out
    for line in done.stderr.splitlines():  # warnings about the data; no log line of any kind
        assert line.startswith("warning: "), line
    for name, d in dirs.items():
        assert not any(d.iterdir()), f"wrote into {name}: {list(d.iterdir())}"
    assert _tree(data) == before


def test_data_validate_json_is_one_document(sandbox):
    data, dirs, env = sandbox
    done = _flask(env, "data", "validate", "--json", str(data))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    assert done.stderr == ""
    assert not any(dirs["cache"].iterdir())


def test_data_report_prints_only_the_report(sandbox):
    data, dirs, env = sandbox
    done = _flask(env, "data", "report", str(data))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Dataset ") and "\nCoverage\n" in done.stdout
    assert done.stderr == ""
    assert not any(dirs["cache"].iterdir()) and not any(dirs["tmp"].iterdir())


def test_offline_command_app_loads_no_data():
    from flask.cli import FlaskGroup

    from service import create_app

    seen = {}

    def factory():
        app = create_app({"TESTING": True})
        seen["current"] = app.extensions["kratom.holder"].current
        seen["last_attempt"] = app.extensions["kratom.holder"].last_attempt
        return app

    result = FlaskGroup(create_app=factory).main(["data", "--help"], standalone_mode=False)
    assert result == 0
    assert seen == {"current": None, "last_attempt": None}


def test_create_app_registers_each_blueprint_by_name(app):
    assert set(app.blueprints) == {
        "api_v1",
        "ops",
        "badges",
        "web",
        "downloads",
        "editor",
        "refresh",
    }
    assert "data" in app.cli.commands
    assert {"validate", "diff", "report", "publish"} <= set(app.cli.commands["data"].commands)
