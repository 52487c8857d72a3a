"""Background work for ``feedaudit serve`` (APScheduler): parsing now, more pipelines later.

Each job opens its own connection and does a bounded amount of work per run,
so a job never holds the write lock long and ingest stays fast. ``coalesce``
and ``max_instances=1`` stop runs from piling up when one takes long.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from . import enrichment, processing, settings, storage

log = logging.getLogger(__name__)

PARSE_INTERVAL_S = 2
UNDERSTAND_INTERVAL_S = 5
UNDERSTAND_CHUNKS_PER_RUN = 20


def parse_job(database: str) -> int:
    """Parse everything pending, a chunk at a time."""
    db = storage.connect(database, migrate=False)
    try:
        total = 0
        while (done := processing.parse_pending(db)) > 0:
            total += done
        if total:
            log.info("parsed %d impressions", total)
        return total
    finally:
        db.close()


def understand_job(database: str, embedder) -> int:
    """Embed, score and categorize what parsing produced, a bounded number of chunks per run."""
    _leave_a_core_for_requests()
    db = storage.connect(database, migrate=False)
    try:
        total = 0
        for _ in range(UNDERSTAND_CHUNKS_PER_RUN):
            done = enrichment.run_stages_once(db, embedder)
            total += done
            if not done:
                break
        return total
    finally:
        db.close()


def _leave_a_core_for_requests() -> None:
    """Inference in the server uses all cores but one, so ingest stays fast while a backlog is embedded."""
    import os

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


def start(database: str, embedder) -> BackgroundScheduler:
    """Start the jobs. The embedder loads its model lazily, inside the first understand run."""
    scheduler = BackgroundScheduler(daemon=True)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    scheduler.add_job(_guarded, "interval", seconds=PARSE_INTERVAL_S, args=[parse_job, database], id="parse", **common)
    scheduler.add_job(_guarded, "interval", seconds=UNDERSTAND_INTERVAL_S, args=[understand_job, database, embedder],
                      id="understand", **common)
    scheduler.add_job(_guarded, "interval", hours=6, args=[retention_job, database], id="retention", **common)
    scheduler.start()
    return scheduler
