"""The published dataset: one JSON artifact with the CSV files, their hashes and a changelog.

A deployment that reads its data over HTTP polls a small pointer (`latest.json`) and fetches
the artifact it names only when the version differs. The reader trusts nothing: every file's
sha256, the pointer's sha256 of the artifact, and the version (the content hash of the files)
must all match, so a truncated, half-uploaded or tampered artifact is rejected whole.

Hashes only prove the bytes are the ones the pointer names; whoever can rewrite both (a
compromised bucket, a man in the middle on http) could still serve anything. So an artifact is
signed (Ed25519): `signature` covers a canonical statement of the version, the publish time,
every file's name, size and sha256, the changelog's hash and the editor's "intended" marker
(`statement()` below, plain text so any language can rebuild it). A service with
KRATOM_DATA_PUBLIC_KEY refuses an artifact whose signature does not verify with one of its keys.

    dataset-<version>.json                      latest.json
    {"format": "kratom-dataset/1",              {"format": "kratom-dataset-pointer/1",
     "version": "8b39224438ecf28b",              "version": "8b39224438ecf28b",
     "published": "2026-12-01T18:00:00+00:00",   "published": "...",
     "files": {"countries.csv":                  "artifact": "dataset-8b39224438ecf28b.json",
        {"sha256": "...", "bytes": 30356,        "sha256": "<sha256 of the artifact bytes>",
         "text": "code,status,..."}, ...},       "bytes": 190000}
     "changelog": [{"date", "code", "from_status", "to_status", ...}, ...],
     "intended": {"version": "...", "reason": "..."} or null,
     "signature": {"alg": "ed25519", "key_id": "<16 hex>", "value": "<base64>"}}
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import Dataset, content_version

FORMAT = "kratom-dataset/1"
POINTER_FORMAT = "kratom-dataset-pointer/1"
POINTER_NAME = "latest.json"
STATEMENT_FORMAT = "kratom-dataset-signature/1"
VERSION_RE = re.compile(r"[0-9a-f]{16}")
FILE_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\.csv")
ARTIFACT_REF_RE = re.compile(r"[A-Za-z0-9._~/:%+-]{1,300}")


class ArtifactError(Exception):
    """The document is not a complete, consistent artifact; `str()` names what is wrong."""


@dataclass(frozen=True, slots=True)
class Artifact:
    version: str
    published: str
    files: Mapping[str, bytes]
    changelog: tuple[dict[str, Any], ...]
    intended: dict[str, str] | None = None
    signature: dict[str, str] | None = None
    statement: bytes = b""


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
    files: Mapping[str, bytes],
    dataset: Dataset,
    published: str | None = None,
    intended: Mapping[str, str] | None = None,
    key: Any = None,
) -> bytes:
    """Serialise validated files; the files must be what `dataset` was built from. With an
    Ed25519 private `key` the artifact is signed."""
    version = content_version(files)
    if version != dataset.version:
        raise ArtifactError(f"files have version {version}, dataset has {dataset.version}")
    doc: dict[str, Any] = {
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
        "intended": dict(intended) if intended else None,
    }
    if key is not None:
        text = statement(version, doc["published"], files, doc["changelog"], doc["intended"])
        doc["signature"] = {
            "alg": "ed25519",
            "key_id": key_id(public_bytes(key.public_key())),
            "value": base64.b64encode(key.sign(text)).decode("ascii"),
        }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def statement(
    version: str,
    published: str,
    files: Mapping[str, bytes],
    log: Any,
    intended: Mapping[str, str] | None,
) -> bytes:
    """The exact bytes that are signed: one fact a line, files sorted by name."""
    lines = [STATEMENT_FORMAT, f"version {version}", f"published {published}"]
    for name in sorted(files):
        data = files[name]
        lines.append(f"file {name} {len(data)} {sha256(data)}")
    log_json = json.dumps(log, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    lines.append(f"changelog {sha256(log_json.encode('utf-8'))}")
    if intended:
        reason = str(intended.get("reason", ""))
        lines.append(f"intended {intended.get('version')} {sha256(reason.encode('utf-8'))}")
    else:
        lines.append("intended -")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- keys ----------------------------------------------------------------------------------


def public_bytes(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


def public_keys(config_value: str) -> dict[str, Any]:
    """KRATOM_DATA_PUBLIC_KEY: one or more base64 raw Ed25519 public keys, space separated
    (several during a key rotation). Returns key id -> key; raises ValueError if malformed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys: dict[str, Any] = {}
    for word in config_value.replace(",", " ").split():
        try:
            raw = base64.b64decode(word, validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(
                "KRATOM_DATA_PUBLIC_KEY must be base64 Ed25519 public keys (32 bytes each)"
            ) from exc
        keys[key_id(raw)] = key
    return keys


def load_private_key(path: Path) -> Any:
    """An Ed25519 private key in PEM (PKCS#8), as `flask data keygen` writes it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ArtifactError(f"{path}: not a readable PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ArtifactError(f"{path}: not an Ed25519 private key")
    return key


def generate_key(path: Path) -> str:
    """Write a new private key (mode 0600, never overwritten); return its base64 public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return base64.b64encode(public_bytes(key.public_key())).decode("ascii")


def verify_signature(art: Artifact, keys: Mapping[str, Any], where: str) -> str:
    """The id of the key that signed `art`; ArtifactError when no configured key verifies it."""
    from cryptography.exceptions import InvalidSignature

    sig = art.signature
    if not sig:
        raise ArtifactError(f"{where}: not signed; KRATOM_DATA_PUBLIC_KEY requires a signature")
    try:
        value = base64.b64decode(str(sig.get("value", "")), validate=True)
    except binascii.Error:
        value = b""
    for kid, key in keys.items():
        try:
            key.verify(value, art.statement)
        except InvalidSignature:
            continue
        return kid
    raise ArtifactError(f"{where}: signature does not verify with KRATOM_DATA_PUBLIC_KEY")


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
    """Every field checked for shape before use: none is ever shown as it came."""
    size = doc.get("bytes")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ArtifactError(f"{where}: missing or bad 'bytes'")
    version = _str(doc, "version", where)
    if not VERSION_RE.fullmatch(version):
        raise ArtifactError(f"{where}: malformed 'version'")
    ref = _str(doc, "artifact", where)
    if not ARTIFACT_REF_RE.fullmatch(ref):
        raise ArtifactError(f"{where}: malformed 'artifact'")
    digest = _str(doc, "sha256", where)
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ArtifactError(f"{where}: malformed 'sha256'")
    return Pointer(
        version=version,
        published=_published(doc, where),
        artifact=ref,
        sha256=digest,
        bytes=size,
    )


def _published(doc: Mapping[str, Any], where: str) -> str:
    value = _str(doc, "published", where)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ArtifactError(f"{where}: 'published' is not an ISO 8601 time") from None
    if len(value) > 40:
        raise ArtifactError(f"{where}: 'published' is not an ISO 8601 time")
    return value


def _artifact(doc: Mapping[str, Any], where: str) -> Artifact:
    version = _str(doc, "version", where)
    if not VERSION_RE.fullmatch(version):
        raise ArtifactError(f"{where}: malformed 'version'")
    published = _published(doc, where)
    entries = doc.get("files")
    if not isinstance(entries, dict) or not entries:
        raise ArtifactError(f"{where}: no files")
    files: dict[str, bytes] = {}
    for name, entry in entries.items():
        if not FILE_NAME_RE.fullmatch(name):
            raise ArtifactError(f"{where}: a file name is not a plain CSV file name")
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ArtifactError(f"{where}: {name}: missing text")
        data = entry["text"].encode("utf-8")
        if entry.get("bytes") != len(data):
            raise ArtifactError(f"{where}: {name}: {len(data)} bytes, manifest says otherwise")
        if entry.get("sha256") != sha256(data):
            raise ArtifactError(f"{where}: {name}: sha256 does not match the manifest")
        files[name] = data
    actual = content_version(files)
    if actual != version:
        raise ArtifactError(f"{where}: files have version {actual}, not the manifest's")
    log = doc.get("changelog", [])
    if not isinstance(log, list):
        raise ArtifactError(f"{where}: 'changelog' is not a list")
    intended = doc.get("intended")
    if intended is not None and not (
        isinstance(intended, dict)
        and isinstance(intended.get("version"), str)
        and isinstance(intended.get("reason", ""), str)
    ):
        raise ArtifactError(f"{where}: malformed 'intended'")
    signature = doc.get("signature")
    if signature is not None and not isinstance(signature, dict):
        raise ArtifactError(f"{where}: malformed 'signature'")
    return Artifact(
        version,
        published,
        files,
        tuple(log),
        intended,
        signature,
        statement(version, published, files, log, intended),
    )


def verify_against_pointer(data: bytes, pointer: Pointer, where: str) -> Artifact:
    """The artifact a pointer names: its size and hash first, then its own manifest."""
    if len(data) != pointer.bytes:
        raise ArtifactError(f"{where}: {len(data)} bytes, pointer says {pointer.bytes}")
    if sha256(data) != pointer.sha256:
        raise ArtifactError(f"{where}: sha256 does not match the pointer")
    art = parse_artifact(data, where)
    if art.version != pointer.version:
        raise ArtifactError(f"{where}: version differs from the pointer's")
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


def publish(
    files: Mapping[str, bytes],
    dataset: Dataset,
    out: Path,
    key: Any = None,
    intended: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write `dataset-<version>.json` (once per version and signer) and then repoint
    `latest.json`."""
    out.mkdir(parents=True, exist_ok=True)
    name = artifact_name(dataset.version)
    path = out / name
    reused = False
    body: bytes | None = None
    signer = key_id(public_bytes(key.public_key())) if key is not None else None
    if path.is_file():
        try:
            existing = path.read_bytes()
            art = parse_artifact(existing, name)
            same_signer = (art.signature or {}).get("key_id") == signer
            if art.version == dataset.version and same_signer and art.intended == intended:
                body, reused = existing, True
        except (OSError, ArtifactError):
            body = None  # a damaged earlier copy is rewritten
    if body is None:
        body = build_artifact(files, dataset, intended=intended, key=key)
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
        "signed_by": signer,
        "intended": bool(intended),
        "reused": reused,
    }
