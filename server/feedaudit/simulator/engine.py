"""Play a known recommender against a simulated person and record what the
extension would send.

The recommender (one per platform) draws each slot's category from the week's
category mix. After the person engages with category c it raises c's share by
``lift`` (absolute share points) for the next ``window`` impressions on that
platform, taking the room proportionally from the other categories; lift 0 is a
non-adaptive feed. ``narrowing`` > 0 makes the mix drift toward the person's
interests week by week: weight(c) ∝ base(c) · exp(narrowing · week · interest(c)).

The person skims at a steady pace (every skimmed item gets the same dwell, so
that pace is the person's median dwell) and now and then stops to look closely
at whatever is on screen; at such a moment they engage with an item of
category c with probability interest(c): they dwell longer and may click, then
watch or read for a while (under 30 s on a clickbait item, minutes otherwise).
The next close look comes window+1 … window+20 impressions later, or
2·window+1 … 2·window+20 after an engagement. That schedule ignores the
content, and it keeps each engagement's "before" window free of close looks
(no choice of what to engage with happens there) and of earlier boosts, and
its "after" window wholly boosted, so the feedback-loop metric's expected
value is exactly the planted lift. A person engages about once per 60–110
impressions, depending on their interests.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from dataclasses import dataclass, field

from .catalog import CATALOG, CATEGORIES, CatalogItem, catalog_item
from .markup import item_html, item_url

MS_PER_DAY = 86_400_000
MS_PER_HOUR = 3_600_000
MS_PER_WEEK = 7 * MS_PER_DAY
#: Monday 2026-01-05 00:00 UTC: simulated weeks line up with ISO weeks.
DEFAULT_START_MS = 1_767_571_200_000


@dataclass(frozen=True)
class Feed:
    """One platform's feed page and its base category weights (unlisted = 1)."""

    platform: str
    surface: str
    page_url: str
    weights: dict[str, float] = field(default_factory=dict)

    def base_mix(self) -> dict[str, float]:
        """Category shares of the feed before narrowing and boosts (sum 1)."""
        raw = {category: float(self.weights.get(category, 1.0)) for category in CATEGORIES}
        total = sum(raw.values())
        return {category: value / total for category, value in raw.items()}


DEFAULT_FEEDS = (
    Feed("youtube", "home", "https://www.youtube.com/",
         {"Gaming": 3, "Music": 3, "Comedy & Entertainment": 3, "Film & TV": 2, "Science": 1.5}),
    Feed("reddit", "home", "https://www.reddit.com/",
         {"News & Politics": 3, "Gaming": 2, "Pets & Animals": 2, "Technology": 2, "Science": 1.5}),
    Feed("hackernews", "front", "https://news.ycombinator.com/",
         {"Technology": 8, "Science": 4, "Business & Finance": 3, "Education & How-to": 2}),
)

DEFAULT_INTEREST = {
    "Science": 0.9, "Technology": 0.8, "Gaming": 0.6, "Food & Cooking": 0.6, "Music": 0.4,
}
BASELINE_INTEREST = 0.05


@dataclass(frozen=True)
class Person:
    """interest: P(engage | looked closely at an item of that category); others 0.05."""

    interest: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTEREST))
    skim_dwell_ms: int = 1500
    click_probability: float = 0.6
    night_session_probability: float = 0.15
    #: After reading or watching a clicked item the person rates it with this
    #: probability: regretted (−1) when it was clickbait, valued (+1) otherwise.
    rating_probability: float = 0.5
    #: What the person says they want (analytics.intended_shares format).
    intentions: dict[str, tuple[str, float | None]] = field(
        default_factory=lambda: {"News & Politics": ("at_most", 0.1), "Science": ("more", None)}
    )

    def interest_in(self, category: str) -> float:
        """P(engage | looked closely) for the category."""
        return float(self.interest.get(category, BASELINE_INTEREST))


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that shapes a simulation; the same config gives the same events.

    Per day and feed, ``sessions_per_day`` sessions of ``items_per_session``
    impressions start at random hours (UTC; some after midnight, see Person).
    Out-of-range values raise ValueError naming the field.
    """

    seed: int = 0
    start_ms: int = DEFAULT_START_MS
    days: int = 14
    feeds: tuple[Feed, ...] = DEFAULT_FEEDS
    person: Person = field(default_factory=Person)
    #: A heavy-ish user by default (~300 impressions per feed and day): over the demo's 28
    #: days the feedback loop then has the ≥ 20 engagement events a finding needs.
    sessions_per_day: int = 3
    items_per_session: tuple[int, int] = (60, 140)
    lift: float = 0.2
    window: int = 50
    narrowing: float = 0.0
    sponsored_probability: float = 0.04
    #: Numbered variants per catalog item (1 = the 288 catalog items only); e.g. 700
    #: gives ~200 000 distinct items for a benchmark.
    variants: int = 1

    def __post_init__(self):
        low, high = self.items_per_session
        checks = {
            "lift": 0.0 <= self.lift <= 1.0,
            "window": self.window >= 1,
            "days": self.days >= 0,
            "sessions_per_day": self.sessions_per_day >= 0,
            "items_per_session": 1 <= low <= high,
            "narrowing": self.narrowing >= 0.0,
            "sponsored_probability": 0.0 <= self.sponsored_probability <= 1.0,
            "variants": self.variants >= 1,
            "feeds": len({feed.platform for feed in self.feeds}) == len(self.feeds),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(f"invalid simulation setting(s): {', '.join(wrong)}")


@dataclass(frozen=True)
class GroundTruth:
    """What the simulation planted, for tests and the demo.

    impression_item: impression id → item index (``catalog_item(index)`` gives its
        true category, source and clickbait flag)
    engaged: impression ids where the person engaged (the feedback loop's events)
    weekly_mix: platform → week number (0-based) → category → share without boost
    """

    planted_lift: float
    window: int
    narrowing: float
    impression_item: dict[str, int]
    engaged: frozenset[str]
    weekly_mix: dict[str, dict[int, dict[str, float]]]
    #: The person's ratings: dicts with ts, impression_id, item_index, rating (±1).
    ratings: tuple[dict, ...] = ()
    intentions: dict[str, tuple[str, float | None]] = field(default_factory=dict)

    def category_of(self, impression_id: str) -> str:
        """True category of an impression's item."""
        return catalog_item(self.impression_item[impression_id]).category


@dataclass(frozen=True)
class SimulationResult:
    """The time-ordered events, the ground truth, and the config that made them."""
    events: list[dict]
    truth: GroundTruth
    config: SimulationConfig


def week_mix(feed: Feed, person: Person, narrowing: float, week: int) -> dict[str, float]:
    """The recommender's category mix in a given week (before any boost)."""
    raw = {
        category: share * math.exp(narrowing * week * person.interest_in(category))
        for category, share in feed.base_mix().items()
    }
    total = sum(raw.values())
    return {category: value / total for category, value in raw.items()}


def boosted_mix(mix: dict[str, float], category: str, lift: float) -> dict[str, float]:
    """``mix`` with ``category`` raised by ``lift`` (capped at 1), the others scaled down."""
    raised = min(mix[category] + lift, 1.0)
    rest = 1.0 - mix[category]
    scale = (1.0 - raised) / rest if rest > 0 else 0.0
    return {c: (raised if c == category else share * scale) for c, share in mix.items()}


class _Recommender:
    """Per-platform state: which category is boosted and for how many more slots."""

    def __init__(self, feed: Feed, config: SimulationConfig):
        self.feed, self.config = feed, config
        self.boosted: str | None = None
        self.boost_left = 0
        self._mixes: dict[int, dict[str, float]] = {}
        self._draw_tables: dict[tuple, tuple[list[str], list[float]]] = {}

    def mix_for_week(self, week: int) -> dict[str, float]:
        """The (cached) unboosted category mix of a week."""
        if week not in self._mixes:
            self._mixes[week] = week_mix(self.feed, self.config.person, self.config.narrowing, week)
        return self._mixes[week]

    def mixes_used(self) -> dict[int, dict[str, float]]:
        """Every weekly mix computed so far, by week."""
        return dict(sorted(self._mixes.items()))

    def next_category(self, week: int, rng: random.Random) -> str:
        """Draw the next slot's category (boosted while a boost lasts)."""
        boosted = self.boosted if self.boost_left > 0 else None
        if boosted is not None:
            self.boost_left -= 1
        categories, cumulative = self._cumulative(week, boosted)
        return categories[min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(categories) - 1)]

    def _cumulative(self, week: int, boosted: str | None) -> tuple[list[str], list[float]]:
        key = (week, boosted)
        if key not in self._draw_tables:
            mix = self.mix_for_week(week)
            if boosted is not None:
                mix = boosted_mix(mix, boosted, self.config.lift)
            self._draw_tables[key] = (list(mix), list(itertools.accumulate(mix.values())))
        return self._draw_tables[key]

    def engaged_with(self, category: str) -> None:
        """Boost ``category`` for the next ``window`` slots (no-op when lift is 0)."""
        if self.config.lift > 0:
            self.boosted, self.boost_left = category, self.config.window


_ITEMS_BY_CATEGORY = {c: [item for item in CATALOG if item.category == c] for c in CATEGORIES}


class Simulation:
    """A simulation in progress: stream it with :meth:`session_batches` (e.g. a
    year written straight to storage), then read :meth:`truth`."""

    def __init__(self, config: SimulationConfig):
        self.config = config
        self.rng = random.Random(config.seed)
        self._batch: list[dict] = []
        self.impression_item: dict[str, int] = {}
        self.engaged: set[str] = set()
        self.ratings: list[dict] = []
        # A separate stream, so that rating never changes what the feed and person do.
        self.rating_rng = random.Random(f"{config.seed}-ratings")
        self.recommenders = {feed.platform: _Recommender(feed, config) for feed in config.feeds}
        self.until_close_look = {feed.platform: self._look_gap() for feed in config.feeds}
        self.platform_free_at = {feed.platform: config.start_ms for feed in config.feeds}

    def new_id(self) -> str:
        """A UUID4 string drawn from the seeded stream."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _look_gap(self, engaged: bool = True) -> int:
        """Impressions until the next close look: past the after-window of an engagement, else past a window."""
        window = self.config.window
        reach = 2 * window if engaged else window
        return self.rng.randint(reach + 1, reach + 20)

    def session_batches(self):
        """Yield each session's events (time-ordered within the session), day by day.

        Sessions of different platforms may overlap in time, so the stream as a
        whole is not sorted; :meth:`run` sorts it. Iterate it once per Simulation.
        """
        for day in range(self.config.days):
            for feed in self.config.feeds:
                for start in self._session_starts(day):
                    self._batch = []
                    self._session(feed, max(start, self.platform_free_at[feed.platform]))
                    yield sorted(self._batch, key=lambda event: event["ts"])

    def truth(self) -> GroundTruth:
        """The ground truth of everything generated so far."""
        return GroundTruth(
            planted_lift=self.config.lift,
            window=self.config.window,
            narrowing=self.config.narrowing,
            impression_item=self.impression_item,
            engaged=frozenset(self.engaged),
            ratings=tuple(self.ratings),
            intentions=dict(self.config.person.intentions),
            weekly_mix={
                platform: {week: recommender.mix_for_week(week) for week in range(_weeks(self.config))}
                | dict(recommender.mixes_used())
                for platform, recommender in self.recommenders.items()
            },
        )

    def run(self) -> SimulationResult:
        """Generate everything and return the events sorted by time."""
        events = [event for batch in self.session_batches() for event in batch]
        events.sort(key=lambda event: event["ts"])
        return SimulationResult(events=events, truth=self.truth(), config=self.config)

    def _session_starts(self, day: int) -> list[int]:
        day_start = self.config.start_ms + day * MS_PER_DAY
        starts = []
        for _ in range(self.config.sessions_per_day):
            if self.rng.random() < self.config.person.night_session_probability:
                hour = self.rng.uniform(0, 4)
            else:
                hour = self.rng.uniform(7, 23)
            starts.append(day_start + int(hour * MS_PER_HOUR))
        return sorted(starts)

    def _session(self, feed: Feed, start_ms: int) -> None:
        session_id, now, active_ms = self.new_id(), start_ms, 0
        self._batch.append(_session_event(session_id, feed.platform, start_ms, None, 0))
        low, high = self.config.items_per_session
        for rank in range(1, self.rng.randint(low, high) + 1):
            week = (now - self.config.start_ms) // MS_PER_WEEK
            spent_in_feed, away = self._impression(feed, session_id, rank, now, week)
            active_ms += spent_in_feed
            now += spent_in_feed + away
        self._batch.append(_session_event(session_id, feed.platform, start_ms, now, active_ms))
        # The next session on this platform starts after this one: one feed, one sequence.
        self.platform_free_at[feed.platform] = now + 60_000

    def _impression(self, feed: Feed, session_id: str, rank: int, now: int, week: int) -> tuple[int, int]:
        """Emit one impression and what followed; returns (feed ms, ms away on the item page)."""
        recommender, person = self.recommenders[feed.platform], self.config.person
        category = recommender.next_category(week, self.rng)
        item = self.rng.choice(_ITEMS_BY_CATEGORY[category])
        if self.config.variants > 1:
            item = catalog_item(item.index + len(CATALOG) * self.rng.randrange(self.config.variants))
        sponsored = self.rng.random() < self.config.sponsored_probability
        impression_id = self.new_id()
        self.impression_item[impression_id] = item.index
        self._batch.append(_impression_event(impression_id, now, feed, session_id, rank, item, sponsored))
        looking = self._close_look(feed.platform)
        engaged = looking and self.rng.random() < person.interest_in(category)
        if looking:
            self.until_close_look[feed.platform] = self._look_gap(engaged)
        dwell = person.skim_dwell_ms
        away = 0
        if engaged:
            self.engaged.add(impression_id)
            recommender.engaged_with(category)
            dwell += int(4_000 + person.interest_in(category) * self.rng.uniform(5_000, 30_000))
            if self.rng.random() < person.click_probability:
                away = self._click(feed, impression_id, item, now + dwell)
        self._batch.append(_dwell_event(self.new_id(), now + dwell, impression_id, dwell))
        gap = self.rng.randint(300, 900)
        return dwell + gap, away

    def _close_look(self, platform: str) -> bool:
        self.until_close_look[platform] -= 1
        return self.until_close_look[platform] <= 0

    def _click(self, feed: Feed, impression_id: str, item: CatalogItem, click_ts: int) -> int:
        url = item_url(feed.platform, item)
        self._batch.append({
            "type": "click", "id": self.new_id(), "ts": click_ts, "impression_id": impression_id,
            "href": url, "button": 0, "modifiers": [],
        })
        consumed = self.rng.randint(4_000, 25_000) if item.clickbait else self.rng.randint(60_000, 600_000)
        self._batch.append({
            "type": "view", "id": self.new_id(), "ts": click_ts + consumed, "platform": feed.platform,
            "url": url, "impression_id": impression_id, "active_ms": consumed,
        })
        if self.rating_rng.random() < self.config.person.rating_probability:
            self.ratings.append({
                "ts": click_ts + consumed, "impression_id": impression_id, "item_index": item.index,
                "rating": -1 if item.clickbait else 1,
            })
        return consumed


def _weeks(config: SimulationConfig) -> int:
    return max(1, math.ceil(config.days / 7))


def _session_event(session_id: str, platform: str, start: int, end: int | None, active_ms: int) -> dict:
    return {
        "type": "session", "id": session_id, "ts": end if end is not None else start,
        "platform": platform, "start_ts": start, "end_ts": end, "active_ms": active_ms,
    }


def _impression_event(impression_id, ts, feed: Feed, session_id, rank, item: CatalogItem, sponsored) -> dict:
    return {
        "type": "impression", "id": impression_id, "ts": ts, "platform": feed.platform,
        "surface": feed.surface, "page_url": feed.page_url, "session_id": session_id, "rank": rank,
        "item": {"html": item_html(feed.platform, item, sponsored), "url": item_url(feed.platform, item),
                 "title": item.title},
        "sponsored": sponsored,
    }


def _dwell_event(event_id, ts, impression_id, visible_ms) -> dict:
    return {"type": "dwell", "id": event_id, "ts": ts, "impression_id": impression_id, "visible_ms": visible_ms}


def simulate(config: SimulationConfig | None = None) -> SimulationResult:
    """Run the simulation; the same config (seed included) gives the same events."""
    return Simulation(config or SimulationConfig()).run()
