"""Read a dataset directory into bytes, so validation itself never touches the disk."""

from __future__ import annotations

from pathlib import Path

from .issues import DatasetError, Issue
from .model import Dataset
from .validate import build_dataset, compile_files


def read_dir(path: Path) -> dict[str, bytes]:
    """All CSV files of a dataset directory by name; a missing directory is a DatasetError."""
    if not path.is_dir():
        raise DatasetError([Issue(str(path), 0, 0, "", "dataset directory does not exist")])
    try:
        return {p.name: p.read_bytes() for p in sorted(path.glob("*.csv"))}
    except OSError as exc:
        raise DatasetError([Issue(str(path), 0, 0, "", f"cannot read: {exc}")]) from exc


def load_dataset(path: Path) -> Dataset:
    return build_dataset(read_dir(path))


def validate_dir(path: Path) -> tuple[Dataset | None, list[Issue]]:
    try:
        files = read_dir(path)
    except DatasetError as exc:
        return None, exc.errors
    return compile_files(files)
