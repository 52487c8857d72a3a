"""Extension benchmark: main-thread time the content script adds while scrolling feeds.

Run: .venv/bin/python tests/benchmarks/bench_extension.py [--rounds 3] [--pages NAME ...]
     [--items 1000] [--extension DIR] [--compare OTHER_DIR] [--trace] [--sampling] [--smooth] [--profile 15]

A Chromium with the extension loaded (paired with a real `feedaudit serve`, product
timings) scrolls each page screen by screen, 1.1 s per screen (so items become
impressions), twice per round: at the page's real address, where the content script
records, and at the same path on an unmatched host, where it does not run. Rounds
alternate which side goes first. Pages:

- the real saved pages of ../shared/fixtures/pages/ (Hacker News, old and new Reddit,
  YouTube home and search, Google News), served without their scripts;
- `youtube-infinite`: a YouTube-home-shaped feed whose own script appends items built
  from the real saved YouTube markup (both the older rich-grid and the newer lockup
  markup) as the person nears the bottom, 24 per continuation like YouTube, lazily sets
  thumbnails and moves a continuation spinner, up to --items items: the site-script work
  of infinite scroll (real YouTube does far more, so its share would be lower);
- `synthetic-hn`: the session-1 page, --items Hacker-News-shaped rows and no script.
Each scroll runs from the first feed item to the last (the saved pages' sidebars are not the feed).

Figures, per page, medians over the rounds:
- added main-thread time = TaskDuration (CDP Performance metrics of the renderer in thread
  CPU time, from before the page loads until 1.5 s after the last screen) with the
  extension minus without it, in the same round; its share = added / median time without
  the extension; per item = added / number of feed items on the page;
- with --sampling (or --profile), extension JavaScript = the share of the busy CPU-profiler
  samples that fall in functions from chrome-extension:// URLs, times the run's TaskDuration
  (a lower bound: native work it causes, such as IntersectionObserver geometry and garbage
  collection, is not attributed). The profiler is off by default: its interrupts slow
  JavaScript (the extension's script took 130 ms without it and 170 ms with it on the
  synthetic HN page), so only the run with the extension pays for it;
- with --trace, the main-thread time attributed to the extension (trace_attribution.py).
  Tracing also slows JavaScript a little (an event per call): the added TaskDuration of a
  traced run is higher than an untraced one.
With --compare, a second build (e.g. the previous version) runs in its own Chromium in the
same rounds, interleaved, and the two are compared page by page.
Targets (issue 3): under 5% added main-thread time and under 1 ms per item.
The difference of two noisy totals is noisy on a shared machine: compare the columns of
one run, not figures from different runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parents[1] / "browser"))

from extension_harness import (  # noqa: E402
    CHROMIUM_ARGS, EXTENSION_DIR, ExtensionBrowser, Web, chromium_path, playwright_sync, without_scripts,
)
from support.fixture_pages import PAGE_URLS, PAGES_DIR  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402

import results as bench_results  # noqa: E402  (tests/benchmarks/results.py: one RESULT line per headline figure)
import trace_attribution  # noqa: E402

UNRECORDED_HOST = "unrecorded.example"
SCREEN_SECONDS = 1.1  # > 1 s: every item on a screen qualifies as an impression
# --smooth: the browser animates each screen's scroll (~0.3-0.5 s), drawing frames all along,
# as wheel and touch scrolling do; the rest still gives each screen's items their second.
SMOOTH_SCREEN_SECONDS = 1.6
SETTLE_SECONDS = 1.5  # after the last screen: its impressions fire inside the measured window
VIEWPORT = {"width": 1280, "height": 800}
PROFILER_INTERVAL_US = 250
METRICS = ("TaskDuration", "ScriptDuration")
# The sites' stylesheets are not served; without them inline SVG icons render at 300x150.
STAND_IN_CSS = "<style>svg { width: 16px; height: 16px; } img { max-height: 120px; }</style>"
# YouTube's own stylesheet lays items out as a grid of fixed-size cards; without a stand-in
# every thumbnail takes the whole width and the home page grows to 200 screens.
YT_DOCUMENT = (
    "<!doctype html><html><head><title>YouTube</title><style>"
    "ytd-rich-grid-row #contents { display: flex; } ytd-rich-item-renderer { display: block; width: 25%; }"
    "ytd-rich-item-renderer, ytd-video-renderer, ytd-ad-slot-renderer, yt-lockup-view-model, ytd-shelf-renderer,"
    " ytd-reel-shelf-renderer, ytd-rich-section-renderer { display: block; max-height: 320px; overflow: hidden; }"
    "img { width: 100%; max-width: 360px; height: auto; }"
    "tp-yt-app-drawer, ytd-masthead, ytd-watch-flexy { display: none; }"  # guide, header, a kept watch page
    "</style></head><body>{}</body></html>"
)
REAL_PAGES = {
    "hn-front": "hackernews/oscanweb_hn-front_2026-04-26.html",
    "old-reddit": "reddit/old-reddit_r-Python_2024-10-18.html",
    "reddit-search": "reddit/shreddit_search_GGAL_2025-07.html",
    "youtube-home": "youtube/trex_home_a09ba9af32_2022-03-24_en-US.html",
    "youtube-search": "youtube/x10tube_search_javascript-tutorial_2026-01.html",
    "google-news-search": "news/google-news_search_NVDA_2025-05-21.html",
}
INFINITE_URL = "https://www.youtube.com/?bench=infinite"  # the home surface; its own address
SYNTHETIC_URL = "https://news.ycombinator.com/news"  # the front surface; its own address
SITES = json.loads((EXTENSION_DIR / "sites.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Options:
    """How each scroll is measured (the command line's flags)."""

    trace: bool = False  # trace it and attribute main-thread time to the extension
    sampling: bool = False  # run the CPU profiler (its interrupts slow the extension's JavaScript)
    smooth: bool = False  # animate each screen's scroll, as wheel and touch scrolling do


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    build: Callable[[], str]

    @property
    def unrecorded_url(self) -> str:
        """The same path on a host the content script never runs on (one host per page)."""
        parts = urlsplit(self.url)
        return parts._replace(netloc=f"{self.name}.{UNRECORDED_HOST}").geturl()


# ---------------------------------------------------------------- pages


def real_page(name: str, fixture: str) -> Page:
    def build() -> str:
        html = without_scripts((PAGES_DIR / fixture).read_text(encoding="utf-8", errors="replace"))
        if "<html" not in html[:2000].lower():
            html = YT_DOCUMENT.replace("{}", html)  # YouTube captures are ytd-app fragments
        return STAND_IN_CSS + html

    return Page(name, PAGE_URLS[fixture], build)


def synthetic_hn_document(items: int) -> str:
    """HN-shaped rows with the usual clutter: links, spans, an icon, an image; no script."""
    rows = []
    for n in range(1, items + 1):
        rows.append(
            f'<tr class="athing submission" id="{n}"><td class="title"><span class="rank">{n}.</span>'
            f'<a class="vote" href="vote?id={n}"><svg viewBox="0 0 10 10"><path d="M0 10L5 0L10 10z"/></svg></a>'
            f'<span class="titleline"><a href="https://example.com/story/{n}">Story number {n} about things</a>'
            f'<span class="sitebit"> (<a href="from?site=example.com">example.com</a>)</span></span>'
            f'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1"></td></tr>'
            f'<tr><td class="subtext"><span class="score">{n * 3} points</span> by <a href="user?id=u{n}">u{n}</a>'
            f' <span class="age">{n} hours ago</span> | <a href="item?id={n}">{n % 50} comments</a></td></tr>'
        )
    return (
        "<!doctype html><html><head><title>Feed</title><style>"
        "body { margin: 0; } tr.athing td { height: 22px; } svg { width: 10px; height: 10px; }"
        "</style></head><body><table id='feed'>" + "".join(rows) + "</table></body></html>"
    )




def youtube_item_templates() -> list[str]:
    """Real YouTube home-grid items (2022 rich-grid and current lockup markup), scripts
    removed, the video id replaced by a placeholder and thumbnails made lazy."""
    templates = []
    for fixture in ("youtube/trex_home_a09ba9af32_2022-03-24_en-US.html",
                    "youtube/vulpelo_fragment_video_element_NORMAL-1.html",
                    "youtube/vulpelo_fragment_video_element_LIVE-3.html"):
        soup = BeautifulSoup(without_scripts((PAGES_DIR / fixture).read_text(encoding="utf-8")), "lxml")
        for item in soup.select("ytd-rich-item-renderer"):
            if item.find_parent("ytd-rich-item-renderer") or not item.select_one("a[href*='/watch?v=']"):
                continue
            for image in item.select("img[src]"):
                image["data-thumb"] = image.attrs.pop("src")
            ids = set(re.findall(r"/watch\?v=([A-Za-z0-9_-]{11})", str(item)))
            html = str(item)
            for video_id in ids:
                html = html.replace(video_id, "__VIDEO_ID__")
            templates.append(html)
    return templates


INFINITE_SCRIPT = """
(() => {
  const templates = JSON.parse(document.getElementById('templates').textContent);
  const total = Number(document.body.dataset.items), perContinuation = 24;
  const contents = document.getElementById('contents');
  const spinner = document.createElement('ytd-continuation-item-renderer');
  spinner.textContent = 'Loading...';
  let appended = 0, loading = false;
  const videoId = (n) => ('v' + n.toString(36).padStart(10, '0')).slice(-11);
  const thumbnails = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      for (const image of entry.target.querySelectorAll('img[data-thumb]')) {
        image.src = image.dataset.thumb;
        image.removeAttribute('data-thumb');
      }
      thumbnails.unobserve(entry.target);
    }
  }, { rootMargin: '800px 0px' });
  function appendContinuation() {
    spinner.remove();
    const batch = [];
    for (let i = 0; i < perContinuation && appended < total; i += 1, appended += 1) {
      batch.push(templates[appended % templates.length].replaceAll('__VIDEO_ID__', videoId(appended)));
    }
    const before = contents.children.length;
    contents.insertAdjacentHTML('beforeend', batch.join(''));
    for (const item of [...contents.children].slice(before)) thumbnails.observe(item);
    if (appended < total) contents.append(spinner);
    document.getElementById('count').textContent = appended + ' videos';
  }
  function nearBottom() {
    return innerHeight + scrollY > document.documentElement.scrollHeight - 2 * innerHeight;
  }
  // Continuations arrive a little after the request, as from the network.
  addEventListener('scroll', () => {
    if (loading || appended >= total || !nearBottom()) return;
    loading = true;
    setTimeout(() => { appendContinuation(); loading = false; }, 50);
  }, { passive: true });
  appendContinuation();
  appendContinuation();
})();
"""

INFINITE_CSS = """
body { margin: 0; font: 14px Roboto, Arial, sans-serif; }
#masthead { position: sticky; top: 0; height: 56px; background: #fff; z-index: 1; }
#contents { display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; padding: 0 16px; }
ytd-rich-item-renderer { display: block; height: 300px; overflow: hidden; }
img { display: block; width: 100%; height: 170px; object-fit: cover; background: #ddd; }
svg, yt-icon { width: 16px; height: 16px; } [hidden] { display: none; }
"""


def infinite_youtube_document(items: int) -> str:
    templates = json.dumps(youtube_item_templates()).replace("</", "<\\/")
    return (
        f"<!doctype html><html><head><title>YouTube</title><style>{INFINITE_CSS}</style></head>"
        f"<body data-items='{items}'><ytd-app><div id='masthead'>YouTube <span id='count'></span></div>"
        "<ytd-page-manager id='page-manager'><ytd-browse role='main' page-subtype='home'>"
        "<ytd-rich-grid-renderer><div id='contents'></div></ytd-rich-grid-renderer></ytd-browse>"
        "</ytd-page-manager></ytd-app>"
        f"<script type='application/json' id='templates'>{templates}</script>"
        f"<script>{INFINITE_SCRIPT}</script></body></html>"
    )


def all_pages(items: int) -> list[Page]:
    pages = [real_page(name, fixture) for name, fixture in REAL_PAGES.items()]
    pages.append(Page("youtube-infinite", INFINITE_URL, lambda: infinite_youtube_document(items)))
    pages.append(Page("synthetic-hn", SYNTHETIC_URL, lambda: synthetic_hn_document(items)))
    return pages


# ---------------------------------------------------------------- site definitions


def item_selector(url: str) -> str:
    """The feed-item selector the content script uses at this address (sites.json)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    for platform in SITES["platforms"]:
        hosts = {urlsplit(pattern.replace("*", "x", 1)).hostname for pattern in platform.get("matches", [])}
        if parts.hostname not in hosts:
            continue
        for surface in platform.get("surfaces", []):
            if re.search(surface["url"], target):
                return ", ".join(surface["items"])
    raise ValueError(f"no feed surface in sites.json for {url}")


COUNT_ITEMS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((element) => !element.parentElement?.closest(selector)).length"""


# ---------------------------------------------------------------- measuring


FEED_RANGE = """(selector) => {
  const boxes = [...document.querySelectorAll(selector)].map((e) => e.getBoundingClientRect());
  if (boxes.length === 0) return [0, 0];
  return [Math.min(...boxes.map((b) => b.top)) + scrollY, Math.max(...boxes.map((b) => b.bottom)) + scrollY];
}"""


def scroll_through(page, selector: str, smooth: bool = False) -> int:
    """Scroll screen by screen from the first feed item to the last (the feed grows as the
    site appends items); the rest of a saved page (sidebars, a kept watch page, shown
    without the site's stylesheet) is not the feed. Each screen is one jump, drawn in one
    frame, unless `smooth`."""
    viewport = page.evaluate("innerHeight")
    top = max(0, int(page.evaluate(FEED_RANGE, selector)[0]) - viewport // 4)
    screens = 0
    behavior = "smooth" if smooth else "auto"  # auto: as scrollTo(0, y), which earlier figures used
    while screens == 0 or top < page.evaluate(FEED_RANGE, selector)[1]:
        page.evaluate("([y, behavior]) => window.scrollTo({top: y, behavior})", [top, behavior])
        page.wait_for_timeout((SMOOTH_SCREEN_SECONDS if smooth else SCREEN_SECONDS) * 1000)
        top += viewport
        screens += 1
    page.wait_for_timeout(SETTLE_SECONDS * 1000)
    return screens


def measure(browser: ExtensionBrowser, url: str, extension_prefix: str, selector: str, options: Options) -> dict:
    """Open a same-site blank page first, so the counters start before the feed loads.
    With `options.sampling` the CPU profiler runs (its interrupts slow JavaScript, so the
    run with the extension pays more for it than the run without)."""
    page = browser.context.new_page()
    page.set_viewport_size(VIEWPORT)
    page.goto(blank_url(url))
    session = browser.context.new_cdp_session(page)
    # Thread CPU time, not wall time: on a shared machine the renderer waits for a core a lot.
    session.send("Performance.enable", {"timeDomain": "threadTicks"})
    if options.sampling:
        session.send("Profiler.enable")
        session.send("Profiler.setSamplingInterval", {"interval": PROFILER_INTERVAL_US})
    trace_done: dict = {}
    if options.trace:
        session.on("Tracing.tracingComplete", lambda event: trace_done.update(event))
        session.send("Tracing.start", {"categories": trace_attribution.CATEGORIES, "transferMode": "ReturnAsStream"})
    before = metrics(session)
    if options.sampling:
        session.send("Profiler.start")
    page.goto(url)
    screens = scroll_through(page, selector, options.smooth)
    profile = session.send("Profiler.stop")["profile"] if options.sampling else None
    after = metrics(session)
    times = None
    if options.trace:
        session.send("Tracing.end")
        while not trace_done:
            page.wait_for_timeout(100)
        times = trace_attribution.main_thread_times(read_trace(session, trace_done["stream"]), extension_prefix)
    items = page.evaluate(COUNT_ITEMS, selector)
    session.detach()
    page.close()
    result = {name: (after[name] - before[name]) * 1000 for name in METRICS}
    return result | {"screens": screens, "items": items, "profile": profile, "times": times,
                     "extension_ms": extension_share(profile, extension_prefix) * result["TaskDuration"] if profile else 0.0}


def read_trace(session, stream: str) -> list[dict]:
    chunks = []
    while True:
        chunk = session.send("IO.read", {"handle": stream, "size": 1 << 22})
        chunks.append(base64.b64decode(chunk["data"]) if chunk.get("base64Encoded") else chunk["data"].encode())
        if chunk.get("eof"):
            break
    session.send("IO.close", {"handle": stream})
    data = json.loads(b"".join(chunks))
    return data["traceEvents"] if isinstance(data, dict) else data


def blank_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/feedaudit-bench-blank"


def metrics(session) -> dict:
    return {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}


def self_times(profile: dict) -> dict[int, float]:
    """Milliseconds of samples per profile node (each sample lasts until the next one)."""
    times: dict[int, float] = {}
    samples, deltas = profile.get("samples", []), profile.get("timeDeltas", [])
    for index, node_id in enumerate(samples[:-1]):
        times[node_id] = times.get(node_id, 0.0) + deltas[index + 1] / 1000
    return times


def extension_share(profile: dict, prefix: str) -> float:
    """The extension's functions' share of the busy (not idle) samples: profiler samples are
    wall-clock, so the share (not the sum) carries over to the thread's CPU time."""
    times = self_times(profile)
    extension = busy = 0.0
    for node in profile["nodes"]:
        ms = times.get(node["id"], 0.0)
        if node["callFrame"]["functionName"] != "(idle)":
            busy += ms
        if node["callFrame"]["url"].startswith(prefix):
            extension += ms
    return extension / busy if busy else 0.0


def top_functions(profile: dict, prefix: str, count: int) -> list[tuple[float, str]]:
    times = self_times(profile)
    by_function: dict[str, float] = {}
    for node in profile["nodes"]:
        frame = node["callFrame"]
        if not frame["url"].startswith(prefix):
            continue
        name = f"{frame['functionName'] or '(anonymous)'} {frame['url'].removeprefix(prefix)}:{frame['lineNumber'] + 1}"
        by_function[name] = by_function.get(name, 0.0) + times.get(node["id"], 0.0)
    return sorted(((ms, name) for name, ms in by_function.items()), reverse=True)[:count]


# ---------------------------------------------------------------- running


def launch(playwright, scratch: Path, extension: Path, web: Web):
    context = playwright.chromium.launch_persistent_context(
        str(scratch / "profile"), executable_path=chromium_path(), headless=True,
        args=[f"--disable-extensions-except={extension}", f"--load-extension={extension}", *CHROMIUM_ARGS],
        viewport=VIEWPORT,
    )
    context.route(re.compile(r"^https?://(?!(?:127\.0\.0\.1|localhost)[:/])"), web.handle)
    return context


def serve_pages(web: Web, pages: list[Page]) -> None:
    for page in pages:
        html = page.build()
        for url in (page.url, page.unrecorded_url):
            web.add(url, html)
            web.add(blank_url(url), "<!doctype html><title>blank</title>")


@dataclass
class Build:
    """One unpacked extension under test, in its own Chromium and paired with its own server."""

    label: str
    directory: Path
    server: ServerProcess | None = None
    context: object = None
    browser: ExtensionBrowser | None = None

    def start(self, playwright, scratch: Path, web: Web) -> None:
        self.server = ServerProcess(scratch / self.label / "data").start()
        self.context = launch(playwright, scratch / self.label, self.directory, web)
        self.browser = ExtensionBrowser(self.context, web)
        self.browser.pair(self.server, fast=False)  # the product's timings

    @property
    def prefix(self) -> str:
        return f"chrome-extension://{self.browser.extension_id}/"

    def stop(self) -> dict[str, int]:
        """Impressions stored per page address."""
        self.browser.sleep(6)  # the last dwell updates reach the server
        impressions = count_impressions(self.server.db_path)
        self.context.close()
        self.server.stop()
        return impressions


def run(pages: list[Page], rounds: int, builds: list[Build], profile_top: int, options: Options) -> None:
    web = Web()
    serve_pages(web, pages)
    results = {(build.label, page.name): {"with": [], "without": []} for build in builds for page in pages}
    with tempfile.TemporaryDirectory() as scratch, playwright_sync.sync_playwright() as playwright:
        for build in builds:
            build.start(playwright, Path(scratch), web)
        for round_number in range(rounds):
            for page in pages:
                for build in builds if round_number % 2 == 0 else builds[::-1]:
                    order = [("with", page.url), ("without", page.unrecorded_url)]
                    if round_number % 2:
                        order.reverse()  # alternate, so warm-up effects do not favour one side
                    for label, url in order:
                        result = measure(build.browser, url, build.prefix, item_selector(page.url), options)
                        results[(build.label, page.name)][label].append(result)
                        print_run(round_number, build, page, label, result, profile_top if round_number == rounds - 1 else 0)
        impressions = {build.label: build.stop() for build in builds}
    for build in builds:
        report(build.label, pages, {page.name: results[(build.label, page.name)] for page in pages},
               impressions[build.label], rounds)
    if len(builds) == 2:
        compare(pages, results, builds)
    emit_headline_figures({page.name: summarize(results[(builds[0].label, page.name)]) for page in pages})


def print_run(round_number: int, build: Build, page: Page, label: str, result: dict, profile_top: int) -> None:
    print(f"round {round_number + 1} {build.label:>8} {page.name:>18} {label:>7}: {result['screens']:3d} screens,"
          f" {result['items']:4d} items, task {result['TaskDuration']:8.1f} ms,"
          f" script {result['ScriptDuration']:8.1f} ms, extension JS {result['extension_ms']:6.1f} ms", flush=True)
    if result["times"]:
        times = result["times"]
        print(f"      trace: extension script {times.extension_script:7.1f} ms, observer geometry {times.geometry:7.1f} ms,"
              f" garbage collection {times.gc:7.1f} ms", flush=True)
    if profile_top and label == "with" and result["profile"]:
        for ms, name in top_functions(result["profile"], build.prefix, profile_top):
            print(f"      {ms:7.1f} ms wall  {name}")
    result.pop("profile")


def compare(pages: list[Page], results: dict, builds: list[Build]) -> None:
    first, second = builds
    print(f"\n{second.label} / {first.label}, same run: added main-thread time and extension JavaScript")
    for page in pages:
        a, b = summarize(results[(first.label, page.name)]), summarize(results[(second.label, page.name)])
        print(f"{page.name:>18}: added {b['added']:7.1f} vs {a['added']:7.1f} ms ({ratio(b['added'], a['added'])}),"
              f" extension JS {b['extension_js']:6.1f} vs {a['extension_js']:6.1f} ms"
              f" ({ratio(b['extension_js'], a['extension_js'])})")
        if a["traced"] and b["traced"]:
            print(f"{'':>18}  attributed (trace) {b['attributed']:7.1f} vs {a['attributed']:7.1f} ms"
                  f" ({ratio(b['attributed'], a['attributed'])}): script {b['script']:6.1f} vs {a['script']:6.1f},"
                  f" geometry +{b['geometry']:6.1f} vs +{a['geometry']:6.1f}, GC +{b['gc']:6.1f} vs +{a['gc']:6.1f}")


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator > 0 else "n/a"


def count_impressions(db_path: Path) -> dict[str, int]:
    connection = sqlite3.connect(db_path)
    try:
        return dict(connection.execute("SELECT page_url, count(*) FROM impressions GROUP BY page_url").fetchall())
    finally:
        connection.close()


def summarize(runs: dict) -> dict:
    """Medians over rounds; the added time is the median of the per-round differences."""
    pairs = list(zip(runs["with"], runs["without"]))
    without = statistics.median(r["TaskDuration"] for r in runs["without"])
    added = statistics.median(w["TaskDuration"] - o["TaskDuration"] for w, o in pairs)
    added_script = statistics.median(w["ScriptDuration"] - o["ScriptDuration"] for w, o in pairs)
    extension_js = statistics.median(r["extension_ms"] for r in runs["with"])
    items = runs["with"][0]["items"]
    summary = {"items": items, "without": without, "added": added, "added_script": added_script,
               "extension_js": extension_js, "share": added / without, "js_share": extension_js / without,
               "per_item": added / max(items, 1), "script_per_item": added_script / max(items, 1),
               "js_per_item": extension_js / max(items, 1),
               "traced": all(r["times"] for r in runs["with"] + runs["without"])}
    if summary["traced"]:
        attributed = statistics.median(w["times"].attributed_over(o["times"]) for w, o in pairs)
        summary |= {
            "attributed": attributed, "attributed_share": attributed / without, "attributed_per_item": attributed / max(items, 1),
            "script": statistics.median(w["times"].extension_script for w, _ in pairs),
            "geometry": statistics.median(w["times"].geometry - o["times"].geometry for w, o in pairs),
            "gc": statistics.median(w["times"].gc - o["times"].gc for w, o in pairs),
        }
    return summary


def report(label: str, pages: list[Page], results: dict, impressions: dict, rounds: int) -> None:
    print(f"\n{label}: medians over {rounds} rounds (ms of renderer main-thread time per page scroll; shared machine)")
    header = (f"{'page':>18} {'items':>5} {'impr':>5} {'without':>8} {'added':>7} {'share':>7} {'ms/item':>7}"
              f" {'+script':>7} {'ext JS':>7} {'JS share':>8} {'JS/item':>7}")
    print(header)
    summaries = {page.name: summarize(results[page.name]) for page in pages}
    for page in pages:
        s = summaries[page.name]
        stored = round(impressions.get(page.url, 0) / rounds)
        print(f"{page.name:>18} {s['items']:5d} {stored:5d} {s['without']:8.1f} {s['added']:7.1f} {100 * s['share']:6.2f}%"
              f" {s['per_item']:7.3f} {s['added_script']:7.1f} {s['extension_js']:7.1f} {100 * s['js_share']:7.2f}%"
              f" {s['js_per_item']:7.3f}")
    print("targets: share < 5%, < 1 ms per item. 'added' = TaskDuration with minus without (median of per-round"
          " differences); '+script' = the same for ScriptDuration; 'ext JS' = the extension's share of the busy"
          " profiler samples x TaskDuration; 'impr' = impressions stored per scroll.")
    if not any(s["traced"] for s in summaries.values()):
        return
    print(f"\n{label}, from the traces (trace_attribution.py): medians over {rounds} rounds")
    print(f"{'page':>18} {'script':>7} {'+geom':>7} {'+GC':>7} {'attrib':>7} {'share':>7} {'ms/item':>7}")
    for name, s in summaries.items():
        print(f"{name:>18} {s['script']:7.1f} {s['geometry']:7.1f} {s['gc']:7.1f} {s['attributed']:7.1f}"
              f" {100 * s['attributed_share']:6.2f}% {s['attributed_per_item']:7.3f}")
    print("'attrib' = the extension's script (its calls and what they do synchronously) + the added IntersectionObserver"
          " geometry + the added garbage collection; share of the main-thread time without the extension.")


def emit_headline_figures(summaries: dict[str, dict]) -> None:
    """The measured build's headline figures for run_all.py: the content script's own
    main-thread time on the two 1,000-item feeds, the infinite feed's whole added
    main-thread time (baseline: the same scroll without the extension, so the ratio is the
    share) and its added time per item, and the saved page with the largest share."""
    # The content script's own main-thread time (the measure): ScriptDuration with
    # minus without, on both 1,000-item feeds.
    for name, feed in (("youtube-infinite", "infinite feed"), ("synthetic-hn", "static HN-shaped feed")):
        s = summaries.get(name)
        if s:
            bench_results.emit(f"extension: content-script main-thread time, {feed}", round(s["added_script"], 1), "ms",
                               baseline=round(s["without"], 1), target="< 5% of baseline",
                               met=s["added_script"] < 0.05 * s["without"])
            bench_results.emit(f"extension: content-script main-thread time per item, {feed}",
                               round(s["script_per_item"], 3), "ms/item", target="< 1 ms/item",
                               met=s["script_per_item"] < 1)
    infinite = summaries.get("youtube-infinite")
    if infinite:
        bench_results.emit("extension: added main-thread time, infinite feed", round(infinite["added"], 1), "ms",
                           baseline=round(infinite["without"], 1), target="< 5% of baseline", met=infinite["share"] < 0.05)
        bench_results.emit("extension: added main-thread time per item, infinite feed", round(infinite["per_item"], 3),
                           "ms/item", target="< 1 ms/item", met=infinite["per_item"] < 1)
    if infinite and infinite["traced"]:
        bench_results.emit("extension: attributed main-thread time (trace), infinite feed", round(infinite["attributed"], 1),
                           "ms", baseline=round(infinite["without"], 1), target="< 5% of baseline",
                           met=infinite["attributed_share"] < 0.05)
        bench_results.emit("extension: attributed main-thread time per item (trace), infinite feed",
                           round(infinite["attributed_per_item"], 3), "ms/item", target="< 1 ms/item",
                           met=infinite["attributed_per_item"] < 1)
    saved = {name: s for name, s in summaries.items() if name in REAL_PAGES}
    if saved:
        name, worst = max(saved.items(), key=lambda item: item[1]["share"])
        bench_results.emit(f"extension: added main-thread time, worst saved page ({name})", round(worst["added"], 1), "ms",
                           baseline=round(worst["without"], 1), target="< 5% of baseline", met=worst["share"] < 0.05)
        bench_results.emit(f"extension: added main-thread time per item, worst saved page ({name})",
                           round(worst["per_item"], 3), "ms/item", target="< 1 ms/item", met=worst["per_item"] < 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=1000, help="items of the youtube-infinite and synthetic-hn feeds")
    parser.add_argument("--pages", nargs="*", help="page names to run (default: all)")
    parser.add_argument("--extension", type=Path, default=EXTENSION_DIR, help="unpacked extension to measure")
    parser.add_argument("--compare", type=Path, help="a second unpacked extension (e.g. an older version) measured in the same run")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest extension functions")
    parser.add_argument("--trace", action="store_true",
                        help="also trace each scroll and attribute main-thread time to the extension (trace_attribution.py)")
    parser.add_argument("--sampling", action="store_true",
                        help="also run the CPU profiler for the 'ext JS' column (implied by --profile); its"
                             " interrupts slow the extension's JavaScript by about a third, so the added time grows")
    parser.add_argument("--smooth", action="store_true",
                        help=f"scroll each screen smoothly, as wheel and touch scrolling do ({SMOOTH_SCREEN_SECONDS} s a screen)")
    args = parser.parse_args()
    pages = [page for page in all_pages(args.items) if not args.pages or page.name in args.pages]
    if not PAGES_DIR.is_dir():
        print(f"{PAGES_DIR} is absent: only the synthetic pages run")
        pages = [page for page in pages if page.name == "synthetic-hn"]
    builds = [Build("current", args.extension.resolve())]
    if args.compare:
        builds.append(Build("compare", args.compare.resolve()))
    options = Options(trace=args.trace, sampling=args.sampling or args.profile > 0, smooth=args.smooth)
    run(pages, args.rounds, builds, args.profile, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
