"""Where a dataset comes from: a directory of CSV files, or a signed artifact over HTTP.

Both are bounded before anything is read into memory: a directory's files by their sizes on
disk (a 500 MB file is refused from its `stat`, and a read never takes more than the limit),
an HTTP body by Content-Length and by counting.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from .. import artifact
from ..dataset import DatasetError, Issue, content_version
from ..loading import published_of
from . import plausible
from .http import FetchError, Origin, display, fetch


class SourceError(Exception):
    """The source could not give a complete set of files (not a validation problem)."""


@dataclass(frozen=True, slots=True)
class Files:
    version: str
    files: Mapping[str, bytes]
    published: str
    source: str
    intended: Mapping[str, str] | None = None  # the editor's marker that came with the files


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


def read_bounded(path: Path, max_bytes: int) -> dict[str, bytes]:
    """Every *.csv of a directory, refusing before reading when one file or all together are
    over `max_bytes`, and anything that is not a regular file (a FIFO would block forever)."""
    if not path.is_dir():
        raise DatasetError([Issue(str(path), 0, 0, "", "dataset directory does not exist")])
    try:
        entries = sorted(path.glob("*.csv"))
        sizes = {}
        for p in entries:
            st = p.stat()
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(f"{p.name}: not a regular file; refused")
            if st.st_size > max_bytes:
                raise SourceError(
                    f"{p.name}: {st.st_size} bytes is over the {max_bytes}-byte limit "
                    "(KRATOM_DATA_MAX_BYTES); refused without reading it"
                )
            sizes[p.name] = st.st_size
        if sum(sizes.values()) > max_bytes:
            raise SourceError(
                f"{path}: the CSV files total {sum(sizes.values())} bytes, over the "
                f"{max_bytes}-byte limit (KRATOM_DATA_MAX_BYTES); refused"
            )
        files: dict[str, bytes] = {}
        left = max_bytes
        for p in entries:
            with p.open("rb") as f:
                data = f.read(left + 1)  # a file that grew since stat cannot take more
            if len(data) > left:
                raise SourceError(f"{p.name}: grew past the {max_bytes}-byte limit; refused")
            left -= len(data)
            files[p.name] = data
        return files
    except OSError as exc:
        raise DatasetError([Issue(str(path), 0, 0, "", f"cannot read: {exc}")]) from exc


def read_directory(path: Path, max_bytes: int) -> Files:
    """All CSV files; refuses a set that changed while it was being read (an editor saving)."""
    before = _stamp(path)
    files = read_bounded(path, max_bytes)  # DatasetError when the directory is missing
    if _stamp(path) != before:
        raise SourceError(f"{path}: files changed while being read; will retry")
    return Files(
        content_version(files),
        files,
        published_of(path),
        str(path),
        plausible.read_marker(path),
    )


def read_url(
    url: str,
    current_version: str | None,
    validators: Validators,
    *,
    timeout: float,
    max_bytes: int,
    keys: Mapping[str, Any],
    allow_private: bool = False,
) -> tuple[Files | NotModified, Validators]:
    """Fetch the pointer (or artifact) at `url`; fetch the artifact only for a new version.
    Everything comes from the configured origin, and the artifact must be signed by `keys`."""
    where = display(url)
    if not keys:
        raise SourceError(
            f"{where}: KRATOM_DATA_PUBLIC_KEY is not set; an HTTP source must be signed"
        )
    try:
        origin = Origin.of(url, allow_private)
        first = fetch(
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            etag=validators.etag if current_version else None,
            last_modified=validators.last_modified if current_version else None,
            origin=origin,
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
            if not origin.owns(art_url):
                raise SourceError(f"{where}: the pointer names an artifact on another origin")
            if doc.bytes > max_bytes:
                raise SourceError(f"{where}: the artifact is over the {max_bytes}-byte limit")
            art_where = f"{where} (its artifact)"
            try:
                body = fetch(art_url, timeout=timeout, max_bytes=max_bytes, origin=origin).body
            except FetchError as exc:  # name the artifact in our words, not the pointer's
                raise SourceError(str(exc).replace(display(art_url), art_where)) from exc
            doc = artifact.verify_against_pointer(body, doc, art_where)
        artifact.verify_signature(doc, keys, where)
    except (FetchError, artifact.ArtifactError) as exc:
        raise SourceError(str(exc)) from exc
    return Files(doc.version, doc.files, doc.published, where, doc.intended), seen
