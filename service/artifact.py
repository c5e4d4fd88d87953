"""The published dataset: one JSON artifact with the CSV files, their hashes and a changelog.

A deployment that reads its data over HTTP polls a small pointer (`latest.json`) and fetches
the artifact it names only when the version differs. The reader trusts nothing: every file's
sha256, the pointer's sha256 of the artifact, and the version (the content hash of the files)
must all match, so a truncated, half-uploaded or tampered artifact is rejected whole.

    dataset-<version>.json                      latest.json
    {"format": "kratom-dataset/1",              {"format": "kratom-dataset-pointer/1",
     "version": "8b39224438ecf28b",              "version": "8b39224438ecf28b",
     "published": "2026-12-01T18:00:00+00:00",   "published": "...",
     "files": {"countries.csv":                  "artifact": "dataset-8b39224438ecf28b.json",
        {"sha256": "...", "bytes": 30356,        "sha256": "<sha256 of the artifact bytes>",
         "text": "code,status,..."}, ...},       "bytes": 190000}
     "changelog": [{"date", "code", "from_status", "to_status", ...}, ...]}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import Dataset, content_version

FORMAT = "kratom-dataset/1"
POINTER_FORMAT = "kratom-dataset-pointer/1"
POINTER_NAME = "latest.json"


class ArtifactError(Exception):
    """The document is not a complete, consistent artifact; `str()` names what is wrong."""


@dataclass(frozen=True, slots=True)
class Artifact:
    version: str
    published: str
    files: Mapping[str, bytes]
    changelog: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Pointer:
    version: str
    published: str
    artifact: str  # relative to the pointer's URL, or absolute
    sha256: str
    bytes: int


def artifact_name(version: str) -> str:
    return f"dataset-{version}.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def changelog(dataset: Dataset) -> list[dict[str, Any]]:
    """Every dated status change, past and scheduled, as the resolver reports them."""
    from . import resolve
    from .snapshot import Snapshot

    snap = Snapshot(dataset, None, dt.datetime.now(dt.UTC), "", "")
    items = resolve.changes(snap, None, None)
    return sorted(items, key=lambda c: (c["date"], c["code"]))


def build_artifact(
    files: Mapping[str, bytes], dataset: Dataset, published: str | None = None
) -> bytes:
    """Serialise validated files; the files must be what `dataset` was built from."""
    version = content_version(files)
    if version != dataset.version:
        raise ArtifactError(f"files have version {version}, dataset has {dataset.version}")
    doc = {
        "format": FORMAT,
        "version": version,
        "published": published or now_iso(),
        "files": {
            name: {
                "sha256": sha256(data),
                "bytes": len(data),
                "text": data.decode("utf-8"),  # validated files are UTF-8
            }
            for name, data in sorted(files.items())
        },
        "changelog": changelog(dataset),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def build_pointer(artifact: bytes, name: str, version: str, published: str) -> bytes:
    doc = {
        "format": POINTER_FORMAT,
        "version": version,
        "published": published,
        "artifact": name,
        "sha256": sha256(artifact),
        "bytes": len(artifact),
    }
    return json.dumps(doc, indent=1).encode("utf-8") + b"\n"


def _json(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{where}: not UTF-8 at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(
            f"{where}:{exc.lineno}:{exc.colno}: not complete JSON ({exc.msg}); truncated?"
        ) from exc
    if not isinstance(doc, dict):
        raise ArtifactError(f"{where}: expected a JSON object")
    return doc


def _str(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise ArtifactError(f"{where}: missing or empty {key!r}")
    return value


def parse_document(data: bytes, where: str = "artifact") -> Artifact | Pointer:
    """A pointer or an artifact, fully checked."""
    doc = _json(data, where)
    fmt = doc.get("format")
    if fmt == POINTER_FORMAT:
        return _pointer(doc, where)
    if fmt == FORMAT:
        return _artifact(doc, where)
    raise ArtifactError(f"{where}: unknown format {fmt!r} (expected {FORMAT!r})")


def parse_artifact(data: bytes, where: str = "artifact") -> Artifact:
    doc = parse_document(data, where)
    if not isinstance(doc, Artifact):
        raise ArtifactError(f"{where}: expected an artifact, got a pointer")
    return doc


def _pointer(doc: Mapping[str, Any], where: str) -> Pointer:
    size = doc.get("bytes")
    if not isinstance(size, int) or size <= 0:
        raise ArtifactError(f"{where}: missing or bad 'bytes'")
    return Pointer(
        version=_str(doc, "version", where),
        published=_str(doc, "published", where),
        artifact=_str(doc, "artifact", where),
        sha256=_str(doc, "sha256", where),
        bytes=size,
    )


def _artifact(doc: Mapping[str, Any], where: str) -> Artifact:
    version = _str(doc, "version", where)
    published = _str(doc, "published", where)
    entries = doc.get("files")
    if not isinstance(entries, dict) or not entries:
        raise ArtifactError(f"{where}: no files")
    files: dict[str, bytes] = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ArtifactError(f"{where}: {name}: missing text")
        if "/" in name or "\\" in name or not name.endswith(".csv"):
            raise ArtifactError(f"{where}: {name}: not a plain CSV file name")
        data = entry["text"].encode("utf-8")
        if entry.get("bytes") != len(data):
            raise ArtifactError(
                f"{where}: {name}: {len(data)} bytes, manifest says {entry.get('bytes')}"
            )
        if entry.get("sha256") != sha256(data):
            raise ArtifactError(f"{where}: {name}: sha256 does not match the manifest")
        files[name] = data
    actual = content_version(files)
    if actual != version:
        raise ArtifactError(f"{where}: files have version {actual}, manifest says {version}")
    log = doc.get("changelog", [])
    if not isinstance(log, list):
        raise ArtifactError(f"{where}: 'changelog' is not a list")
    return Artifact(version, published, files, tuple(log))


def verify_against_pointer(data: bytes, pointer: Pointer, where: str) -> Artifact:
    """The artifact a pointer names: its size and hash first, then its own manifest."""
    if len(data) != pointer.bytes:
        raise ArtifactError(f"{where}: {len(data)} bytes, pointer says {pointer.bytes}")
    if sha256(data) != pointer.sha256:
        raise ArtifactError(f"{where}: sha256 does not match the pointer")
    art = parse_artifact(data, where)
    if art.version != pointer.version:
        raise ArtifactError(f"{where}: version {art.version}, pointer says {pointer.version}")
    return art


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(files: Mapping[str, bytes], dataset: Dataset, out: Path) -> dict[str, Any]:
    """Write `dataset-<version>.json` (once per version) and then repoint `latest.json`."""
    out.mkdir(parents=True, exist_ok=True)
    name = artifact_name(dataset.version)
    path = out / name
    reused = False
    body: bytes | None = None
    if path.is_file():
        try:
            existing = path.read_bytes()
            art = parse_artifact(existing, name)
            if art.version == dataset.version:
                body, reused = existing, True
        except (OSError, ArtifactError):
            body = None  # a damaged earlier copy is rewritten
    if body is None:
        body = build_artifact(files, dataset)
        write_atomic(path, body)
    art = parse_artifact(body, name)
    write_atomic(out / POINTER_NAME, build_pointer(body, name, dataset.version, art.published))
    return {
        "version": dataset.version,
        "published": art.published,
        "artifact": str(path),
        "pointer": str(out / POINTER_NAME),
        "bytes": len(body),
        "sha256": sha256(body),
        "files": len(art.files),
        "changes": len(art.changelog),
        "reused": reused,
    }
