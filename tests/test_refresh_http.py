"""Refresh from a published, signed artifact over HTTP (127.0.0.1 only): ETag, timeouts, bad
bodies. tests/test_refresh_hostile.py has the attacks."""

from __future__ import annotations

import base64
import json
import shutil
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from service import artifact
from service.dataset import build_dataset, read_dir
from service.refresh import boundaries, refresh

from .conftest import DATA

KEY = Ed25519PrivateKey.generate()
PUBLIC_KEY = base64.b64encode(artifact.public_bytes(KEY.public_key())).decode()
AK_NOTES = "No statute or rule located; a 2026 third-party tracker lists the state as unregulated."
EDITED_NOTES = "Edited by the HTTP refresh test."


class Site:
    """A tiny artifact host: path -> bytes, plus switchable misbehaviour."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.mode: dict[str, str] = {}  # path -> ok | 500 | stall | stream | drip | redirect:URL
        self.log: list[tuple[str, int]] = []
        self.release = threading.Event()

    def publish(self, directory: Path) -> str:
        out = directory.parent / "published"
        files = read_dir(directory)
        summary = artifact.publish(files, build_dataset(files), out, key=KEY)
        for p in out.iterdir():
            if p.suffix == ".json":
                self.files["/" + p.name] = p.read_bytes()
        return summary["version"]

    def _drip(self):
        for _ in range(100):
            if self.release.wait(0.2):
                return
            yield b" "

    def __call__(self, environ, start_response):
        req = Request(environ)
        mode = self.mode.get(req.path, "ok")
        body = self.files.get(req.path)
        if mode == "500":
            resp = Response("boom", status=500)
        elif mode.startswith("500 "):  # a reason phrase of the server's choosing
            resp = Response("boom", status=mode)
        elif mode.startswith("redirect:"):
            resp = Response("", status=302, headers={"Location": mode[len("redirect:") :]})
        elif mode == "drip":  # a byte every 0.2 s, for up to 20 s
            resp = Response(self._drip(), mimetype="application/json")
        elif mode == "stall":
            self.release.wait(10)
            resp = Response(body or b"", mimetype="application/json")
        elif body is None:
            resp = Response("not found", status=404)
        elif mode == "stream":
            resp = Response(iter([body[i : i + 4096] for i in range(0, len(body), 4096)]))
        else:
            resp = Response(body, mimetype="application/json")
            resp.set_etag(artifact.sha256(body)[:20])
            resp = resp.make_conditional(req)
        self.log.append((req.path, resp.status_code))
        return resp(environ, start_response)


@pytest.fixture(scope="module")
def site():
    s = Site()
    server = make_server("127.0.0.1", 0, s, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s.base = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield s
    s.release.set()
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def happ(cache_dir):
    from service import create_app

    return create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_BATCH_RATE_PER_MINUTE": 0,
            "KRATOM_CACHE_DIR": cache_dir,
            "KRATOM_DATA_PUBLIC_KEY": PUBLIC_KEY,
        }
    )


@pytest.fixture()
def remote(happ, site, tmp_path, monkeypatch):
    """The shipped data published at <site>/latest.json, configured as the source."""
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    site.files.clear()
    site.mode.clear()
    site.log.clear()
    version = site.publish(data)
    holder = happ.extensions["kratom.holder"]
    state = happ.extensions["kratom.refresh"]
    base = holder.current
    assert base.version == version
    monkeypatch.setitem(happ.config, "KRATOM_DATA_SOURCE", site.base + "/latest.json")
    monkeypatch.setitem(happ.config, "KRATOM_HTTP_TIMEOUT_SECONDS", 2)
    state.validators = type(state.validators)()
    state.rejected = None
    state.geo, state.geo_adopted, state.geo_error = base.geo, True, None
    state.geo_fingerprint = boundaries.fingerprint(happ.config)
    yield data
    holder.swap(base)


def edit_and_publish(site: Site, data: Path) -> str:
    path = data / "us-states.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(AK_NOTES, EDITED_NOTES, 1), "utf-8")
    return site.publish(data)


def test_same_version_at_pointer_is_unchanged_without_fetching_the_artifact(happ, site, remote):
    out = refresh(happ)
    assert out["outcome"] == "unchanged", out
    assert [p for p, _ in site.log] == ["/latest.json"]


def test_etag_304_means_nothing_to_do(happ, site, remote):
    assert refresh(happ)["outcome"] == "unchanged"
    out = refresh(happ)
    assert out["outcome"] == "unchanged"
    assert site.log[-1] == ("/latest.json", 304)


def test_new_version_is_fetched_verified_and_served(happ, site, remote):
    before = happ.extensions["kratom.holder"].current
    version = edit_and_publish(site, remote)
    out = refresh(happ)
    assert out["outcome"] == "loaded", out
    assert out["version"] == version != before.version
    client = happ.test_client()
    meta = client.get("/v1/meta").get_json()
    assert meta["dataset"]["version"] == version
    assert meta["dataset"]["source"] == site.base + "/latest.json"
    published = json.loads(site.files["/latest.json"])["published"]
    assert meta["dataset"]["published"] == published
    answer = client.get("/v1/jurisdictions/US-AK").get_json()
    assert answer["notes"] == EDITED_NOTES
    assert answer["dataset"]["version"] == version


def test_artifact_url_without_pointer_is_accepted(happ, site, remote, monkeypatch):
    version = edit_and_publish(site, remote)
    monkeypatch.setitem(happ.config, "KRATOM_DATA_SOURCE", f"{site.base}/dataset-{version}.json")
    assert refresh(happ)["outcome"] == "loaded"
    assert happ.extensions["kratom.holder"].current.version == version


def sign(doc: dict, key=KEY) -> None:
    """Sign an artifact document as `flask data publish` does (after editing it in a test)."""
    files = {name: e["text"].encode() for name, e in doc["files"].items()}
    text = artifact.statement(
        doc["version"], doc["published"], files, doc["changelog"], doc.get("intended")
    )
    doc["signature"] = {
        "alg": "ed25519",
        "key_id": artifact.key_id(artifact.public_bytes(key.public_key())),
        "value": base64.b64encode(key.sign(text)).decode(),
    }


def keeps_old(happ, out, before, expect: str) -> None:
    assert out["outcome"] == "error", out
    assert expect in out["error"], out["error"]
    assert happ.extensions["kratom.holder"].current is before
    meta = happ.test_client().get("/v1/meta").get_json()
    assert meta["dataset"]["version"] == before.version
    assert expect in meta["last_refresh"]["error"]


def test_http_500_keeps_old_data(happ, site, remote):
    before = happ.extensions["kratom.holder"].current
    edit_and_publish(site, remote)
    site.mode["/latest.json"] = "500"
    keeps_old(happ, refresh(happ), before, "latest.json: HTTP 500")


def test_stalled_server_times_out_and_keeps_old_data(happ, site, remote, monkeypatch):
    monkeypatch.setitem(happ.config, "KRATOM_HTTP_TIMEOUT_SECONDS", 0.3)
    before = happ.extensions["kratom.holder"].current
    version = edit_and_publish(site, remote)
    site.mode[f"/dataset-{version}.json"] = "stall"
    out = refresh(happ)
    keeps_old(happ, out, before, "timed out after 0.3 s")
    assert "(its artifact)" in out["error"]  # named in our words, not the pointer's
    assert out["duration_ms"] < 2000


def test_truncated_artifact_is_rejected(happ, site, remote):
    before = happ.extensions["kratom.holder"].current
    version = edit_and_publish(site, remote)
    name = f"/dataset-{version}.json"
    site.files[name] = site.files[name][: len(site.files[name]) // 2]
    keeps_old(happ, refresh(happ), before, "(its artifact)")


def test_tampered_artifact_is_rejected(happ, site, remote):
    before = happ.extensions["kratom.holder"].current
    version = edit_and_publish(site, remote)
    name = f"/dataset-{version}.json"
    site.files[name] = site.files[name].replace(b"Edited by", b"Edited bY", 1)
    keeps_old(happ, refresh(happ), before, "sha256 does not match the pointer")


def test_oversized_body_is_aborted(happ, site, remote, monkeypatch):
    monkeypatch.setitem(happ.config, "KRATOM_HTTP_MAX_BYTES", 100)
    before = happ.extensions["kratom.holder"].current
    keeps_old(happ, refresh(happ), before, "over the 100-byte limit")


def test_oversized_streamed_body_is_aborted(happ, site, remote, monkeypatch):
    version = edit_and_publish(site, remote)
    size = len(site.files[f"/dataset-{version}.json"])
    monkeypatch.setitem(happ.config, "KRATOM_HTTP_MAX_BYTES", size - 1)
    monkeypatch.setitem(happ.config, "KRATOM_DATA_SOURCE", f"{site.base}/dataset-{version}.json")
    site.mode[f"/dataset-{version}.json"] = "stream"  # no Content-Length: the cap is counted
    before = happ.extensions["kratom.holder"].current
    keeps_old(happ, refresh(happ), before, "body is over the")


def test_failed_fetch_is_retried_not_cached_as_304(happ, site, remote):
    version = edit_and_publish(site, remote)
    site.mode[f"/dataset-{version}.json"] = "500"
    assert refresh(happ)["outcome"] == "error"
    del site.mode[f"/dataset-{version}.json"]
    assert refresh(happ)["outcome"] == "loaded"


def test_invalid_rows_in_a_published_artifact_are_invalid(happ, site, remote):
    """A publisher that skipped validation: hashes fine, rows bad -> invalid, file:line named."""
    files = read_dir(remote)
    files["us-states.csv"] = files["us-states.csv"].replace(b"US-AK,,legal,", b"US-AK,,allowed,", 1)
    good = build_dataset(read_dir(remote))
    body = json.loads(artifact.build_artifact(read_dir(remote), good))
    body["files"]["us-states.csv"] = {
        "sha256": artifact.sha256(files["us-states.csv"]),
        "bytes": len(files["us-states.csv"]),
        "text": files["us-states.csv"].decode(),
    }
    from service.dataset import content_version

    body["version"] = content_version(files)
    sign(body)  # the publisher signed what it did not validate
    site.files["/latest.json"] = json.dumps(body).encode()
    before = happ.extensions["kratom.holder"].current
    out = refresh(happ)
    assert out["outcome"] == "invalid"
    assert out["error"].startswith("us-states.csv:2:3: status:")
    assert happ.extensions["kratom.holder"].current is before


def test_app_starts_from_an_http_source(site, remote, cache_dir):
    from service import create_app

    app = create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_DATA_SOURCE": site.base + "/latest.json",
            "KRATOM_CACHE_DIR": cache_dir,
            "KRATOM_DATA_PUBLIC_KEY": PUBLIC_KEY,
        }
    )
    holder = app.extensions["kratom.holder"]
    assert holder.current is not None
    assert holder.last_attempt["outcome"] == "loaded"
    assert app.test_client().get("/readyz").status_code == 200


def test_app_with_unreachable_source_starts_not_ready(site, remote, tmp_path):
    from service import create_app

    site.mode["/latest.json"] = "500"
    app = create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_DATA_SOURCE": site.base + "/latest.json",
            "KRATOM_CACHE_DIR": str(tmp_path / "empty-cache"),  # no last-good copy
            "KRATOM_DATA_PUBLIC_KEY": PUBLIC_KEY,
        }
    )
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    assert "HTTP 500" in client.get("/v1/meta").get_json()["last_refresh"]["error"]
    del site.mode["/latest.json"]
    assert refresh(app)["outcome"] == "loaded"
    assert client.get("/readyz").status_code == 200
