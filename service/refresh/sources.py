"""Where a dataset comes from: a directory of CSV files, or a published artifact over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from .. import artifact
from ..dataset import content_version, read_dir
from ..loading import published_of
from .http import FetchError, display, fetch


class SourceError(Exception):
    """The source could not give a complete set of files (not a validation problem)."""


@dataclass(frozen=True, slots=True)
class Files:
    version: str
    files: Mapping[str, bytes]
    published: str
    source: str


@dataclass(frozen=True, slots=True)
class NotModified:
    """The source says nothing changed since the version we serve."""

    version: str | None


@dataclass(slots=True)
class Validators:
    """HTTP cache validators, committed only after a good outcome so a failure is retried."""

    etag: str | None = None
    last_modified: str | None = None


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _stamp(path: Path) -> tuple:
    try:
        return tuple(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(path.glob("*.csv"))
        )
    except OSError:
        return ()


def read_directory(path: Path) -> Files:
    """All CSV files; refuses a set that changed while it was being read (an editor saving)."""
    before = _stamp(path)
    files = read_dir(path)  # DatasetError when the directory is missing
    if _stamp(path) != before:
        raise SourceError(f"{path}: files changed while being read; will retry")
    return Files(content_version(files), files, published_of(path), str(path))


def read_url(
    url: str,
    current_version: str | None,
    validators: Validators,
    *,
    timeout: float,
    max_bytes: int,
) -> tuple[Files | NotModified, Validators]:
    """Fetch the pointer (or artifact) at `url`; fetch the artifact only for a new version."""
    where = display(url)
    try:
        first = fetch(
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            etag=validators.etag if current_version else None,
            last_modified=validators.last_modified if current_version else None,
        )
    except FetchError as exc:
        raise SourceError(str(exc)) from exc
    seen = Validators(first.etag, first.last_modified)
    if first.not_modified:
        return NotModified(current_version), seen
    try:
        doc = artifact.parse_document(first.body, where)
        if isinstance(doc, artifact.Pointer):
            if doc.version == current_version:
                return NotModified(current_version), seen
            art_url = urljoin(url, doc.artifact)
            body = fetch(art_url, timeout=timeout, max_bytes=max_bytes).body
            doc = artifact.verify_against_pointer(body, doc, display(art_url))
    except (FetchError, artifact.ArtifactError) as exc:
        raise SourceError(str(exc)) from exc
    return Files(doc.version, doc.files, doc.published, where), seen
