"""Real server subprocesses for the tests that need one (gunicorn, the nginx stack)."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running(
    cmd: list[str], env: dict[str, str], log_path: Path, ready_url: str, timeout: float = 120
) -> Iterator[subprocess.Popen]:
    """Start `cmd` in the project root, wait until `ready_url` answers 200 (or fail the test
    with the end of its log), and stop it afterwards."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{cmd[-1]} did not become ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.25)  # polling a starting process, not waiting for time to pass
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
