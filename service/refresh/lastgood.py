"""A last-good copy on local disk, so a worker that (re)starts while the source is broken or
unreachable still serves the data its siblings serve, instead of starting empty."""

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

log = logging.getLogger(__name__)


def path_for(config: Mapping[str, Any]) -> Path:
    base = config.get("KRATOM_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "kratom-cache")
    key = hashlib.sha256(str(config["KRATOM_DATA_SOURCE"]).encode()).hexdigest()[:16]
    return Path(base) / f"last-good-{key}.json"


def save(config: Mapping[str, Any], files: Mapping[str, bytes], dataset: Dataset, published: str):
    try:
        path = path_for(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        artifact.write_atomic(path, artifact.build_artifact(files, dataset, published))
    except (OSError, artifact.ArtifactError, UnicodeDecodeError):
        log.warning("could not write the last-good copy", exc_info=True)


def load(config: Mapping[str, Any]) -> artifact.Artifact | None:
    path = path_for(config)
    try:
        return artifact.parse_artifact(path.read_bytes(), path.name)
    except FileNotFoundError:
        return None
    except (OSError, artifact.ArtifactError):
        log.warning("last-good copy unreadable", exc_info=True)
        return None
