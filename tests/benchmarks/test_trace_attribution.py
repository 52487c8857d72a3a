"""The extension benchmark's trace attribution, on hand-made traces (microsecond timestamps)."""

from __future__ import annotations

import pytest

from trace_attribution import MainThreadTimes, main_thread_times, subtract, union_ms

EXT = "chrome-extension://abc/"


def thread(pid: int, tid: int, name: str = "CrRendererMain") -> dict:
    return {"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}}


def span(name: str, ts: float, dur: float, pid: int = 1, tid: int = 1, url: str | None = None) -> dict:
    event = {"ph": "X", "name": name, "ts": ts, "dur": dur, "pid": pid, "tid": tid, "args": {}}
    if url is not None:
        event["args"]["data"] = {"url": url}
    return event


def test_union_counts_overlaps_once():
    assert union_ms([(0, 1000), (500, 2000), (3000, 3500), (3100, 3200)]) == 2.5


def test_subtract_cuts_holes_out_of_intervals():
    assert subtract([(0, 1000), (2000, 3000)], [(200, 300), (250, 400), (900, 2100)]) == [(0, 200), (400, 900), (2100, 3000)]


def test_main_thread_times_of_a_hand_made_trace():
    events = [
        thread(1, 1), thread(1, 2, "ServiceWorker thread"),
        # Extension script: 2 ms + 1 ms (a nested call of its own counts once); the page's call is not its.
        span("FunctionCall", 0, 2000, url=EXT + "content/item-tracker.js"),
        span("FunctionCall", 500, 300, url=EXT + "content/outbox.js"),
        span("EvaluateScript", 10_000, 1000, url=EXT + "content/main.js"),
        span("FunctionCall", 20_000, 5000, url="https://www.youtube.com/app.js"),
        # Geometry: 3 ms in the lifecycle update.
        span("IntersectionObserverController::computeIntersections", 30_000, 3000),
        # Collections: 4 ms, of which 1 ms inside the extension's first call (already counted there).
        span("MinorGC", 1000, 2000),
        span("MajorGC", 40_000, 2000),
        span("V8.GC_MC_MARK", 40_500, 500),  # a phase inside the MajorGC: not a category, not counted
        # Another thread's work is not the page's main thread.
        span("FunctionCall", 50_000, 9000, tid=2, url=EXT + "background.js"),
    ]
    times = main_thread_times(events, EXT)
    assert times == MainThreadTimes(extension_script=3.0, geometry=3.0, gc=3.0)


def test_attributed_time_adds_the_differences_to_a_run_without_the_extension():
    with_extension = MainThreadTimes(extension_script=120.0, geometry=80.0, gc=50.0)
    without = MainThreadTimes(extension_script=0.0, geometry=20.0, gc=45.0)
    assert with_extension.attributed_over(without) == pytest.approx(120 + 60 + 5)


def test_the_thread_clock_is_used_when_every_counted_event_carries_it():
    events = [
        thread(1, 1),
        # Wall 10 ms, of which the thread ran 4 ms (the core was taken by another process).
        {**span("FunctionCall", 0, 10_000, url=EXT + "content/outbox.js"), "tts": 100, "tdur": 4000},
        {**span("MinorGC", 20_000, 3000), "tts": 5000, "tdur": 2000},
    ]
    assert main_thread_times(events, EXT) == MainThreadTimes(extension_script=4.0, geometry=0.0, gc=2.0)
    del events[2]["tts"]  # one event without it: wall time for all
    assert main_thread_times(events, EXT) == MainThreadTimes(extension_script=10.0, geometry=0.0, gc=3.0)
