"""A last-good copy on local disk, so a worker that (re)starts while the source is broken,
unreachable or slow still serves the data its siblings serve, instead of starting empty.

Keyed by the source without its query string or credentials: a URL with a rotating signature
(`?sig=...`, `?X-Amz-Signature=...`) is still the same source after a restart.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import artifact
from ..dataset import Dataset
from .http import display
from .sources import is_url

log = logging.getLogger(__name__)


def source_key(source: str) -> str:
    return display(source) if is_url(source) else os.path.normpath(source)


def path_for(config: Mapping[str, Any]) -> Path:
    base = config.get("KRATOM_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "kratom-cache")
    key = hashlib.sha256(source_key(str(config["KRATOM_DATA_SOURCE"])).encode()).hexdigest()[:16]
    return Path(base) / f"last-good-{key}.json"


def save(config: Mapping[str, Any], files: Mapping[str, bytes], dataset: Dataset, published: str):
    try:
        path = path_for(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        artifact.write_atomic(path, artifact.build_artifact(files, dataset, published))
    except (OSError, artifact.ArtifactError, UnicodeDecodeError):
        log.warning("could not write the last-good copy", exc_info=True)


def load(config: Mapping[str, Any], max_bytes: int | None = None) -> artifact.Artifact | None:
    path = path_for(config)
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes * 2 + 1_000_000:
            log.warning("last-good copy %s is larger than any dataset allowed; ignored", path)
            return None
        return artifact.parse_artifact(path.read_bytes(), path.name)
    except FileNotFoundError:
        return None
    except (OSError, artifact.ArtifactError):
        log.warning("last-good copy unreadable", exc_info=True)
        return None
