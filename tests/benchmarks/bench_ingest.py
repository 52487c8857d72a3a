"""Ingest benchmark: events/s through the real HTTP API vs a direct sqlite-utils insert.

Run: .venv/bin/python tests/benchmarks/bench_ingest.py [--batches 40]
Both paths write the same rows into a database with Feed Audit's schema and
pragmas (WAL, synchronous=FULL), one transaction per batch of 500.
Target (issue 2): the API reaches at least 30% of the direct rate.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from feedaudit import ingest, storage  # noqa: E402
from results import emit  # noqa: E402
from support import events as ev  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402

BATCH_SIZE = 500
HTML_BYTES = 4096  # a typical stripped feed item


def make_batches(count: int, seed: int = 7) -> list[list[dict]]:
    rng = random.Random(seed)
    batches = []
    for b in range(count):
        batch = []
        for i in range(BATCH_SIZE):
            url = f"https://www.youtube.com/watch?v={rng.getrandbits(40):011x}"
            html = f'<ytd-rich-item-renderer><a href="{url}">{"x" * (HTML_BYTES - 80)}</a></ytd-rich-item-renderer>'
            batch.append(ev.impression(rank=i + 1, ts=ev.BASE_TS + b * 1000 + i, platform="youtube", surface="home",
                                       url=url, title=f"Video {b}-{i}", html=html, page_url="https://www.youtube.com/"))
        batches.append(batch)
    return batches


def api_rate(batches, workdir: Path) -> float:
    server = ServerProcess(workdir / "api").start()
    try:
        session = requests.Session()
        headers = server.auth_headers()
        session.post(f"{server.url}/api/v1/events", json={"events": batches[0][:1]}, headers=headers).raise_for_status()
        start = time.perf_counter()
        for batch in batches:
            response = session.post(f"{server.url}/api/v1/events", json={"events": batch}, headers=headers)
            response.raise_for_status()
        elapsed = time.perf_counter() - start
    finally:
        server.stop()
    return len(batches) * BATCH_SIZE / elapsed


def direct_rate(batches, workdir: Path) -> float:
    db = storage.connect(workdir / "direct.db")
    start = time.perf_counter()
    for batch in batches:
        impressions, html, items = [], [], []
        for e in batch:
            key = ingest.item_key(e["platform"], e["item"])
            impressions.append({"id": e["id"], "ts": e["ts"], "platform": e["platform"], "surface": e["surface"],
                                "page_url": e["page_url"], "session_id": e["session_id"], "rank": e["rank"], "item_key": key,
                                "url_hint": e["item"]["url"], "title_hint": e["item"]["title"], "received_ts": e["ts"]})
            html.append({"impression_id": e["id"], "html": e["item"]["html"]})
            items.append({"key": key, "platform": e["platform"], "url": e["item"]["url"], "title": e["item"]["title"],
                          "first_seen_ts": e["ts"]})
        with storage.write_transaction(db):
            db["impressions"].insert_all(impressions, batch_size=BATCH_SIZE, ignore=True)
            db["impression_html"].insert_all(html, batch_size=BATCH_SIZE, ignore=True)
            db["items"].insert_all(items, batch_size=BATCH_SIZE, ignore=True)
    elapsed = time.perf_counter() - start
    db.close()
    return len(batches) * BATCH_SIZE / elapsed


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    batches = make_batches(args.batches)
    with tempfile.TemporaryDirectory() as tmp:
        direct = direct_rate(batches, Path(tmp))
        api = api_rate(batches, Path(tmp))
    ratio = api / direct
    print(f"ingest: API {api:,.0f} events/s, direct sqlite-utils {direct:,.0f} events/s, ratio {ratio:.2f} (target >= 0.30)")
    emit("ingest through POST /api/v1/events", api, "events/s", direct, "≥ 0.30 of direct insert", ratio >= 0.30)
    return {"api_events_per_s": api, "direct_events_per_s": direct, "ratio": ratio}


if __name__ == "__main__":
    main()
