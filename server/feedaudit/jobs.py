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

import logging
import os

from apscheduler.executors.pool import ProcessPoolExecutor, ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from . import enrichment, processing, settings, storage

log = logging.getLogger(__name__)

PARSE_INTERVAL_S = 2
UNDERSTAND_INTERVAL_S = 5
UNDERSTAND_CHUNKS_PER_RUN = 20
PIPELINE = "pipeline"

_embedders: dict = {}  # per worker process: model name -> Embedder, loaded once


def _server_gone(server_pid: int | None) -> bool:
    return server_pid is not None and os.getppid() != server_pid


def parse_job(database: str, server_pid: int | None = None) -> int:
    """Parse everything pending, a chunk at a time."""
    db = storage.connect(database, migrate=False)
    try:
        total = 0
        while not _server_gone(server_pid) and (done := processing.parse_pending(db)) > 0:
            total += done
        if total:
            log.info("parsed %d impressions", total)
        return total
    finally:
        db.close()


def understand_job(database: str, model_name: str | None = None, server_pid: int | None = None) -> int:
    """Embed, score and categorize what parsing produced, a bounded number of chunks per run."""
    from .understanding.embedder import Embedder

    _leave_a_core_for_requests()
    if model_name not in _embedders:
        _embedders[model_name] = Embedder(model_name)
    embedder = _embedders[model_name]
    db = storage.connect(database, migrate=False)
    try:
        total = 0
        for _ in range(UNDERSTAND_CHUNKS_PER_RUN):
            if _server_gone(server_pid):
                break
            done = enrichment.run_stages_once(db, embedder)
            total += done
            if not done:
                break
        return total
    finally:
        db.close()


def _leave_a_core_for_requests() -> None:
    """Inference uses all cores but one, so ingest stays fast while a backlog is embedded."""
    import torch

    wanted = max(1, (os.cpu_count() or 2) - 1)
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def retention_job(database: str) -> int:
    db = storage.connect(database, migrate=False)
    try:
        removed = processing.expire_raw_html(db, settings.get(db, "html_retention_days"))
        if removed:
            log.info("expired raw HTML of %d impressions", removed)
        return removed
    finally:
        db.close()


def _guarded(job, *args):
    """A failing run is logged and retried next time; it never stops the scheduler."""
    try:
        return job(*args)
    except Exception:  # noqa: BLE001 - a background job must survive anything
        log.exception("background job %s failed; it will run again", job.__name__)
        return None


def start(database: str, model_name: str | None) -> BackgroundScheduler:
    """Start the jobs. The model loads lazily, inside the worker's first understand run."""
    scheduler = BackgroundScheduler(
        daemon=True,
        executors={"default": ThreadPoolExecutor(2), PIPELINE: ProcessPoolExecutor(1)},
    )
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    me = os.getpid()
    scheduler.add_job(_guarded, "interval", seconds=PARSE_INTERVAL_S, args=[parse_job, database, me],
                      id="parse", executor=PIPELINE, **common)
    scheduler.add_job(_guarded, "interval", seconds=UNDERSTAND_INTERVAL_S, args=[understand_job, database, model_name, me],
                      id="understand", executor=PIPELINE, **common)
    scheduler.add_job(_guarded, "interval", hours=6, args=[retention_job, database], id="retention", **common)
    scheduler.start()
    return scheduler
