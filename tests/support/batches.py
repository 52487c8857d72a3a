"""Realistic event batches with unique ids, and a client that keeps every batch until acknowledged.

The client behaves like the extension's uploader: a batch leaves its queue only
after the server answered 200; a connection error or a 5xx keeps it queued and
the same batch (same event ids) is sent again later.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid

import requests

from support import events as ev

IMPRESSIONS_PER_BATCH = 8


def story_batch(serial: int, impressions: int = IMPRESSIONS_PER_BATCH) -> list[dict]:
    """One feed page's worth of events: impressions with their dwell, a click, a view and the session update."""
    # A session spans a few batches, as when scrolling; its id is a UUID like every event id.
    session_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"feedaudit-test-session-{serial // 5}"))
    ts = ev.BASE_TS + serial * 60_000
    batch = []
    for offset in range(impressions):
        story_id = serial * 100 + offset
        url = f"https://news.ycombinator.com/item?id={story_id}"
        title = f"Show HN: tool number {story_id} for auditing feeds"
        html = (f'<tr class="athing submission" id="{story_id}"><td class="title"><span class="titleline">'
                f'<a href="{url}">{title}</a></span></td></tr>')
        impression = ev.impression(rank=offset + 1, ts=ts + offset, url=url, title=title, html=html,
                                   session_id=session_id)
        batch += [impression, ev.dwell(impression["id"], 1000 + offset, ts=ts + 5000)]
    batch.append(ev.click(batch[0]["id"], ts=ts + 6000, href=batch[0]["item"]["url"]))
    batch.append(ev.view(ev.new_id(), 4000, impression_id=batch[0]["id"], ts=ts + 9000))
    batch.append(ev.session(session_id, active_ms=10_000 + serial, start_ts=ev.BASE_TS + (serial // 5) * 300_000,
                            ts=ts + 10_000))
    return batch


@dataclasses.dataclass
class Sent:
    batch: list[dict]
    answers: list[int] = dataclasses.field(default_factory=list)  # HTTP status per attempt, 0 = no answer

    @property
    def acknowledged(self) -> bool:
        return bool(self.answers) and self.answers[-1] == 200


class RetryingClient:
    """Posts batches in order; an unacknowledged batch is retried (same ids) before any new one."""

    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.session = requests.Session()
        self.sent: list[Sent] = []
        self.pending: list[Sent] = []
        self._serials = itertools.count()

    def post_next(self) -> int:
        """Send the oldest unacknowledged batch, or a new one; return the HTTP status (0: no answer)."""
        if not self.pending:
            sent = Sent(story_batch(next(self._serials)))
            self.sent.append(sent)
            self.pending.append(sent)
        sent = self.pending[0]
        try:
            response = self.session.post(f"{self.url}/api/v1/events", json={"events": sent.batch},
                                         headers=self.headers, timeout=self.timeout)
            status = response.status_code
        except requests.RequestException:
            status = 0
            self.session = requests.Session()  # the old connection died with the server
        sent.answers.append(status)
        if 400 <= status < 500:
            raise AssertionError(f"the server refused a valid batch: {response.text}")
        if status == 200:
            self.pending.pop(0)
        return status

    def acknowledged_events(self) -> list[dict]:
        return [event for sent in self.sent if sent.acknowledged for event in sent.batch]

    def all_events(self) -> list[dict]:
        return [event for sent in self.sent for event in sent.batch]
