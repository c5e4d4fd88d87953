"""Soak test: the production stack (deploy/run.py: nginx in front of gunicorn, 2 workers) on
127.0.0.1 with a temp copy of the dataset, mixed traffic, a valid dataset edit every 10 s, and
attacks mixed in (issue 19): 32 slow clients held open all along, junk 2 MiB batches, malformed
chunked bodies, over-long request lines and headers, forged Host headers, and damage to the
data directory every 30 s (a 500 MB sparse file, a file cut at a line break, a deleted file,
each for 6 s). Then requests, errors and memory growth per worker.

    python scripts/soak.py --minutes 5 [--no-attacks] [--front gunicorn] [--json]

Exit code 0 only if the legitimate requests had no errors (5xx, connection errors, unexpected
statuses; 4xx from the intended bad inputs do not count), every attack got the answer it should
(JSON 4xx, never a 5xx; damaged data refused, never served), every worker's RSS grew less than
10 % between the warmed-up baseline and the end, no worker died, and the workers picked up the
edits. gunicorn's max-requests recycling is turned off here, so the same worker processes are
measured from start to end. Only 127.0.0.1 is contacted; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from stack import Stack, rss_kb  # scripts/ is on sys.path as a script

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "jurisdictions"
HOST = "127.0.0.1"
MAX_GROWTH = 0.10

# Points in many places: interior, borders, sea, poles, antimeridian.
POINTS = [
    (31.0, -100.0), (32.7157, -117.1611), (40.7128, -74.006), (13.75, 100.5), (51.5, -0.12),
    (18.4, -66.1), (36.1699, -115.1398), (45.0, 0.0), (0.0, -150.0), (-16.5, 180.0),
    (66.0, -180.0), (90.0, 0.0), (-90.0, 0.0), (33.4255, -94.0477), (38.25, -85.76),
]  # fmt: skip
# (method, path, body, content type, statuses a correct server answers)
BAD = [
    ("GET", "/v1/lookup?lat=nan&lon=0", None, None, {400}),
    ("GET", "/v1/lookup?lat=1e309&lon=0", None, None, {400}),
    ("GET", "/v1/lookup?lat=1&lat=2&lon=0", None, None, {400}),
    ("GET", "/v1/jurisdictions/..%2F..%2Fetc%2Fpasswd", None, None, {404}),
    ("GET", "/v1/jurisdictions?as_of=2025-02-30", None, None, {400}),
    ("GET", "/v1/lookup?q=%3Cscript%3Ealert(1)%3C/script%3E", None, None, {200}),
    ("GET", "/badge/ZZ-NOPE.svg", None, None, {404}),
    ("DELETE", "/v1/jurisdictions", None, None, {405}),
    ("POST", "/v1/lookup/batch", b"[" * 10_000, "application/json", {422}),
    ("POST", "/v1/lookup/batch", b"lat=1", "text/plain", {415}),
    ("POST", "/v1/lookup/batch", b"{", "application/json", {422}),
    ("GET", "/no/such/route", None, None, {404}),
]


class Editor:
    """Valid edits: rewrites the notes cell of one countries.csv row, atomically."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "countries.csv"
        self.original = self.path.read_text(encoding="utf-8")
        self.count = 0

    def edit(self) -> None:
        self.count += 1
        rows = list(csv.reader(io.StringIO(self.original, newline="")))
        notes = rows[0].index("notes")
        rows[1][notes] = (rows[1][notes] + f" (soak edit {self.count})").strip()
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        tmp = self.path.with_suffix(".csv.tmp")
        tmp.write_text(out.getvalue(), encoding="utf-8")
        os.replace(tmp, self.path)


class Traffic:
    def __init__(self, port: int, codes: list[str], names: list[str], seed: int) -> None:
        self.port = port
        self.codes = codes
        self.names = names
        self.seed = seed
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: list[str] = []
        self.by_kind: Counter[str] = Counter()
        self.versions: set[str] = set()
        self.latency_ms: list[float] = []

    def request(
        self, kind: str, rnd: random.Random
    ) -> tuple[str, str, bytes | None, str | None, set[int]]:
        if kind == "code":
            return "GET", f"/v1/jurisdictions/{rnd.choice(self.codes)}", None, None, {200}
        if kind == "name":
            q = urllib.parse.quote(rnd.choice(self.names))
            return "GET", f"/v1/lookup?q={q}", None, None, {200}
        if kind == "point":
            lat, lon = self.point(rnd)
            return "GET", f"/v1/lookup?lat={lat}&lon={lon}", None, None, {200}
        if kind == "badge":
            path = rnd.choice(
                [
                    f"/badge/{rnd.choice(self.codes)}.svg",
                    f"/badge/{rnd.choice(self.codes)}.json",
                    "/badge.svg?lat={}&lon={}".format(*self.point(rnd)),
                ]
            )
            return "GET", path, None, None, {200}
        if kind == "batch":
            pts = [{"lat": a, "lon": b, "id": i} for i, (a, b) in enumerate(self.points(50, rnd))]
            fmt = "?format=csv" if rnd.random() < 0.3 else ""
            body = json.dumps(pts).encode()
            return "POST", f"/v1/lookup/batch{fmt}", body, "application/json", {200}
        if kind == "ops":
            path = rnd.choice(["/v1/meta", "/healthz", "/readyz", "/v1/changes", "/openapi.json"])
            return "GET", path, None, None, {200}
        return rnd.choice(BAD)

    def point(self, rnd: random.Random) -> tuple[float, float]:
        if rnd.random() < 0.5:
            return rnd.choice(POINTS)
        return round(rnd.uniform(-90, 90), 5), round(rnd.uniform(-180, 180), 5)

    def points(self, n: int, rnd: random.Random) -> list[tuple[float, float]]:
        return [self.point(rnd) for _ in range(n)]

    def run(self, index: int, until: float) -> None:
        try:
            self._run(index, until)
        except Exception as exc:  # a crashed client thread is an error of the soak itself
            self.record("client", f"client thread {index} crashed: {exc!r}")

    def _run(self, index: int, until: float) -> None:
        kinds = ["code"] * 3 + ["name"] * 2 + ["point"] * 3 + ["badge"] * 3 + ["batch", "ops"]
        kinds += ["bad"] * 2
        rnd = random.Random(self.seed * 31 + index)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        while time.monotonic() < until:
            kind = rnd.choice(kinds)
            method, path, body, ctype, ok = self.request(kind, rnd)
            headers = {"Content-Type": ctype} if ctype else {}
            if rnd.random() < 0.2:
                headers["DNT"] = "1"
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                status = resp.status
                closing = resp.getheader("Connection", "").lower() == "close"
            except (OSError, http.client.HTTPException) as exc:
                self.record(kind, f"{method} {path}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            problem = None
            if status >= 500 or status not in ok:
                problem = f"{method} {path[:120]} -> {status} {data[:160]!r}"
            elif status == 200 and path.startswith("/v1/") and "format=csv" not in path:
                try:
                    version = (json.loads(data).get("dataset") or {}).get("version")
                except ValueError:
                    problem = f"{method} {path[:120]} -> 200 with a body that is not JSON"
                else:
                    if version:
                        with self.lock:
                            self.versions.add(version)
            self.record(kind, problem, elapsed)
            if closing:
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        conn.close()

    def record(self, kind: str, problem: str | None, elapsed: float | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.by_kind[kind] += 1
            if problem:
                self.errors.append(problem)
            if elapsed is not None and len(self.latency_ms) < 200_000:
                self.latency_ms.append(elapsed)


class Attacks:
    """Hostile traffic beside the legitimate clients; each attack has the answer it must get."""

    JUNK = b"[" + b",".join([b"1"] * (1024 * 1024 - 1)) + b"]"  # 2 MiB, a million items
    RAW = (
        ("malformed_chunked", b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
         b"application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
        ("garbage", b"GARBAGE\r\n\r\n", 400),
        ("long_uri", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("big_header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    )  # fmt: skip

    def __init__(self, port: int, seed: int) -> None:
        self.port = port
        self.rnd = random.Random(seed)
        self.by_kind: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.slow: list[socket.socket] = []
        self.trickling: list[socket.socket] = []
        self.lock = threading.Lock()

    def run(self, until: float) -> None:
        try:
            while time.monotonic() < until:
                self.keep_slow_clients(32)
                kind = self.rnd.choice(["junk", "raw", "raw", "host", "trickle"])
                getattr(self, kind)()
                time.sleep(0.5)
        except Exception as exc:  # a crashed attacker is an error of the soak itself
            self.unexpected.append(f"attacker crashed: {exc!r}")
        finally:
            for s in self.slow + self.trickling:
                s.close()

    def note(self, kind: str, problem: str | None) -> None:
        with self.lock:
            self.by_kind[kind] += 1
            if problem:
                self.unexpected.append(f"{kind}: {problem}")

    def keep_slow_clients(self, n: int) -> None:
        for s in self.trickling:
            with contextlib.suppress(OSError):
                s.sendall(b" ")  # one more byte of a body that never ends
        alive = []
        for s in self.slow:
            try:
                s.sendall(b"a")  # one more byte of a header that never ends
                alive.append(s)
            except OSError:
                s.close()  # nginx gave up on it: as it should
        while len(alive) < n:
            s = socket.create_connection((HOST, self.port), timeout=5)
            s.sendall(b"GET /v1/meta HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            alive.append(s)
            self.note("slowloris", None)
        self.slow = alive

    def junk(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("POST", "/v1/lookup/batch", body=self.JUNK,
                         headers={"Content-Type": "application/json"})  # fmt: skip
            resp = conn.getresponse()
            resp.read()
            self.note("junk_batch", None if resp.status == 413 else f"status {resp.status}")
        except (OSError, http.client.HTTPException) as exc:
            self.note("junk_batch", f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    def raw(self) -> None:
        name, data, want = self.rnd.choice(self.RAW)
        try:
            with socket.create_connection((HOST, self.port), timeout=10) as s:
                s.sendall(data)
                head = s.recv(65536)
        except OSError as exc:
            self.note(name, f"{type(exc).__name__}: {exc}")
            return
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        json_type = b"content-type: application/json" in head.lower()
        ok = status == want and json_type
        self.note(name, None if ok else f"status {status}, JSON {json_type}: {head[:120]!r}")

    def host(self) -> None:
        path = self.rnd.choice(["/j/US-TX", "/", "/feed.atom", "/map"])
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(
                "GET", path, headers={"Host": "zqx.example", "X-Forwarded-Host": "zqy.example"}
            )
            resp = conn.getresponse()
            body = resp.read()
            bad = resp.status != 200 or b"zqx" in body or b"zqy" in body
            self.note("forged_host", f"status {resp.status} or host echoed" if bad else None)
        except (OSError, http.client.HTTPException) as exc:
            self.note("forged_host", f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    def trickle(self) -> None:
        """A body promised and trickled, then abandoned: costs nginx a connection, nothing more.
        At most 16 open at once: together with the slow headers, well under nginx's limit of
        open requests per client address, which the legitimate clients (same address) share."""
        while len(self.trickling) >= 16:
            self.trickling.pop(0).close()
        try:
            s = socket.create_connection((HOST, self.port), timeout=5)
            s.sendall(b"POST /v1/lookup/batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nContent-Length: 100000\r\n\r\n[")  # fmt: skip
            self.trickling.append(s)
            self.note("trickled_body", None)
        except OSError as exc:
            self.note("trickled_body", f"{type(exc).__name__}: {exc}")


class DataDamage:
    """Every `every` s, damage the data directory for `hold` s: a 500 MB sparse file, a file cut
    at a line break, a deleted file; the refresher must refuse each and keep serving."""

    def __init__(self, data_dir: Path, every: float, hold: float = 6.0) -> None:
        self.dir = data_dir
        self.every = every
        self.hold = hold
        self.kinds = ["huge_file", "cut_file", "deleted_file"]
        self.count: Counter[str] = Counter()
        self.restore_at: float | None = None
        self.saved: tuple[Path, bytes] | None = None
        self.next_at = time.monotonic() + every
        self.lock = threading.Lock()

    def tick(self, now: float) -> None:
        if self.restore_at is not None and now >= self.restore_at:
            self.restore()
        if self.restore_at is None and now >= self.next_at:
            kind = self.kinds[sum(self.count.values()) % len(self.kinds)]
            self.count[kind] += 1
            if kind == "huge_file":
                with (self.dir / "huge.csv").open("wb") as f:
                    f.truncate(500 * 1024 * 1024)
            elif kind == "cut_file":
                path = self.dir / "us-states.csv"
                data = path.read_bytes()
                self.saved = (path, data)
                path.write_bytes(data[: data.rfind(b"\n", 0, len(data) // 2) + 1])
            else:
                path = self.dir / "us-local.csv"
                self.saved = (path, path.read_bytes())
                path.unlink()
            self.restore_at = now + self.hold
            self.next_at = now + self.every

    def restore(self) -> None:
        (self.dir / "huge.csv").unlink(missing_ok=True)
        if self.saved is not None:
            path, data = self.saved
            tmp = path.with_suffix(".csv.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            self.saved = None
        self.restore_at = None


def get_json(port: int, path: str) -> Any:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def soak(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="kratom-soak-"))
    data_dir = work / "jurisdictions"
    shutil.copytree(DATA, data_dir)
    env = {
        "KRATOM_DATA_SOURCE": str(data_dir),
        "KRATOM_REFRESH_SECONDS": "5",
        "KRATOM_REFRESH_JITTER_SECONDS": "1",
        "KRATOM_BATCH_RATE_PER_MINUTE": "0",
        "KRATOM_CACHE_DIR": os.environ.get("KRATOM_CACHE_DIR") or str(work / "cache"),
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_CMD_ARGS": "--max-requests 0 --max-requests-jitter 0",
    }
    log_path = work / "server.log"
    stack = Stack(env, log_path, front=args.front)
    port = stack.port
    try:
        stack.wait_ready()
        listing = get_json(port, "/v1/jurisdictions")[1]["jurisdictions"]
        codes = [j["code"] for j in listing]
        names = [j["name"] for j in listing]
        traffic = Traffic(port, codes, names, args.seed)
        editor = Editor(data_dir)
        periods = get_json(port, "/v1/meta")[1]["dataset"]["counts"]["periods"]
        attacks = Attacks(port, args.seed) if args.attacks else None
        damage = DataDamage(data_dir, every=30.0) if args.attacks else None
        damaged_served: list[str] = []
        refusals: Counter[str] = Counter()

        workers_at_ready = {pid: rss_kb(pid) for pid in stack.workers()}
        start = time.monotonic()
        end = start + args.minutes * 60
        warm_until = start + min(args.warmup, args.minutes * 60 / 5)
        threads = [
            threading.Thread(target=traffic.run, args=(i, end), daemon=True)
            for i in range(args.threads)
        ]
        if attacks is not None:
            threads.append(threading.Thread(target=attacks.run, args=(end,), daemon=True))
        for t in threads:
            t.start()
        baseline: dict[int, int | None] = {}
        next_edit = start + args.edit_every
        meta_versions: set[str] = set()
        while time.monotonic() < end:
            now = time.monotonic()
            if not baseline and now >= warm_until:
                baseline = {pid: rss_kb(pid) for pid in stack.workers()}
            if damage is not None:
                with damage.lock:
                    damage.tick(now)
            if now >= next_edit and (damage is None or damage.saved is None):
                editor.edit()
                next_edit += args.edit_every
            with contextlib.suppress(
                OSError, ValueError, KeyError, TypeError, http.client.HTTPException
            ):
                meta = get_json(port, "/v1/meta")[1]
                meta_versions.add(meta["dataset"]["version"])
                if meta["dataset"]["counts"]["periods"] < periods:
                    damaged_served.append(meta["dataset"]["version"])
                outcome = (meta.get("last_refresh") or {}).get("outcome")
                if outcome in ("refused", "error", "invalid"):
                    refusals[outcome] += 1
            time.sleep(0.5)
        if damage is not None:
            damage.restore()
        for t in threads:
            t.join(timeout=60)
        time.sleep(args.edit_every / 2 + 6)  # let the last edit be picked up
        final_version = get_json(port, "/v1/meta")[1]["dataset"]["version"]
        workers_end = {pid: rss_kb(pid) for pid in stack.workers()}
    finally:
        stack.stop()
    growth = {}
    for pid, before in baseline.items():
        after = workers_end.get(pid)
        growth[str(pid)] = {
            "rss_kb_at_ready": workers_at_ready.get(pid),
            "rss_kb_warm": before,
            "rss_kb_end": after,
            "growth_pct": round(100 * (after - before) / before, 2) if before and after else None,
        }
    replaced = sorted(set(baseline) ^ set(workers_end))
    memory_ok = (
        bool(growth)
        and not replaced
        and all(g["growth_pct"] is not None and g["growth_pct"] < 100 * MAX_GROWTH
                for g in growth.values())
    )  # fmt: skip
    seconds = args.minutes * 60
    result = {
        "minutes": args.minutes,
        "workers": args.workers,
        "client_threads": args.threads,
        "requests": traffic.requests,
        "requests_per_second": round(traffic.requests / seconds, 1),
        "by_kind": dict(traffic.by_kind),
        "errors": len(traffic.errors),
        "error_samples": traffic.errors[:10],
        "latency_ms": {
            "p50": percentile(traffic.latency_ms, 0.50),
            "p99": percentile(traffic.latency_ms, 0.99),
            "max": percentile(traffic.latency_ms, 1.0),
        },
        "dataset_edits": editor.count,
        "versions_served": len(traffic.versions),
        "versions_seen_in_meta": len(meta_versions),
        "final_version": final_version,
        "memory": growth,
        "workers_replaced": replaced,
        "memory_ok": memory_ok,
        "front": args.front,
        "attacks": dict(attacks.by_kind) if attacks else None,
        "attacks_unexpected": len(attacks.unexpected) if attacks else 0,
        "attack_samples": attacks.unexpected[:10] if attacks else [],
        "data_damage": dict(damage.count) if damage else None,
        "refresh_refusals_seen": dict(refusals),
        "damaged_dataset_served": len(damaged_served),
        "log": str(log_path),
    }
    result["passed"] = (
        result["errors"] == 0
        and result["requests"] >= 10 * seconds  # a stalled client is no soak
        and memory_ok
        and editor.count > 0
        and len(meta_versions) > 1
        and result["attacks_unexpected"] == 0
        and not damaged_served
        and (damage is None or not damage.count or sum(refusals.values()) > 0)
    )
    if result["passed"] and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        result["log"] = None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--edit-every", type=float, default=10.0, help="seconds between edits")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds before the baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and log")
    parser.add_argument("--no-attacks", dest="attacks", action="store_false",
                        help="legitimate traffic only")  # fmt: skip
    parser.add_argument("--front", choices=("nginx", "gunicorn"), default="nginx",
                        help="nginx in front (production, default) or gunicorn alone")  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 120:
        parser.error("--minutes must be in (0, 120]")
    result = soak(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"requests: {result['requests']} ({result['requests_per_second']}/s)")
        print(f"errors: {result['errors']}")
        for sample in result["error_samples"]:
            print(f"  {sample}")
        print(f"attacks: {result['attacks']}, unexpected answers: {result['attacks_unexpected']}")
        for sample in result["attack_samples"]:
            print(f"  {sample}")
        print(
            f"data damage: {result['data_damage']}, refusals seen in /v1/meta: "
            f"{result['refresh_refusals_seen']}, damaged dataset served: "
            f"{result['damaged_dataset_served']}"
        )
        print(f"latency ms: {result['latency_ms']}")
        print(
            f"dataset edits: {result['dataset_edits']}, versions served: "
            f"{result['versions_served']}, seen in /v1/meta: {result['versions_seen_in_meta']}"
        )
        for pid, g in result["memory"].items():
            print(
                f"worker {pid}: RSS {g['rss_kb_at_ready']} kB at ready, {g['rss_kb_warm']} kB "
                f"warm, {g['rss_kb_end']} kB at end ({g['growth_pct']} %)"
            )
        print("PASS" if result["passed"] else "FAIL")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
