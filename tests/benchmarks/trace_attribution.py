"""Main-thread time a content script causes, read from a Chromium performance trace.

The difference of two page scrolls' total task time (with and without the extension) swings
by about a second between runs on a 20-second scroll, as much as the effect measured. A
trace splits the renderer main thread into what can be told apart:

- **extension script**: every task that runs the extension's JavaScript (its callbacks,
  timers, listeners and the evaluation of its files: `FunctionCall`/`EvaluateScript` events
  whose script is a chrome-extension:// URL), including the native work those calls do
  synchronously (serializing HTML, posting messages, selector queries);
- **observer geometry**: `IntersectionObserverController::computeIntersections`, the
  browser's per-frame computation for every observed element (the page's own observers are
  the same in both runs, so the difference is the extension's);
- **garbage collection**.

Geometry and collections inside the extension's own calls already count as extension script.

Attributed time = extension script + the two differences. Times are the union of event
intervals per thread, so nested events are not counted twice, on the thread's CPU clock
(`tts`/`tdur`) when every counted event carries it: wall durations grow whenever another
process takes the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

MAIN_THREAD = "CrRendererMain"
SCRIPT_EVENTS = {"FunctionCall", "EvaluateScript"}
GEOMETRY_EVENT = "IntersectionObserverController::computeIntersections"
# The outermost collection events; the V8.GC_* phases nest inside them.
GC_EVENTS = {"MinorGC", "MajorGC", "V8.GCScavenger", "V8.GCFinalizeMC", "V8.GCIncrementalMarking",
             "V8.GCFinalizeMCReduceMemory", "V8.GCCompactor", "BlinkGC.AtomicPhase", "V8.GC_MC_INCREMENTAL"}
CATEGORIES = ",".join(["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "v8",
                       "disabled-by-default-v8.gc"])

Interval = tuple[float, float]


@dataclass(frozen=True)
class MainThreadTimes:
    """Milliseconds of renderer main-thread time by kind, for one traced page scroll."""

    extension_script: float
    geometry: float
    gc: float

    def attributed_over(self, baseline: "MainThreadTimes") -> float:
        """This run's extension cost against a run without the extension."""
        return self.extension_script + (self.geometry - baseline.geometry) + (self.gc - baseline.gc)


def main_threads(events: Iterable[dict]) -> set[tuple[int, int]]:
    return {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e.get("args", {}).get("name") == MAIN_THREAD}


def script_url(event: dict) -> str:
    data = event.get("args", {}).get("data") or {}
    return data.get("url") or ""


def union_ms(intervals: list[Interval]) -> float:
    """Total length of a set of intervals (microseconds in, milliseconds out), overlaps once."""
    total = 0.0
    end = float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total / 1000


def subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """The parts of `intervals` outside every interval of `holes`."""
    merged: list[list[float]] = []
    for start, stop in sorted(holes):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    result = []
    for start, stop in intervals:
        for hole_start, hole_stop in merged:
            if hole_stop <= start or hole_start >= stop:
                continue
            if hole_start > start:
                result.append((start, hole_start))
            start = max(start, hole_stop)
            if start >= stop:
                break
        if start < stop:
            result.append((start, stop))
    return result


def intervals_of(events: list[dict], thread_clock: bool) -> dict:
    by_thread: dict[tuple[int, int], list[Interval]] = {}
    for event in events:
        start, length = (event["tts"], event["tdur"]) if thread_clock else (event["ts"], event["dur"])
        by_thread.setdefault((event["pid"], event["tid"]), []).append((start, start + length))
    return by_thread


def main_thread_times(events: list[dict], extension_prefix: str) -> MainThreadTimes:
    threads = main_threads(events)
    complete = [e for e in events if e.get("ph") == "X" and "dur" in e and (e["pid"], e["tid"]) in threads]
    kinds = {
        "script": [e for e in complete if e["name"] in SCRIPT_EVENTS and script_url(e).startswith(extension_prefix)],
        "geometry": [e for e in complete if e["name"] == GEOMETRY_EVENT],
        "gc": [e for e in complete if e["name"] in GC_EVENTS],
    }
    thread_clock = all("tts" in e and "tdur" in e for counted in kinds.values() for e in counted)
    script, geometry, gc = (intervals_of(kinds[name], thread_clock) for name in ("script", "geometry", "gc"))
    return MainThreadTimes(
        extension_script=sum(union_ms(spans) for spans in script.values()),
        geometry=sum(union_ms(subtract(spans, script.get(thread, []))) for thread, spans in geometry.items()),
        gc=sum(union_ms(subtract(spans, script.get(thread, []))) for thread, spans in gc.items()),
    )
