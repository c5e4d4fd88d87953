"""Per-client token bucket for expensive routes, shared by every worker process of one server.

Why shared: with a bucket per worker a client gets `workers` times the advertised rate, and
which worker answers is up to the kernel. The buckets live in a small fixed table in a
memory-mapped file (gunicorn.conf.py names one per server in KRATOM_RATE_LIMIT_FILE; without
it the table is private to the process), guarded by flock between processes and a lock
between threads. The table never grows: a new client takes an empty or idle slot, else the
least recently used of the slots it may probe.

Clients are keyed by address, IPv6 by its /64: one subscriber usually gets a whole /64 and can
rotate through it at will.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import mmap
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SLOT = struct.Struct("<Qdd")  # key hash (0 = empty), tokens, last refill (monotonic seconds)
PROBE = 16


def client_key(addr: str | None) -> str:
    """The rate-limit identity of an address: IPv4 itself, IPv6 its /64, IPv4-mapped as IPv4."""
    if not addr:
        return "unknown"
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return addr[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _hash(client: str) -> int:
    h = int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "little")
    return h or 1


class RateLimiter:
    def __init__(self, per_minute: int, max_clients: int = 10_000, path: str | None = None):
        self.rate = per_minute / 60.0
        self.capacity = float(max(per_minute, 1))
        self.slots = max(int(max_clients), PROBE)
        size = self.slots * SLOT.size
        self._lock = threading.Lock()
        self._fd: int | None = None
        if path:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)  # zero-filled: every slot empty
            self._fd = fd
            self._table = mmap.mmap(fd, size)
        else:
            self._table = mmap.mmap(-1, size)
        self.path = path

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._fd is None:
                yield
                return
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """(allowed, seconds until the next token)."""
        if self.rate <= 0:
            return True, 0.0
        now = time.monotonic() if now is None else now
        key = _hash(client)
        start = key % self.slots
        with self._locked():
            slot, tokens, last = self._find(key, start, now)
            tokens = min(self.capacity, tokens + max(0.0, now - last) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            SLOT.pack_into(self._table, slot * SLOT.size, key, tokens, now)
        return (True, 0.0) if allowed else (False, (1.0 - tokens) / self.rate)

    def _find(self, key: int, start: int, now: float) -> tuple[int, float, float]:
        """The slot of `key`, or the one it takes over (empty, idle, else least recently used)."""
        victim, victim_last = start, float("inf")
        for k in range(PROBE):
            slot = (start + k) % self.slots
            owner, tokens, last = SLOT.unpack_from(self._table, slot * SLOT.size)
            if owner == key:
                return slot, tokens, last
            idle = owner == 0 or tokens + (now - last) * self.rate >= self.capacity
            rank = -1.0 if idle else last
            if rank < victim_last:
                victim, victim_last = slot, rank
        return victim, self.capacity, now
