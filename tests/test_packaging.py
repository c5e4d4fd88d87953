"""The distribution: a wheel installed into a fresh virtual environment answers like the
service; licences, citation and the data package describe what ships.

The wheel is built once per session with the build backend of this environment
(`--no-build-isolation`: no network) and installed with `--no-deps` into a new venv; the pinned
dependencies come from this environment through a .pth file, and `pip check` verifies the
wheel's pins against them. Nothing is downloaded.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from .conftest import DATA, ROOT

STEP_TIMEOUT = 300  # seconds, per subprocess step


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False, **kwargs
    )
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-build-isolation", "--no-deps",
         "--no-index", "--disable-pip-version-check", "-q", "-w", str(out)]
    )  # fmt: skip
    (found,) = out.glob("kratom_status-*.whl")
    return found


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory, wheel) -> Path:
    """A new venv with only the wheel installed; dependencies visible through a .pth file."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    py = home / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "-q", str(wheel)]
    )  # fmt: skip
    site = Path(
        _run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (site / "_kratom_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return home


def _env() -> dict[str, str]:
    """The installed package uses its own data; the grid cache (keyed by the files' hash) and
    the boundary override are shared with this session's app, so answers can be compared."""
    keep = ("KRATOM_CACHE_DIR", "KRATOM_BOUNDARIES_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRATOM_") or k in keep}
    env.pop("PYTHONPATH", None)
    return env


def _published(body: bytes) -> str:
    return json.loads(body)["dataset"]["published"]


@pytest.mark.install
def test_wheel_carries_the_data_licences_and_the_console_script(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for csv_file in sorted(p.name for p in DATA.glob("*.csv")):
        assert f"service/_shipped/data/jurisdictions/{csv_file}" in names
    for boundary in sorted(p.name for p in (ROOT / "data" / "boundaries").iterdir()):
        assert f"service/_shipped/data/boundaries/{boundary}" in names
    assert "service/_shipped/gunicorn.conf.py" in names
    assert "service/web/static/map/regions.json" in names
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    for licence in ("LICENSE", "NOTICE", "LICENSES/ISC-us-atlas.txt"):
        assert f"{dist_info}/licenses/{licence}" in names
    entry_points = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "kratom-status = service.commandline:main" in entry_points
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


@pytest.mark.install
def test_wheel_pins_the_runtime_requirements(wheel):
    from packaging.requirements import Requirement

    def pins(lines: list[str]) -> set[tuple[str, str]]:
        reqs = [Requirement(x) for x in lines]
        return {(canonicalize_name(r.name), str(r.specifier)) for r in reqs}

    archive = zipfile.ZipFile(wheel)
    meta = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    requires = [
        line.split(":", 1)[1].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    pinned = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert pins(requires) == pins(pinned)
    assert all(str(Requirement(x).specifier).startswith("==") for x in requires)


@pytest.mark.install
def test_fresh_venv_lookup_json_is_the_v1_lookup(fresh_venv, client, tmp_path):
    """The issue's Done-when: pip install, then `kratom-status lookup --json` prints /v1/lookup."""
    cli = fresh_venv / "bin" / "kratom-status"
    args = ["lookup", "--lat", "30.2672", "--lon", "-97.7431", "--json"]
    done = _run([str(cli), *args], cwd=tmp_path, env=_env())
    printed = done.stdout.encode().rstrip(b"\n")
    # the installed package answers from its own copy of the data, not from this checkout
    where = _run(
        [str(fresh_venv / "bin" / "python"), "-c", "import service; print(service.__file__)"],
        cwd=tmp_path,
        env=_env(),
    ).stdout
    assert str(fresh_venv) in where and "_shipped" not in where
    # the same bytes as the service built from the same installed package ...
    serve_same = (
        "import sys; from service import create_app; "
        "app = create_app({'TESTING': True, 'KRATOM_REFRESH_SECONDS': 0}); "
        "sys.stdout.buffer.write(app.test_client().get("
        "'/v1/lookup?lat=30.2672&lon=-97.7431').data)"
    )
    http_installed = _run(
        [str(fresh_venv / "bin" / "python"), "-c", serve_same], cwd=tmp_path, env=_env()
    ).stdout.encode()
    assert printed == http_installed
    # ... and as this checkout's service, but for the publish stamp (the files' time)
    http_here = client.get("/v1/lookup?lat=30.2672&lon=-97.7431").data
    assert printed == http_here.replace(
        _published(http_here).encode(), _published(printed).encode()
    )


@pytest.mark.install
def test_fresh_venv_status_and_pinned_dependencies(fresh_venv, client, tmp_path):
    cli = fresh_venv / "bin" / "kratom-status"
    done = _run(
        [str(cli), "status", "US-TX", "--on", "2024-06-01", "--json"], cwd=tmp_path, env=_env()
    )
    printed = done.stdout.encode().rstrip(b"\n")
    http_here = client.get("/v1/jurisdictions/US-TX?as_of=2024-06-01").data
    assert printed == http_here.replace(
        _published(http_here).encode(), _published(printed).encode()
    )
    check = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(fresh_venv / "bin" / "python"), "check"],
        capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False,
    )  # fmt: skip
    assert "kratom-status" not in check.stdout, check.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.install
def test_fresh_venv_serve_answers_over_http(fresh_venv, tmp_path):
    port = _free_port()
    env = {**_env(), "KRATOM_REFRESH_SECONDS": "0"}
    proc = subprocess.Popen(
        [str(fresh_venv / "bin" / "kratom-status"), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/v1/jurisdictions/US-TX", timeout=2
                ) as resp:
                    body = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(0.2)  # polling a real subprocess, with a deadline
        assert body is not None, proc.stderr.read().decode() if proc.poll() is not None else ""
        assert body["code"] == "US-TX"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stderr.close()


# -- licences, citation, data package ------------------------------------------------------


def test_licence_files_name_each_part():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    notice = (ROOT / "NOTICE").read_text()
    for needle in (
        "CC BY 4.0",
        "© OpenStreetMap contributors",
        "Open Database License",
        "US Census Bureau",
        "us-atlas",
        "Share-alike",
        "regions.json",
    ):
        assert needle in notice
    layers = json.loads((ROOT / "data" / "boundaries" / "layers.json").read_text())
    assert layers["countries"]["licence"] == "ODbL-1.0"


def test_citation_cff_has_the_required_keys():
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] and cff["message"] and cff["authors"]
    assert cff["license"] == ["MIT", "CC-BY-4.0", "ODbL-1.0"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(rf'^version = "{re.escape(str(cff["version"]))}"$', pyproject, re.M)


def test_extras_pin_the_same_versions_as_requirements_dev():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = {}
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            dev[re.sub(r"\[.*\]", "", name).lower()] = version
    for extra, pins in project["optional-dependencies"].items():
        for pin in pins:
            name, version = pin.split("==")
            assert dev.get(re.sub(r"\[.*\]", "", name).lower()) == version, (extra, pin)


def _make_datapackage():
    spec = importlib.util.spec_from_file_location(
        "make_datapackage", ROOT / "scripts" / "make_datapackage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_datapackage_json_matches_the_csv_files():
    module = _make_datapackage()
    committed = (DATA / "datapackage.json").read_text(encoding="utf-8")
    assert committed == module.render(module.build()), (
        "data/jurisdictions/datapackage.json is stale: run python scripts/make_datapackage.py"
    )
    described = [r["path"] for r in json.loads(committed)["resources"]]
    assert described == sorted(p.name for p in DATA.glob("*.csv"))


def test_datapackage_validates_with_frictionless():
    from frictionless import validate

    report = validate(str(DATA / "datapackage.json"))
    errors = [(t.name, e.row_number, e.field_name, e.note) for t in report.tasks for e in t.errors]
    assert report.valid, errors[:20]


def test_frictionless_catches_a_bad_row(tmp_path):
    import shutil

    from frictionless import validate

    copy = tmp_path / "jurisdictions"
    shutil.copytree(DATA, copy)
    path = copy / "us-states.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("verified_on")] = "2024-02-30"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    report = validate(str(copy / "datapackage.json"))
    assert not report.valid
    found = [(t.name, e.row_number, e.field_name) for t in report.tasks for e in t.errors]
    assert found == [("us-states", 2, "verified_on")]
