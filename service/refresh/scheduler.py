"""One BackgroundScheduler per worker process, started from the app factory when enabled.

Never at import, never in tests, never in the Werkzeug reloader's parent process (it only
watches files), never in `flask <command>` other than `run`; always under gunicorn, where
WERKZEUG_RUN_MAIN is unset. A per-PID guard keeps it to one scheduler per process.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

_SCHEDULERS: dict[int, Any] = {}  # pid -> BackgroundScheduler


def cli_context() -> tuple[str | None, bool | None]:
    """The `flask` sub-command being run (None outside the flask CLI) and its --reload flag."""
    try:
        import click
    except ImportError:  # pragma: no cover
        return None, None
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None, None
    return ctx.info_name, ctx.params.get("reload")


def start_decision(
    *,
    seconds: int,
    testing: bool,
    environ: Mapping[str, str],
    cli_command: str | None = None,
    reload_flag: bool | None = None,
    debug: bool = False,
) -> tuple[bool, str]:
    """Whether this process should run the refresh scheduler, and why (for the log)."""
    if testing:
        return False, "testing: tests call refresh() directly"
    if seconds <= 0:
        return False, "KRATOM_REFRESH_SECONDS is 0"
    if environ.get("WERKZEUG_RUN_MAIN") == "true":
        return True, "Werkzeug reloader child (serves requests)"
    if cli_command is not None and cli_command != "run":
        return False, f"flask {cli_command}: not a server"
    if cli_command == "run" and (reload_flag if reload_flag is not None else debug):
        return False, "Werkzeug reloader parent (the child will start it)"
    return True, "server process"


def maybe_start(app: Flask, environ: Mapping[str, str] | None = None) -> Any:
    """Start (or reuse) this process's scheduler and add this app's job; None when not."""
    command, reload_flag = cli_context()
    debug = os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on") or app.debug
    start, why = start_decision(
        seconds=int(app.config["KRATOM_REFRESH_SECONDS"]),
        testing=bool(app.testing),
        environ=os.environ if environ is None else environ,
        cli_command=command,
        reload_flag=reload_flag,
        debug=debug,
    )
    if not start:
        log.info("refresh scheduler not started: %s", why)
        return None
    return start_scheduler(app, why)


def start_scheduler(app: Flask, why: str = "") -> Any:
    from apscheduler.schedulers.background import BackgroundScheduler

    from .job import scheduled_refresh

    pid = os.getpid()
    sched = _SCHEDULERS.get(pid)
    if sched is None or not sched.running:
        sched = BackgroundScheduler(
            timezone=dt.UTC,
            daemon=True,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        if logging.getLogger("apscheduler.executors.default").level == logging.NOTSET:
            # "Running job ..." twice per tick per worker is noise; failures still log
            logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        sched.start()
        _SCHEDULERS[pid] = sched
        atexit.register(shutdown, pid)
    seconds = int(app.config["KRATOM_REFRESH_SECONDS"])
    jitter = int(app.config.get("KRATOM_REFRESH_JITTER_SECONDS") or 0)
    sched.add_job(
        scheduled_refresh,
        "interval",
        args=[app],
        seconds=seconds,
        jitter=min(jitter, seconds) or None,
        id=f"dataset-refresh-{id(app)}",
        replace_existing=True,
    )
    log.info("refresh scheduler started in pid %s every %s s (%s)", pid, seconds, why)
    return sched


def shutdown(pid: int | None = None) -> None:
    """Stop this process's scheduler without waiting for a running job (atexit)."""
    sched = _SCHEDULERS.pop(os.getpid() if pid is None else pid, None)
    if sched is not None and sched.running:
        sched.shutdown(wait=False)


def running_scheduler() -> Any:
    return _SCHEDULERS.get(os.getpid())


def run_soon(app: Flask, job: Any) -> bool:
    """Run `job(app)` once, now, in this process's scheduler thread; False without a scheduler."""
    sched = running_scheduler()
    if sched is None or not sched.running:
        return False
    sched.add_job(
        job,
        "date",
        run_date=dt.datetime.now(dt.UTC),
        args=[app],
        id=f"dataset-refresh-now-{id(app)}",
        replace_existing=True,
        misfire_grace_time=None,
    )
    return True
