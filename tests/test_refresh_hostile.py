"""A hostile or broken data source (issue 19): dripping servers, redirects and pointers that lead
elsewhere, tampered but consistent artifacts, fetched text in /v1/meta, a huge file in the data
directory, damaged data that still parses. Every server here listens on 127.0.0.1; addresses
such as 169.254.169.254 are only ever *refused*, and a spy on the connector proves no connection
to them was attempted."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from service import artifact
from service.dataset import build_dataset, content_version, read_dir
from service.refresh import boundaries, http, plausible, refresh

from .conftest import DATA
from .test_refresh_http import PUBLIC_KEY, Site, edit_and_publish, sign

MiB = 1024 * 1024


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site():
    from werkzeug.serving import make_server

    s = Site()
    server = make_server("127.0.0.1", 0, s, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s.base = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    s.port = server.server_port  # type: ignore[attr-defined]
    yield s
    s.release.set()
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="module")
def happ(tmp_path_factory):
    from service import create_app

    return create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_BATCH_RATE_PER_MINUTE": 0,
            "KRATOM_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
            "KRATOM_DATA_PUBLIC_KEY": PUBLIC_KEY,
        }
    )


def _reset(app, config: dict) -> object:
    holder = app.extensions["kratom.holder"]
    state = app.extensions["kratom.refresh"]
    base = holder.current
    for k, v in config.items():
        app.config[k] = v
    state.validators = type(state.validators)()
    state.rejected = None
    state.geo, state.geo_adopted, state.geo_error = base.geo, True, None
    state.geo_fingerprint = boundaries.fingerprint(app.config)
    return base


@pytest.fixture()
def remote(happ, site, tmp_path):
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    site.files.clear()
    site.mode.clear()
    site.log.clear()
    site.publish(data)
    saved = dict(happ.config)
    base = _reset(
        happ, {"KRATOM_DATA_SOURCE": site.base + "/latest.json", "KRATOM_HTTP_TIMEOUT_SECONDS": 2}
    )
    yield data
    happ.config.update(saved)
    happ.extensions["kratom.holder"].swap(base)


@pytest.fixture()
def connections(monkeypatch):
    """Every address the refresher connects to; anything but 127.0.0.1 fails the test first."""
    seen: list[tuple] = []
    real = http.connect

    def spy(address, timeout):
        seen.append(tuple(address[:2]))
        assert address[0] == "127.0.0.1", f"refresher tried to connect to {address}"
        return real(address, timeout)

    monkeypatch.setattr(http, "connect", spy)
    return seen


def meta(app) -> dict:
    return app.test_client().get("/v1/meta").get_json()


# -- a dripping source ---------------------------------------------------------------------------


class Drip:
    """A raw TCP server on 127.0.0.1 that answers every connection with `head`, then sends
    `tail` one byte per `gap` seconds, until stopped."""

    def __init__(self, head: bytes, tail: bytes, gap: float) -> None:
        self.head, self.tail, self.gap = head, tail, gap
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.closed_at: list[float] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by close()
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(self.head)
                for b in self.tail:
                    if self.stop.wait(self.gap):
                        return
                    conn.sendall(bytes([b]))
            except OSError:
                self.closed_at.append(time.monotonic())  # the client gave up

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)  # the accept loop sees the flag within its 0.2 s timeout
        self.sock.close()


@pytest.fixture()
def drip_body():
    d = Drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"{" + b" " * 99_999, 0.2)
    yield d
    d.close()


@pytest.fixture()
def drip_headers():
    d = Drip(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n", 0.2)
    yield d
    d.close()


@pytest.mark.parametrize("which", ["drip_body", "drip_headers"])
def test_a_dripping_source_is_abandoned_at_its_total_deadline(happ, remote, request, which):
    drip = request.getfixturevalue(which)
    before = happ.extensions["kratom.holder"].current
    happ.config["KRATOM_DATA_SOURCE"] = f"http://127.0.0.1:{drip.port}/latest.json"
    happ.config["KRATOM_HTTP_TIMEOUT_SECONDS"] = 1
    t0 = time.monotonic()
    out = refresh(happ)
    took = time.monotonic() - t0
    assert out["outcome"] == "error" and "timed out after 1 s" in out["error"], out
    assert took < 2.5  # the deadline, not the source, decides (a read every 0.2 s never idles)
    assert happ.extensions["kratom.holder"].current is before
    # the lock is free again at once: the next attempt runs (is not "skipped") and admin works
    assert refresh(happ)["outcome"] == "error"


def test_the_refresh_lock_is_released_after_a_dripping_fetch(happ, remote, drip_body, monkeypatch):
    monkeypatch.setitem(happ.config, "KRATOM_ADMIN_TOKEN", "t0ken")
    happ.config["KRATOM_DATA_SOURCE"] = f"http://127.0.0.1:{drip_body.port}/latest.json"
    happ.config["KRATOM_HTTP_TIMEOUT_SECONDS"] = 0.5
    client = happ.test_client()
    results: list[int] = []
    worker = threading.Thread(
        target=lambda: results.append(
            client.post("/admin/reload", headers={"Authorization": "Bearer t0ken"}).status_code
        )
    )
    worker.start()
    worker.join(timeout=10)
    assert results == [200]
    assert not happ.extensions["kratom.holder"].swap_lock.locked()


def test_restart_while_the_source_drips_serves_the_last_good_copy_within_5_s(
    site, remote, tmp_path
):
    from service import create_app

    cache = str(tmp_path / "cache")
    config = {
        "TESTING": True,
        "KRATOM_REFRESH_SECONDS": 0,
        "KRATOM_CACHE_DIR": cache,
        "KRATOM_DATA_PUBLIC_KEY": PUBLIC_KEY,
        "KRATOM_HTTP_TIMEOUT_SECONDS": 2,
        "KRATOM_DATA_SOURCE": site.base + "/latest.json?sig=first",
    }
    good = create_app(config).extensions["kratom.holder"].current
    assert good is not None
    # the same source behind another rotating signature (?sig=), now dripping
    site.mode["/latest.json"] = "drip"
    t0 = time.monotonic()
    app = create_app({**config, "KRATOM_DATA_SOURCE": site.base + "/latest.json?sig=second"})
    took = time.monotonic() - t0
    assert took < 5
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    body = meta(app)
    assert body["dataset"]["version"] == good.version
    assert body["last_refresh"]["serving"] == "last-good local copy"
    assert "timed out" in body["last_refresh"]["error"]
    assert "sig=" not in json.dumps(body)


# -- origin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/latest.json",
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:{port}/latest.json",  # another scheme is another origin
        "http://localhost:{port}/latest.json",  # another host name too
    ],
)
def test_a_redirect_off_the_origin_is_not_followed(happ, site, remote, connections, location):
    before = happ.extensions["kratom.holder"].current
    edit_and_publish(site, remote)
    site.mode["/latest.json"] = "redirect:" + location.format(port=site.port)
    out = refresh(happ)
    assert out["outcome"] == "error" and "redirect off the configured origin" in out["error"]
    assert happ.extensions["kratom.holder"].current is before
    assert set(connections) == {("127.0.0.1", site.port)}
    assert "169.254" not in json.dumps(meta(happ)) and "127.0.0.2" not in json.dumps(meta(happ))


def test_a_redirect_on_the_origin_is_followed(happ, site, remote, connections):
    version = edit_and_publish(site, remote)
    site.files["/moved/latest.json"] = site.files["/latest.json"].replace(
        b'"artifact": "', b'"artifact": "../', 1
    )
    site.mode["/latest.json"] = f"redirect:{site.base}/moved/latest.json"
    assert refresh(happ)["outcome"] == "loaded"
    assert happ.extensions["kratom.holder"].current.version == version


@pytest.mark.parametrize(
    "ref", ["http://127.0.0.2:{port}/dataset.json", "http://169.254.169.254/dataset.json"]
)
def test_a_pointer_naming_an_artifact_on_another_origin_is_refused(
    happ, site, remote, connections, ref
):
    edit_and_publish(site, remote)
    pointer = json.loads(site.files["/latest.json"])
    pointer["artifact"] = ref.format(port=site.port)
    site.files["/latest.json"] = json.dumps(pointer).encode()
    out = refresh(happ)
    assert out["outcome"] == "error" and "artifact on another origin" in out["error"]
    assert [p for p, _ in site.log] == ["/latest.json"]
    assert set(connections) == {("127.0.0.1", site.port)}


def test_a_host_name_resolving_to_link_local_is_not_connected(
    happ, remote, connections, monkeypatch
):
    monkeypatch.setattr(
        http, "resolve", lambda host, port, t: [(2, 1, 6, "", ("169.254.169.254", port))]
    )
    happ.config["KRATOM_DATA_SOURCE"] = "http://data.example/latest.json"
    out = refresh(happ)
    assert out["outcome"] == "error" and "link-local" in out["error"]
    assert connections == []


def test_a_host_name_resolving_to_a_private_address_needs_permission(
    happ, site, remote, connections, monkeypatch
):
    monkeypatch.setattr(http, "resolve", lambda host, port, t: [(2, 1, 6, "", ("127.0.0.1", port))])
    happ.config["KRATOM_DATA_SOURCE"] = f"http://data.example:{site.port}/latest.json"
    out = refresh(happ)
    assert out["outcome"] == "error" and "private or loopback" in out["error"]
    assert connections == []
    happ.config["KRATOM_HTTP_ALLOW_PRIVATE"] = True
    version = edit_and_publish(site, remote)
    assert refresh(happ)["outcome"] == "loaded"
    assert happ.extensions["kratom.holder"].current.version == version


# -- signatures ------------------------------------------------------------------------------------


def _tampered(site, remote, signer=None) -> str:
    """Alabama's ban rewritten to legal, every hash and the pointer made consistent again."""
    files = read_dir(remote)
    changed = files["us-states.csv"].replace(b"US-AL,,banned,", b"US-AL,,legal,")
    assert changed != files["us-states.csv"]
    files["us-states.csv"] = changed
    doc = json.loads(artifact.build_artifact(files, build_dataset(files)))
    if signer is not None:
        sign(doc, signer)
    body = json.dumps(doc).encode()
    name = f"dataset-{doc['version']}.json"
    site.files["/" + name] = body
    site.files["/latest.json"] = artifact.build_pointer(
        body, name, doc["version"], doc["published"]
    )
    return doc["version"]


@pytest.mark.parametrize(
    "signer", [None, Ed25519PrivateKey.generate()], ids=["unsigned", "other_key"]
)
def test_a_consistent_but_tampered_artifact_is_refused(happ, site, remote, signer):
    before = happ.extensions["kratom.holder"].current
    _tampered(site, remote, signer)
    out = refresh(happ)
    assert out["outcome"] == "error", out
    assert "not signed" in out["error"] or "signature does not verify" in out["error"]
    assert happ.extensions["kratom.holder"].current is before
    al = happ.test_client().get("/v1/jurisdictions/US-AL").get_json()
    assert al["status"] == "banned"


def test_a_signature_copied_onto_other_content_does_not_verify(happ, site, remote):
    version = edit_and_publish(site, remote)
    good = json.loads(site.files[f"/dataset-{version}.json"])
    name = f"/dataset-{_tampered(site, remote)}.json"
    doc = json.loads(site.files[name])
    doc["signature"] = good["signature"]
    body = json.dumps(doc).encode()
    site.files[name] = body
    site.files["/latest.json"] = artifact.build_pointer(
        body, name[1:], doc["version"], doc["published"]
    )
    out = refresh(happ)
    assert "signature does not verify" in out["error"]


def test_an_http_source_without_a_public_key_is_refused(happ, site, remote):
    happ.config["KRATOM_DATA_PUBLIC_KEY"] = ""
    edit_and_publish(site, remote)
    out = refresh(happ)
    assert out["outcome"] == "error" and "KRATOM_DATA_PUBLIC_KEY is not set" in out["error"]


def test_key_rotation_accepts_either_configured_key(happ, site, remote):
    other = Ed25519PrivateKey.generate()
    other_pub = base64.b64encode(artifact.public_bytes(other.public_key())).decode()
    happ.config["KRATOM_DATA_PUBLIC_KEY"] = f"{other_pub} {PUBLIC_KEY}"
    version = edit_and_publish(site, remote)
    assert refresh(happ)["outcome"] == "loaded"
    assert happ.extensions["kratom.holder"].current.version == version


# -- nothing fetched is echoed ---------------------------------------------------------------------


def test_fetched_fields_never_reach_public_meta(happ, site, remote):
    edit_and_publish(site, remote)
    pointer = json.loads(site.files["/latest.json"])
    pointer["published"] = "<script>alert(1)</script>"
    site.files["/latest.json"] = json.dumps(pointer).encode()
    out = refresh(happ)
    assert out["outcome"] == "error"
    site.mode["/latest.json"] = "500 Evil <b>reason</b>"
    refresh(happ)
    text = json.dumps(meta(happ))
    assert "script" not in text and "Evil" not in text and "<b>" not in text
    assert "HTTP 500 Internal Server Error" in text


# -- a directory source ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dapp(tmp_path_factory):
    from service import create_app

    start = tmp_path_factory.mktemp("dstart") / "jurisdictions"
    shutil.copytree(DATA, start)
    return create_app(
        {
            "TESTING": True,
            "KRATOM_REFRESH_SECONDS": 0,
            "KRATOM_DATA_SOURCE": str(start),
            "KRATOM_CACHE_DIR": str(tmp_path_factory.mktemp("dcache")),
        }
    )


@pytest.fixture()
def src(dapp, tmp_path):
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    saved = dict(dapp.config)
    base = _reset(dapp, {"KRATOM_DATA_SOURCE": str(data)})
    yield data
    dapp.config.update(saved)
    dapp.extensions["kratom.holder"].swap(base)


def test_a_500_mb_file_in_the_data_directory_is_refused_without_reading_it(dapp, src):
    with (src / "huge.csv").open("wb") as f:
        f.truncate(500 * MiB)  # sparse: no disk space used
    before = dapp.extensions["kratom.holder"].current
    tracemalloc.start()
    try:
        out = refresh(dapp)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out["outcome"] == "error"
    assert "huge.csv: 524288000 bytes is over the" in out["error"]
    assert peak < 8 * MiB
    assert dapp.extensions["kratom.holder"].current is before
    assert dapp.test_client().get("/readyz").status_code == 200


def test_a_worker_that_started_on_a_broken_directory_serves_a_siblings_last_good_copy(tmp_path):
    """Two workers start together; the huge file lands after the first loaded and before the
    second read the source. The second must not stay unready until the file goes."""
    from service import create_app

    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    config = {
        "TESTING": True,
        "KRATOM_REFRESH_SECONDS": 0,
        "KRATOM_DATA_SOURCE": str(data),
        "KRATOM_CACHE_DIR": str(tmp_path / "cache"),
    }
    with (data / "huge.csv").open("wb") as f:
        f.truncate(500 * MiB)
    late = create_app(config)
    assert late.test_client().get("/readyz").status_code == 503
    (data / "huge.csv").unlink()
    early = create_app(config)  # the sibling: loads and writes the last-good copy
    good = early.extensions["kratom.holder"].current
    with (data / "huge.csv").open("wb") as f:
        f.truncate(500 * MiB)

    out = refresh(late)

    assert out["outcome"] == "error" and "huge.csv" in out["error"]
    assert out["serving"] == "last-good local copy"
    answer = late.test_client().get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["dataset"]["version"] == good.version
    assert "huge.csv" in answer.get_json()["last_refresh"]["error"]


def test_many_files_that_together_exceed_the_limit_are_refused(dapp, src):
    dapp.config["KRATOM_DATA_MAX_BYTES"] = 300_000  # the shipped files total about 220 kB
    shutil.copy(src / "sources.csv", src / "more.csv")
    shutil.copy(src / "us-states.csv", src / "more2.csv")
    out = refresh(dapp)
    assert out["outcome"] == "error" and "total" in out["error"]


def test_a_fifo_in_the_data_directory_is_refused_not_waited_on(dapp, src):
    os.mkfifo(src / "pipe.csv")
    out = refresh(dapp)
    assert out["outcome"] == "error" and "pipe.csv: not a regular file" in out["error"]


def cut_at_a_line_break(path: Path, share: float) -> None:
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, int(len(data) * share)) + 1
    path.write_bytes(data[:cut])


def test_a_file_cut_at_a_line_break_is_refused_and_named_in_meta(dapp, src):
    before = dapp.extensions["kratom.holder"].current
    cut_at_a_line_break(src / "us-states.csv", 0.6)
    out = refresh(dapp)
    assert out["outcome"] == "refused", out
    body = meta(dapp)
    assert body["last_refresh"]["outcome"] == "refused"
    assert "periods in us-states.csv" in body["last_refresh"]["error"]
    assert body["dataset"]["version"] == before.version
    assert dapp.extensions["kratom.holder"].current is before


def test_a_deleted_file_is_refused_and_named_in_meta(dapp, src):
    (src / "us-local.csv").unlink()
    out = refresh(dapp)
    assert out["outcome"] == "refused"
    assert "us-local.csv is missing" in meta(dapp)["last_refresh"]["error"]
    sd = dapp.test_client().get("/v1/jurisdictions/US-CA:san-diego-city").get_json()
    assert sd["status"] == "banned"  # San Diego's ban still served


def test_an_intended_removal_marked_by_an_editor_is_accepted(dapp, src):
    (src / "us-local.csv").unlink()
    runner = dapp.test_cli_runner()
    result = runner.invoke(args=["data", "intend", "us-local", "moved", "--source", str(src)])
    assert result.exit_code == 0, result.output
    out = refresh(dapp)
    assert out["outcome"] == "loaded"
    assert out["intended"]["reason"] == "us-local moved"
    assert dapp.extensions["kratom.holder"].current.version == content_version(read_dir(src))


def test_a_marker_left_behind_allows_no_other_version(dapp, src):
    (src / "us-local.csv").unlink()
    marker = plausible.marker_text(content_version(read_dir(src)), "once")
    (src / plausible.MARKER_NAME).write_text(marker, encoding="utf-8")
    cut_at_a_line_break(src / "countries.csv", 0.5)  # a later accident
    assert refresh(dapp)["outcome"] == "refused"


def test_small_deliberate_deletions_pass(dapp, src):
    path = src / "us-states.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    ak = [i for i, line in enumerate(lines) if line.startswith("US-AK,")]
    del lines[ak[0]]
    path.write_text("".join(lines), encoding="utf-8")
    assert refresh(dapp)["outcome"] == "loaded"


# -- publishing signed data ---------------------------------------------------------------------


def test_keygen_publish_and_verify_round_trip(dapp, tmp_path):
    runner = dapp.test_cli_runner()
    key_file = tmp_path / "signing.pem"
    result = runner.invoke(args=["data", "keygen", str(key_file)])
    assert result.exit_code == 0, result.output
    public = result.output.split("KRATOM_DATA_PUBLIC_KEY=")[1].strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    out = tmp_path / "site"
    result = runner.invoke(
        args=["data", "publish", str(out), "--source", str(DATA), "--key", str(key_file)]
    )
    assert result.exit_code == 0, result.output
    pointer = artifact.parse_document((out / "latest.json").read_bytes())
    art = artifact.parse_artifact((out / pointer.artifact).read_bytes())
    assert artifact.verify_signature(art, artifact.public_keys(public), "x")
    with pytest.raises(artifact.ArtifactError):
        artifact.verify_signature(art, artifact.public_keys(PUBLIC_KEY), "x")
    assert runner.invoke(args=["data", "keygen", str(key_file)]).exit_code == 1  # no overwrite


def test_publish_refuses_an_implausible_shrink_unless_intended(dapp, tmp_path):
    data = tmp_path / "jurisdictions"
    shutil.copytree(DATA, data)
    out = tmp_path / "site"
    runner = dapp.test_cli_runner()
    assert runner.invoke(args=["data", "publish", str(out), "--source", str(data)]).exit_code == 0
    (data / "us-local.csv").unlink()
    result = runner.invoke(args=["data", "publish", str(out), "--source", str(data)])
    assert result.exit_code == 1 and "us-local.csv is missing" in result.output
    runner.invoke(args=["data", "intend", "merged", "--source", str(data)])
    result = runner.invoke(args=["data", "publish", str(out), "--source", str(data), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intended"] is True
