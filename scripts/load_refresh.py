"""Load test of the hot swap: gunicorn serves while the dataset changes every 2 s.

Starts its own gunicorn (2 gthread workers, 4 threads) on a free 127.0.0.1 port with
KRATOM_DATA_SOURCE on a temporary copy of data/jurisdictions and KRATOM_REFRESH_SECONDS=1 (so a valid edit outlives a poll),
sends keep-alive requests from a few client threads, and meanwhile alternates a valid edit
(a notes field) with a broken one (us-states.csv cut mid-row). It reports requests, errors
(must be 0), latency percentiles, and how long each worker (by PID, read from /metrics over
fresh connections) took to serve each valid change (from its own "refresh loaded" log line). Stops gunicorn by its PID.

    python scripts/load_refresh.py [--seconds 30] [--clients 4] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from server_process import stop as stop_server  # scripts/ is on sys.path as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.dataset import content_version, read_dir  # noqa: E402

AK_NOTES = "No statute or rule located; a 2026 third-party tracker lists the state as unregulated."
PATHS = ("/v1/jurisdictions/US-AK", "/v1/lookup?lat=31.0&lon=-100.0", "/v1/jurisdictions/US-TX")
# the version a worker serves has value 1 (versions it served before stay, at 0)
INFO_RE = re.compile(r"^kratom_dataset_info\{([^}]*)\} 1\.0$", re.M)
LABEL_RE = re.compile(r'(\w+)="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(data: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        KRATOM_DATA_SOURCE=str(data),
        KRATOM_REFRESH_SECONDS="1",
        KRATOM_REFRESH_JITTER_SECONDS="0",
        KRATOM_BATCH_RATE_PER_MINUTE="0",
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    cmd += ["-w", "2", "--worker-class", "gthread", "--threads", "4"]
    cmd += ["-b", f"127.0.0.1:{port}", "--timeout", "30"]
    # no worker recycling during the run, so each PID's delay is measured from the same worker
    cmd += ["--max-requests", "0", "service:create_app()"]
    out = log.open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def get(port: int, path: str, timeout: float = 5) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read(), dict(resp.getheaders())
    finally:
        conn.close()


def wait_ready(port: int, proc: subprocess.Popen, limit: float = 90) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            if get(port, "/readyz", 2)[0] == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.notes_by_version: dict[str, set[str]] = {}
        self.versions: set[str] = set()

    def error(self, msg: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(msg)
            else:
                self.errors.append("...")


def client(port: int, stop: threading.Event, stats: Stats, n: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = n
    lat: list[float] = []
    while not stop.is_set():
        path = PATHS[i % len(PATHS)]
        i += 1
        t = time.perf_counter()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            stats.error(f"{path}: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        lat.append(time.perf_counter() - t)
        if resp.status != 200:
            stats.error(f"{path}: HTTP {resp.status}")
            continue
        try:
            answer = json.loads(body)
        except ValueError:
            stats.error(f"{path}: not JSON")
            continue
        version = answer["dataset"]["version"]
        if path.endswith("US-AK"):
            with stats.lock:
                stats.notes_by_version.setdefault(version, set()).add(answer["notes"])
    conn.close()
    with stats.lock:
        stats.latencies.extend(lat)


def prober(port: int, stop: threading.Event, seen: dict[str, dict[str, float]], t0: float) -> None:
    """Scrape /metrics and note when each worker (PID) first shows each dataset version."""
    while not stop.is_set():
        try:
            status, body, headers = get(port, "/metrics", 2)
        except OSError:
            continue
        now = time.monotonic() - t0
        for match in INFO_RE.finditer(body.decode()) if status == 200 else ():
            labels = dict(LABEL_RE.findall(match.group(1)))
            # every worker (pid label) under gunicorn.conf.py; else the one that answered
            pid = labels.get("pid") or headers.get("X-Worker-Pid")
            if pid and labels.get("version"):
                seen.setdefault(pid, {}).setdefault(labels["version"], now)
        stop.wait(0.02)


def editor(data: Path, stop: threading.Event, changes: list[dict], t0: float, every: float) -> None:
    """Valid and broken edits in turn, every `every` seconds."""
    path = data / "us-states.csv"
    original = path.read_text(encoding="utf-8")
    n = 0
    while not stop.wait(every):
        n += 1
        if n % 2:
            text = original.replace(AK_NOTES, f"Load test edit {n}.", 1)
            path.write_text(text, encoding="utf-8")
            version = content_version(read_dir(data))
            changes.append(
                {
                    "kind": "valid",
                    "at": time.monotonic() - t0,
                    "wall": time.time(),
                    "version": version,
                }
            )
        else:
            raw = path.read_bytes()
            path.write_bytes(raw[: len(raw) - 300])  # cut mid-row: must be rejected
            changes.append({"kind": "broken", "at": time.monotonic() - t0, "version": None})


LOADED_RE = re.compile(r"refresh loaded: version ([0-9a-f]+)")


def worker_loads(log: Path) -> dict[str, dict[str, float]]:
    """pid -> version -> when (epoch seconds) that worker logged swapping the version in."""
    out: dict[str, dict[str, float]] = {}
    if not log.exists():
        return out
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        m = LOADED_RE.search(str(entry.get("msg", "")))
        if not m or "pid" not in entry:
            continue
        when = dt.datetime.fromisoformat(entry["ts"]).timestamp()
        out.setdefault(str(entry["pid"]), {}).setdefault(m.group(1), when)
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="load duration (max 300)")
    ap.add_argument("--clients", type=int, default=4, help="client threads (max 16)")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args()
    seconds = max(4.0, min(args.seconds, 300.0))
    clients = max(1, min(args.clients, 16))

    work = Path(tempfile.mkdtemp(prefix="kratom-load-"))
    data = work / "jurisdictions"
    shutil.copytree(ROOT / "data" / "jurisdictions", data)
    port = free_port()
    log = work / "gunicorn.log"
    proc = start_gunicorn(data, port, log)
    try:
        boot = wait_ready(port, proc)
        initial = json.loads(get(port, "/v1/meta")[1])["dataset"]["version"]
        stats = Stats()
        seen: dict[str, dict[str, float]] = {}
        changes: list[dict] = []
        stop = threading.Event()
        t0 = time.monotonic()
        threads = [
            threading.Thread(target=client, args=(port, stop, stats, i)) for i in range(clients)
        ]
        threads.append(threading.Thread(target=prober, args=(port, stop, seen, t0)))
        threads.append(threading.Thread(target=editor, args=(data, stop, changes, t0, 2.0)))
        for t in threads:
            t.start()
        stop.wait(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        # let the last change settle so every valid change can be scored
        stats_meta = json.loads(get(port, "/v1/meta")[1])
        if stats_meta.get("dataset") is None:
            stats.error("a worker served no dataset at the end")
            stats_meta["dataset"] = {"version": None}
    finally:
        stop_server(proc)

    loaded = worker_loads(log)  # pid -> version -> wall time the worker swapped it in
    mixed = {v: sorted(n) for v, n in stats.notes_by_version.items() if len(n) > 1}
    per_change = []
    for c in changes:
        if c["kind"] != "valid":
            continue
        row = {"version": c["version"], "at_s": round(c["at"], 2), "workers": {}}
        # the workers' own log lines say when each swapped the version in; /metrics probes
        # (which land on whichever worker accepts) fill in only if a log line is missing
        for pid in sorted(set(seen) | set(loaded)):
            versions = seen.get(pid, {})
            if pid in loaded and c["version"] in loaded[pid]:
                row["workers"][pid] = round(loaded[pid][c["version"]] - c["wall"], 2)
            elif versions and min(versions.values()) > c["at"]:
                continue  # this worker started after the change: nothing to measure
            elif c["version"] in versions:
                row["workers"][pid] = round(versions[c["version"]] - c["at"], 2)
            else:
                row["workers"][pid] = None  # superseded before this worker loaded it
        per_change.append(row)
    delays = [d for r in per_change for d in r["workers"].values() if d is not None]
    lat_ms = [x * 1000 for x in stats.latencies]
    report = {
        "seconds": round(elapsed, 1),
        "boot_seconds": round(boot, 1),
        "clients": clients,
        "requests": len(lat_ms),
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "mixed_versions": mixed,
        "rps": round(len(lat_ms) / elapsed, 1) if elapsed else 0,
        "latency_ms": {
            "p50": round(pct(lat_ms, 0.50), 2),
            "p99": round(pct(lat_ms, 0.99), 2),
            "max": round(max(lat_ms), 2) if lat_ms else 0,
        },
        "initial_version": initial,
        "final_version": stats_meta["dataset"]["version"],
        "final_refresh": stats_meta["last_refresh"],
        "worker_pids": sorted(seen),
        "valid_changes": len(per_change),
        "broken_changes": sum(1 for c in changes if c["kind"] == "broken"),
        "seen_after_s": {
            "mean": round(statistics.mean(delays), 2) if delays else None,
            "max": round(max(delays), 2) if delays else None,
        },
        "changes": per_change,
        "gunicorn_exit": proc.returncode,
    }
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{report['requests']} requests in {report['seconds']} s ({report['rps']}/s) from "
            f"{clients} keep-alive clients; errors: {report['errors']}; mixed versions: "
            f"{len(mixed)}"
        )
        print(f"latency p50 {report['latency_ms']['p50']} ms, p99 {report['latency_ms']['p99']} ms")
        print(
            f"{report['valid_changes']} valid and {report['broken_changes']} broken edits; "
            f"workers {', '.join(report['worker_pids'])}"
        )
        for r in per_change:
            seen_txt = ", ".join(
                f"pid {p}: {'-' if d is None else f'{d:.2f} s'}" for p, d in r["workers"].items()
            )
            print(f"  t={r['at_s']:6.2f} s  {r['version']}  {seen_txt}")
        print(
            f"valid change visible after: mean {report['seen_after_s']['mean']} s, "
            f"max {report['seen_after_s']['max']} s"
        )
        for e in report["error_samples"]:
            print(f"  error: {e}")
    return 0 if report["errors"] == 0 and not mixed else 1


if __name__ == "__main__":
    raise SystemExit(main())
