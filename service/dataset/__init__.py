"""The legal dataset: files -> validated, immutable Dataset."""

from .issues import DatasetError, Issue
from .load import load_dataset, read_dir, validate_dir
from .model import Dataset, Jurisdiction, Period, Source
from .validate import build_dataset, compile_files, content_version

__all__ = [
    "Dataset",
    "DatasetError",
    "Issue",
    "Jurisdiction",
    "Period",
    "Source",
    "build_dataset",
    "compile_files",
    "content_version",
    "load_dataset",
    "read_dir",
    "validate_dir",
]
