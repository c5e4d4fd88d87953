"""Start the production stack (deploy/run.py: nginx in front of gunicorn) on 127.0.0.1 for the
scripts, find its gunicorn workers, read their memory, stop it. Imported by soak.py and attack.py
(scripts/ is on sys.path when they run as scripts)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from server_process import stop as stop_server

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out.extend(int(x) for x in (task / "children").read_text().split())
    except OSError:
        return []
    return sorted(out)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Stack:
    """deploy/run.py with the given environment; `workers()` are the gunicorn worker pids."""

    def __init__(self, env: dict[str, str], log_path: Path, front: str = "nginx") -> None:
        self.port = free_port()
        self.front = front
        self.log_path = log_path
        full = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env}
        full.pop("KRATOM_RATE_LIMIT_FILE", None)
        full.update(PORT=str(self.port), HOST=HOST)
        if front == "nginx":
            cmd = [sys.executable, "deploy/run.py"]
        else:  # gunicorn alone, as before the front proxy (for comparison)
            cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                   "--bind", f"{HOST}:{self.port}", "service:create_app()"]  # fmt: skip
        self.started = time.monotonic()
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full, stdout=log, stderr=log)

    def master(self) -> int | None:
        if self.front != "nginx":
            return self.proc.pid
        for pid in children(self.proc.pid):
            if "gunicorn" in cmdline(pid):
                return pid
        return None

    def workers(self) -> list[int]:
        """gunicorn's workers: the master's children but the boundary index build step it
        may start (gunicorn.conf.py's on_starting), which is not a worker and exits."""
        master = self.master()
        kids = children(master) if master else []
        return [p for p in kids if "service.geo.build" not in cmdline(p)]

    def get(self, path: str, timeout: float = 10, headers: dict | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            try:
                return resp.status, json.loads(body or b"null")
            except ValueError:
                return resp.status, body
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 180.0, path: str = "/readyz") -> float:
        """Seconds from start until `path` answered 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"the stack exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if self.get(path, timeout=2)[0] == 200:
                    return time.monotonic() - self.started
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)  # polling a starting server
        raise SystemExit(f"the stack was not ready in {timeout:g} s; see {self.log_path}")

    def stop(self) -> None:
        stop_server(self.proc, timeout=40)
