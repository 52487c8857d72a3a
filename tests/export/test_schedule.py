"""The scheduled weekly export: the due week, catch-up after a restart, exactly one export, no sleeping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedaudit import exporting, jobs, settings, storage
from export_dataset import post_dataset

UTC = dt.timezone.utc


@pytest.fixture
def database(app, client, auth):
    """The hand-built dataset (week 2026-W02 in UTC) behind a database path, as the scheduler sees it."""
    post_dataset(client, auth)
    db = storage.connect(app.config["DATABASE"])
    settings.put(db, "timezone", "UTC")
    db.close()
    return app.config["DATABASE"]


def export_files(database) -> list[str]:
    return sorted(entry["name"] for entry in exporting.list_exports(Path(database).parent / "exports"))


def test_due_week_is_the_week_before_the_latest_scheduled_time():
    monday_9 = dt.datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert exporting.due_week(monday_9, "Mon 08:00", "UTC") == "2026-W02"
    # Before this Monday's 08:00 the latest run was a week ago, so the due week is the one before.
    assert exporting.due_week(monday_9.replace(hour=7), "Mon 08:00", "UTC") == "2026-W01"
    # 09:00 UTC is 10:00 in Berlin; 18:00 New York time on Sunday is Monday 00:00 UTC.
    assert exporting.due_week(monday_9, "Mon 10:30", "Europe/Berlin") == "2026-W01"
    assert exporting.due_week(dt.datetime(2026, 1, 19, 0, 0, tzinfo=UTC), "Sun 18:00", "America/New_York") == "2026-W02"


def test_a_missed_week_is_written_once_at_the_next_start(database):
    # The computer was off on Monday 2026-01-12 at 08:00 and starts on Tuesday: the catch-up writes W02.
    tuesday = dt.datetime(2026, 1, 13, 10, 0, tzinfo=UTC)
    first = jobs.weekly_export_job(database, now=tuesday)
    assert first["week"] == "2026-W02" and first["status"] == "written"
    assert export_files(database) == ["feedaudit-week-2026-W02.html", "feedaudit-week-2026-W02.json",
                                      "feedaudit-week-2026-W02.md"]
    written = {name: (Path(database).parent / "exports" / name).stat().st_mtime_ns for name in export_files(database)}
    # A restart the same week, and another the next day: nothing more is written.
    for restart in (tuesday + dt.timedelta(minutes=5), tuesday + dt.timedelta(days=1)):
        again = jobs.weekly_export_job(database, now=restart)
        assert again["status"] == "already done" and again["files"] == []
    assert {name: (Path(database).parent / "exports" / name).stat().st_mtime_ns
            for name in export_files(database)} == written


def test_a_file_deleted_after_the_run_stays_deleted(database):
    jobs.weekly_export_job(database, now=dt.datetime(2026, 1, 12, 8, 0, tzinfo=UTC))
    (Path(database).parent / "exports" / "feedaudit-week-2026-W02.md").unlink()
    assert jobs.weekly_export_job(database, now=dt.datetime(2026, 1, 14, tzinfo=UTC))["status"] == "already done"
    assert "feedaudit-week-2026-W02.md" not in export_files(database)


def test_a_week_without_data_is_recorded_but_not_written(database):
    record = jobs.weekly_export_job(database, now=dt.datetime(2026, 1, 19, 8, 0, tzinfo=UTC))
    assert (record["week"], record["status"], record["files"]) == ("2026-W03", "no data", [])
    assert export_files(database) == []
    assert exporting.read_state(Path(database).parent / "exports")["week"] == "2026-W03"


def test_configured_formats_and_switching_off(database):
    db = storage.connect(database)
    settings.put(db, "export_formats", ["md"])
    db.close()
    assert jobs.weekly_export_job(database, now=dt.datetime(2026, 1, 12, 8, 0, tzinfo=UTC))["files"] == [
        "feedaudit-week-2026-W02.md"]
    db = storage.connect(database)
    settings.put(db, "weekly_export", False)
    db.close()
    assert jobs.weekly_export_job(database, now=dt.datetime(2026, 1, 19, 8, 0, tzinfo=UTC))["status"] == "off"
    assert export_files(database) == ["feedaudit-week-2026-W02.md"]


def test_the_cron_trigger_follows_the_setting(database):
    db = storage.connect(database)
    settings.put(db, "export_schedule", "Wed 18:30")
    settings.put(db, "timezone", "Europe/Berlin")
    db.close()
    trigger = jobs.weekly_export_trigger(database)
    after = dt.datetime(2026, 1, 12, 12, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, after) == dt.datetime(2026, 1, 14, 18, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize("value", ["Monday 08:00", "Mon 8:00", "Mon 24:00", "", None, 5])
def test_bad_schedules_are_refused(database, value):
    db = storage.connect(database)
    with pytest.raises(settings.SettingError, match="Mon 08:00"):
        settings.put(db, "export_schedule", value)
    db.close()
