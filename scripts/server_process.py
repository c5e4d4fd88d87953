"""Stopping a server the benchmark and load scripts started, as `docker stop` does."""

from __future__ import annotations

import signal
import subprocess


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (gunicorn drains its workers), SIGKILL if it is still there after `timeout` s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
