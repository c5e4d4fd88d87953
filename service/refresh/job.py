"""`refresh(app)`: read the source, validate fully, check plausibility, swap one reference, keep
the last good one. `initial_load(app)`: the last-good copy first, then the source.

Every attempt is bounded: HTTP fetches by a total deadline each, directories by their size on
disk, so the refresh lock is always released within a few deadlines."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask

from .. import artifact
from ..dataset import DatasetError, build_dataset
from ..snapshot import Snapshot, SnapshotHolder
from . import boundaries, lastgood, plausible, scheduler
from .http import display
from .sources import Files, NotModified, SourceError, is_url, read_directory, read_url
from .state import Refresher

log = logging.getLogger(__name__)
MAX_ERRORS = 50


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def refresh(app: Flask) -> dict[str, Any]:
    """One attempt; never raises. Returns (and stores in holder.last_attempt) its outcome."""
    holder: SnapshotHolder = app.extensions["kratom.holder"]
    state: Refresher = app.extensions["kratom.refresh"]
    raw_source = str(app.config["KRATOM_DATA_SOURCE"])
    source = display(raw_source) if is_url(raw_source) else raw_source
    t0 = time.perf_counter()
    at = _now()
    if not holder.swap_lock.acquire(blocking=False):
        since = state.running_since
        running = f" for {time.monotonic() - since:.0f} s" if since is not None else ""
        error = f"a refresh is already running{running}"
        out = _finish({"outcome": "skipped", "error": error}, at, t0)
        out.update(source=source, version=_version(holder))
        state.metrics.attempt("skipped", at.timestamp(), out["duration_ms"] / 1000)
        return out
    state.running_since = time.monotonic()
    try:
        try:
            out = _attempt(app, holder, state, raw_source)
        except Exception as exc:  # the job must survive anything and keep the old data
            log.exception("refresh failed unexpectedly")
            out = {"outcome": "error", "error": f"{type(exc).__name__}: {exc}"}
        out = _finish(out, at, t0)
        out["source"] = source
        out["version"] = _version(holder)
        if state.geo_error:
            out["boundaries_error"] = state.geo_error
        if out["outcome"] in ("loaded", "unchanged"):
            state.last_success = {"at": out["at"], "version": out["version"]}
            state.serving_last_good = False
        if state.serving_last_good:
            out["serving"] = "last-good local copy"
        out["last_success"] = state.last_success
        holder.last_attempt = out
        holder.last_success = state.last_success
        state.metrics.attempt(out["outcome"], at.timestamp(), out["duration_ms"] / 1000)
    finally:
        state.running_since = None
        holder.swap_lock.release()
    level = logging.INFO if out["outcome"] in ("loaded", "unchanged") else logging.WARNING
    if out["outcome"] != "unchanged":
        log.log(
            level, "refresh %s: version %s %s", out["outcome"], out["version"], out["error"] or ""
        )
    if holder.current is None and out["outcome"] not in ("loaded", "unchanged"):
        out = _fall_back_to_last_good(app, out)
    return out


def _fall_back_to_last_good(app: Flask, failed: dict[str, Any]) -> dict[str, Any]:
    """A worker with nothing to serve whose source fails: a sibling may have written a last-good
    copy since this worker started (it read the source just after it broke), so serve that
    rather than stay unready until the source is mended."""
    served = _serve_last_good(app)
    if served is None:
        return failed
    holder: SnapshotHolder = app.extensions["kratom.holder"]
    out = dict(failed, serving="last-good local copy", version=served["version"])
    holder.last_attempt = out
    return out


def scheduled_refresh(app: Flask) -> dict[str, Any] | None:
    """The scheduler's job: waits for the app factory's initial load to finish first."""
    if app.extensions["kratom.holder"].last_attempt is None:
        return None  # create_app is still loading; refreshing now would load twice
    return refresh(app)


def initial_load(app: Flask) -> dict[str, Any]:
    """Start-up: serve the last-good local copy at once when there is one (a restart while the
    source is down or slow still answers within seconds), then read the source: in the
    background when this process runs a scheduler, else here."""
    raw_source = str(app.config["KRATOM_DATA_SOURCE"])
    log.info(
        "loading the dataset: source %s", display(raw_source) if is_url(raw_source) else raw_source
    )
    served = _serve_last_good(app)
    if served is not None and scheduler.run_soon(app, scheduled_refresh):
        return served
    return refresh(app)


def _serve_last_good(app: Flask) -> dict[str, Any] | None:
    holder: SnapshotHolder = app.extensions["kratom.holder"]
    state: Refresher = app.extensions["kratom.refresh"]
    t0 = time.perf_counter()
    at = _now()
    art = lastgood.load(app.config, int(app.config["KRATOM_DATA_MAX_BYTES"]))
    if art is None:
        return None
    try:
        dataset = build_dataset(art.files)
    except DatasetError:
        log.warning("the last-good copy no longer validates; ignored")
        return None
    if not holder.swap_lock.acquire(blocking=False):
        return None
    try:
        geo, _ = _geo(app, state, holder.current)
        source = str(app.config["KRATOM_DATA_SOURCE"])
        holder.swap(
            Snapshot(
                dataset=dataset,
                geo=geo,
                loaded_at=_now(),
                source=display(source) if is_url(source) else source,
                published=art.published,
            )
        )
        out = _finish({"outcome": "loaded", "serving": "last-good local copy"}, at, t0)
        out.update(source=lastgood.source_key(source), version=dataset.version)
        holder.last_attempt = out
        state.serving_last_good = True
    finally:
        holder.swap_lock.release()
    log.info("serving the last-good copy %s until the source answers", dataset.version)
    return out


def _version(holder: SnapshotHolder) -> str | None:
    snap = holder.current
    return snap.version if snap is not None else None


def _finish(out: dict[str, Any], at: dt.datetime, t0: float) -> dict[str, Any]:
    base: dict[str, Any] = {"at": at.isoformat(), "outcome": "error", "version": None}
    base.update(error=None, errors=[], source_version=None)
    base.update(out)
    base["duration_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return base


def _attempt(
    app: Flask, holder: SnapshotHolder, state: Refresher, raw_source: str
) -> dict[str, Any]:
    current = holder.current
    geo, geo_failed_now = _geo(app, state, current)
    geo_changed = geo is not (current.geo if current is not None else None)
    current_version = current.version if current is not None else None
    seen = None
    try:
        if is_url(raw_source):
            try:
                keys = artifact.public_keys(str(app.config.get("KRATOM_DATA_PUBLIC_KEY") or ""))
            except ValueError as exc:
                return {"outcome": "error", "error": str(exc)}
            got, seen = read_url(
                raw_source,
                current_version,
                state.validators,
                timeout=float(app.config["KRATOM_HTTP_TIMEOUT_SECONDS"]),
                max_bytes=int(app.config["KRATOM_HTTP_MAX_BYTES"]),
                keys=keys,
                allow_private=bool(app.config.get("KRATOM_HTTP_ALLOW_PRIVATE")),
            )
        else:
            got = read_directory(Path(raw_source), int(app.config["KRATOM_DATA_MAX_BYTES"]))
    except SourceError as exc:
        return {"outcome": "error", "error": str(exc)}
    except DatasetError as exc:  # the directory is missing or unreadable
        return {"outcome": "error", "error": str(exc), "errors": _issues(exc)}

    if isinstance(got, NotModified) or got.version == current_version:
        if seen is not None:
            state.validators = seen
        if current is not None and geo_changed:
            holder.swap(_rebuilt(current, geo))
            return {"outcome": "loaded", "reason": "boundaries changed"}
        if current is not None and isinstance(got, Files) and got.published != current.published:
            # same content, now known to be published at another time (a last-good copy
            # served at start-up, then the source itself): answers carry the source's stamp
            holder.swap(_rebuilt(current, current.geo, published=got.published))
        if geo_failed_now:
            return {"outcome": "error", "error": state.geo_error}
        return {"outcome": "unchanged"}
    assert isinstance(got, Files)
    refusal_key = (got.version, (got.intended or {}).get("version"))
    if state.rejected is not None and state.rejected[0] == refusal_key:
        return dict(state.rejected[1])  # same input as last time: no second validation
    try:
        dataset = build_dataset(got.files)
    except DatasetError as exc:
        out = {
            "outcome": "invalid",
            "error": str(exc),
            "errors": _issues(exc),
            "source_version": got.version,
        }
        state.rejected = (refusal_key, out)
        return out
    max_drop = float(app.config["KRATOM_REFRESH_MAX_DROP_PERCENT"])
    found, intended = plausible.check(
        current.dataset if current is not None else None, dataset, got.intended, max_drop
    )
    if found and not intended:
        out = {
            "outcome": "refused",
            "error": "implausible change refused (if it is intended, mark it with "
            "`flask data intend`): " + "; ".join(found),
            "errors": found,
            "source_version": got.version,
        }
        state.rejected = (refusal_key, out)
        return out
    holder.swap(
        Snapshot(
            dataset=dataset,
            geo=geo,
            loaded_at=_now(),
            source=got.source,
            published=got.published,
        )
    )
    state.rejected = None
    if seen is not None:
        state.validators = seen
    lastgood.save(app.config, got.files, dataset, got.published)
    out = {"outcome": "loaded", "source_version": got.version}
    if intended:
        out["intended"] = {"reason": (got.intended or {}).get("reason", ""), "accepted": found}
    return out


def _issues(exc: DatasetError) -> list[str]:
    return [str(e) for e in exc.errors if getattr(e, "severity", "error") == "error"][:MAX_ERRORS]


def _rebuilt(current: Snapshot, geo: Any, published: str | None = None) -> Snapshot:
    return Snapshot(
        dataset=current.dataset,
        geo=geo,
        loaded_at=_now(),
        source=current.source,
        published=published or current.published,
    )


def _geo(app: Flask, state: Refresher, current: Snapshot | None) -> tuple[Any, bool]:
    """The boundary index to serve; reloaded (in this thread) only when its files changed."""
    if not state.geo_adopted:
        state.geo_adopted = True
        if current is not None and current.geo is not None:
            state.geo = current.geo  # built by _initial_load from the files fingerprinted then
        else:
            state.geo_fingerprint = None  # nothing usable yet: load it now
    fp = boundaries.fingerprint(app.config)
    if fp == state.geo_fingerprint:
        return state.geo, False
    state.geo_fingerprint = fp
    try:
        state.geo = boundaries.load(app.config)
        state.geo_error = None
        return state.geo, False
    except Exception as exc:  # keep the previous index; retried when the files change again
        log.exception("boundaries could not be loaded")
        state.geo_error = f"boundaries: {type(exc).__name__}: {exc}"
        return state.geo, True
