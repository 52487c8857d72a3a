// Content script entry: decides whether this page is recorded, runs one PageView per
// URL (single-page navigation starts a new one) and follows settings changes live.
import { api } from "../common/util.js";
import { SETTINGS_KEY, loadSettings, isRecording } from "../common/settings.js";
import { findPlatform, findSurface, findViewRule } from "../common/site-matching.js";
import { Attention } from "./attention.js";
import { Outbox } from "./outbox.js";
import { ItemTracker } from "./item-tracker.js";
import { ClickTracker } from "./click-tracker.js";
import { ViewTracker } from "./view-tracker.js";

const URL_POLL_MS = 250;

export async function start() {
  const sites = await (await fetch(api.runtime.getURL("sites.json"))).json();
  const recorder = new PageRecorder(sites, await loadSettings());
  api.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes[SETTINGS_KEY]) recorder.applySettings(changes[SETTINGS_KEY].newValue);
  });
  recorder.refresh();
}

class PageRecorder {
  constructor(sites, settings) {
    this.sites = sites;
    this.settings = settings;
    this.pageView = null;
    this.attention = null;
    this.outbox = null;
    this.urlWatcher = null;
    this.lastUrl = urlWithoutHash();
    window.addEventListener("pagehide", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.flush();
    });
  }

  applySettings(settings) {
    this.settings = { ...this.settings, ...settings };
    this.attention?.setIdleMs(this.settings.idleMs);
    this.refresh();
  }

  /** Stop or (re)start recording to match the current URL and settings. */
  refresh() {
    const platform = findPlatform(this.sites, location.href, this.settings.newsSites);
    const wanted = platform !== null && isRecording(this.settings, platform.id);
    const current = this.pageView;
    if (current && (!wanted || current.url !== urlWithoutHash() || current.platform !== platform)) {
      current.stop();
      this.pageView = null;
    }
    if (!wanted || this.pageView) return;
    this.attention ??= new Attention({ idleMs: this.settings.idleMs });
    if (!this.outbox || this.outbox.platform !== platform.id) this.outbox = new Outbox({ platform: platform.id, sendDelayMs: this.settings.sendDelayMs });
    this.pageView = new PageView({ platform, settings: this.settings, attention: this.attention, outbox: this.outbox });
    this.pageView.start();
    this.watchUrl();
  }

  // Isolated-world scripts cannot see the page's history.pushState calls; polling the URL is cheap.
  watchUrl() {
    this.urlWatcher ??= setInterval(() => {
      const url = urlWithoutHash();
      if (url === this.lastUrl) return;
      this.lastUrl = url;
      this.refresh();
    }, URL_POLL_MS);
  }

  flush() {
    this.pageView?.flush();
    this.outbox?.send({ urgent: true }); // the page may be going away
  }
}

class PageView {
  constructor({ platform, settings, attention, outbox }) {
    this.platform = platform;
    this.settings = settings;
    this.attention = attention;
    this.outbox = outbox;
    this.url = urlWithoutHash();
    this.stopped = false;
    this.items = null;
    this.clicks = null;
    this.view = null;
    this.flushTimer = null;
    this.activeMs = 0;
    this.activeSince = null;
    this.unsubscribe = attention.subscribe((now) => this.trackActivity(now));
    this.trackActivity(performance.now());
  }

  async start() {
    const hello = await helloWithRetry(this.platform.id, location.href);
    if (this.stopped || !hello) return;
    const emit = (event) => this.outbox.push(event);
    const surface = findSurface(this.platform, location.href);
    if (surface?.items?.length) {
      this.items = new ItemTracker({
        platform: this.platform, surface, attention: this.attention, emit, sessionId: hello.sessionId,
      });
      this.items.start();
      this.clicks = new ClickTracker({
        findRecord: (node) => this.items.recordFor(node),
        emit,
        onClick: () => this.outbox.send({ urgent: true }),
      });
    }
    const viewRule = findViewRule(this.platform, location.href);
    if (viewRule) {
      this.view = new ViewTracker({
        platform: this.platform, rule: viewRule, attention: this.attention, emit, impressionId: hello.clickedImpressionId,
      });
    }
    this.flushTimer = setInterval(() => this.flush(), this.settings.dwellFlushMs);
  }

  trackActivity(now) {
    const active = this.attention.attended || this.attention.watching;
    if (active && this.activeSince === null) this.activeSince = now;
    if (!active && this.activeSince !== null) {
      this.activeMs += now - this.activeSince;
      this.activeSince = null;
    }
  }

  flush() {
    this.items?.flushDwell();
    this.view?.flush();
    const now = performance.now();
    if (this.activeSince !== null) {
      this.activeMs += now - this.activeSince;
      this.activeSince = now;
    }
    this.outbox.addActivity(this.activeMs);
    this.activeMs = 0;
    this.outbox.send();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.flushTimer);
    this.trackActivity(performance.now());
    this.items?.stop();
    this.clicks?.stop();
    this.view?.stop();
    this.unsubscribe();
    this.flush();
  }
}

async function helloWithRetry(platformId, url) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const reply = await api.runtime.sendMessage({ kind: "hello", platform: platformId, url });
      if (reply?.ok) return reply;
      if (reply?.recording === false) return null;
    } catch {
      // The service worker may be starting up; try again shortly.
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
  }
  return null;
}

function urlWithoutHash() {
  return location.href.split("#")[0];
}
