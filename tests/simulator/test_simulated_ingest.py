"""Simulated events go through the real ingest endpoint unchanged."""

import json

import sqlite_utils

from feedaudit.simulator import SimulationConfig, simulate

BATCH = 1000  # the contract's maximum events per POST


def test_simulation_is_accepted_by_the_server(app, client, auth):
    events = simulate(SimulationConfig(seed=2, days=2)).events
    for start in range(0, len(events), BATCH):
        response = client.post(
            "/api/v1/events",
            data=json.dumps({"events": events[start : start + BATCH]}),
            headers={**auth, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["accepted"] == len(events[start : start + BATCH])
        assert body["duplicates"] == 0
    impressions = sum(1 for event in events if event["type"] == "impression")
    closed = {event["id"]: event["active_ms"] for event in events if event["type"] == "session" and event["end_ts"]}
    db = sqlite_utils.Database(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM impressions").fetchone()[0] == impressions
    # The end event of a session updates the row its start event made.
    assert sorted(row[0] for row in db.execute("SELECT active_ms FROM sessions").fetchall()) == sorted(closed.values())
