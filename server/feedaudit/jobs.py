"""Background work for ``feedaudit serve`` (APScheduler).

Parsing (BeautifulSoup is pure Python) and inference run in one worker
*process*, not a thread: in a thread they would hold the GIL and every ingest
request would wait behind them. The worker process lives as long as the
server, so the model loads once; it stops when the server is gone.

Each job opens its own connection and does a bounded amount of work per run,
so a job never holds the write lock long. ``coalesce`` and
``max_instances=1`` stop runs from piling up when one takes long.
"""

from __future__ import annotations

import contextlib

import logging
import os
import threading
import time
from pathlib import Path

from apscheduler.executors.pool import ProcessPoolExecutor, ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from . import enrichment, processing, settings, storage

log = logging.getLogger(__name__)

PARSE_INTERVAL_S = 2
UNDERSTAND_INTERVAL_S = 5
UNDERSTAND_CHUNKS_PER_RUN = 20
PIPELINE = "pipeline"

_embedders: dict = {}  # per worker process: model name -> Embedder, loaded once


WATCHDOG_INTERVAL_S = 0.2


def _opened(database: str):
    """A job's own connection, closed when the job ends (jobs run outside any request)."""
    return contextlib.closing(storage.connect(database, migrate=False))


def _exit_with_server(server_pid: int) -> None:
    """Worker initializer: end the worker as soon as the server process is gone.

    A server killed with SIGKILL (or SIGTERM, which waitress does not catch)
    runs no cleanup, and a pool worker blocked on its task queue would live on
    as an orphan, holding the model's memory and working next to the restarted
    server's own worker. Every chunk commits atomically, so exiting mid-job is
    as safe as the crash itself.
    """

    def watch():
        while os.getppid() == server_pid:
            time.sleep(WATCHDOG_INTERVAL_S)
        os._exit(0)

    threading.Thread(target=watch, name="server-watchdog", daemon=True).start()


def _server_gone(server_pid: int | None) -> bool:
    return server_pid is not None and os.getppid() != server_pid


def parse_job(database: str, server_pid: int | None = None) -> int:
    """Parse everything pending, a chunk at a time."""
    with _opened(database) as db:
        total = 0
        while not _server_gone(server_pid) and (done := processing.parse_pending(db)) > 0:
            total += done
        if total:
            log.info("parsed %d impressions", total)
        return total


def understand_job(database: str, model_name: str | None = None, server_pid: int | None = None) -> int:
    """Embed, score and categorize what parsing produced, a bounded number of chunks per run."""
    from .understanding.embedder import Embedder

    _leave_a_core_for_requests()
    if model_name not in _embedders:
        _embedders[model_name] = Embedder(model_name)
    embedder = _embedders[model_name]
    with _opened(database) as db:
        total = 0
        for _ in range(UNDERSTAND_CHUNKS_PER_RUN):
            if _server_gone(server_pid):
                break
            done = enrichment.run_stages_once(db, embedder)
            total += done
            if not done:
                break
        return total


def _leave_a_core_for_requests() -> None:
    """Inference uses all cores but one, so ingest stays fast while a backlog is embedded."""
    import torch

    wanted = max(1, (os.cpu_count() or 2) - 1)
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


ROLLUP_INTERVAL_S = 15
ROLLUP_BUDGET_S = 20


def rollup_job(database: str) -> int:
    """Rebuild the daily rollups of changed days (see rollups.refresh), for at most ROLLUP_BUDGET_S a run."""
    from . import rollups

    with _opened(database) as db:
        built = rollups.refresh(db, budget_s=ROLLUP_BUDGET_S)
        if built:
            log.info("rebuilt the rollups of %d days", built)
        return built


def retention_job(database: str) -> int:
    with _opened(database) as db:
        removed = processing.expire_raw_html(db, settings.get(db, "html_retention_days"))
        if removed:
            log.info("expired raw HTML of %d impressions", removed)
        return removed


def weekly_export_job(database: str, now=None) -> dict:
    """Write the due weekly summary into <data dir>/exports (see exporting.scheduled_export)."""
    from . import exporting

    with _opened(database) as db:
        record = exporting.scheduled_export(db, Path(database).parent, now)
        if record["files"]:
            log.info("wrote the weekly summary of %s: %s", record["week"], ", ".join(record["files"]))
        return record


def weekly_export_trigger(database: str) -> CronTrigger:
    """The cron trigger of the export_schedule setting, in the report's time zone (read at start)."""
    from .exporting import WEEKDAYS, parse_schedule

    with _opened(database) as db:
        weekday, hour, minute = parse_schedule(settings.get(db, "export_schedule"))
        tz = settings.timezone(db)
    return CronTrigger(day_of_week=WEEKDAYS[weekday].lower(), hour=hour, minute=minute, timezone=tz)


def _guarded(job, *args):
    """A failing run is logged and retried next time; it never stops the scheduler."""
    try:
        return job(*args)
    except Exception:  # noqa: BLE001 - a background job must survive anything
        log.exception("background job %s failed; it will run again", job.__name__)
        return None


def start(database: str, model_name: str | None) -> BackgroundScheduler:
    """Start the jobs. The model loads lazily, inside the worker's first understand run."""
    me = os.getpid()
    worker_pool = ProcessPoolExecutor(1, pool_kwargs={"initializer": _exit_with_server, "initargs": (me,)})
    scheduler = BackgroundScheduler(
        daemon=True,
        executors={"default": ThreadPoolExecutor(2), PIPELINE: worker_pool},
    )
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    scheduler.add_job(_guarded, "interval", seconds=PARSE_INTERVAL_S, args=[parse_job, database, me],
                      id="parse", executor=PIPELINE, **common)
    scheduler.add_job(_guarded, "interval", seconds=UNDERSTAND_INTERVAL_S, args=[understand_job, database, model_name, me],
                      id="understand", executor=PIPELINE, **common)
    scheduler.add_job(_guarded, "interval", hours=6, args=[retention_job, database], id="retention", **common)
    scheduler.add_job(_guarded, "interval", seconds=ROLLUP_INTERVAL_S, args=[rollup_job, database], id="rollups",
                      executor=PIPELINE, **common)
    scheduler.add_job(_guarded, weekly_export_trigger(database), args=[weekly_export_job, database], id="weekly-export",
                      **common)
    # Catch-up: a week missed while the computer was off or asleep is written once, now.
    scheduler.add_job(_guarded, args=[weekly_export_job, database], id="weekly-export-catch-up")
    scheduler.start()
    return scheduler
