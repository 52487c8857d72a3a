"""Feed simulator: a known recommender played against a simulated person.

``simulate(SimulationConfig(...))`` returns a :class:`SimulationResult`:

* ``events`` — time-ordered dicts in the server's ingest contract (issue 2):
  ``session`` (start, then end with active_ms), ``impression`` (platform,
  surface, page_url, session_id, rank, item {html, url, title}, sponsored),
  ``dwell`` (one cumulative update per impression), ``click`` and ``view``
  (time on the item page; under 30 s after clicking a clickbait item). Ids are
  UUIDs drawn from the seed, so the same config gives identical events. Batch
  them by at most 1000 to ``POST /api/v1/events``.
* ``truth`` — :class:`GroundTruth`: each impression's catalog item (true
  category, source, clickbait flag), the planted lift and window, the weekly
  category mix per platform, the impressions the person engaged with, and
  the person's ratings (±1 per rated item) and stated intentions.
* ``Simulation(config).session_batches()`` streams the same events session by
  session (for a year written straight to storage); ``variants`` > 1 makes
  ~variants × 288 distinct items ("… (part n)" titles).

Item HTML is described in :mod:`.markup`: realistic markup of each platform
(a YouTube home-grid item, a Reddit ``shreddit-post``, a Hacker News story
row) that the real parsers read, with ``data-feedaudit-sim`` attributes on the
root that mark the item as simulated. The recommender and person models, and
why the planted lift is exactly what the feedback-loop metric estimates, are
described in :mod:`.engine`. ``impressions_from_simulation`` and
``sessions_from_simulation`` build the analytics' inputs from the truth.
"""

from .catalog import CATALOG, CATEGORIES, CatalogItem, catalog_item, catalog_titles
from .convert import impressions_from_simulation, sessions_from_simulation
from .engine import (
    DEFAULT_FEEDS,
    Feed,
    GroundTruth,
    Person,
    Simulation,
    SimulationConfig,
    SimulationResult,
    boosted_mix,
    simulate,
    week_mix,
)
