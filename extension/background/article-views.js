// Views of pages outside the recorded platforms (an article opened from Hacker News or
// Google News): no content script runs there, so the worker measures the time the tab
// is the active tab of the focused window while the person is not idle. State lives in
// storage and is updated on tab/window/idle events, so a stopped worker loses nothing.
import { api, uuid } from "../common/util.js";
import { findPlatform } from "../common/site-matching.js";
import { clickLeadingTo, sameTarget } from "./click-links.js";

const VIEWS_KEY = "articleViews";
const IDLE_SECONDS = 60;

export class ArticleViews {
  constructor({ store, loadSites, loadSettings }) {
    this.store = store;
    this.loadSites = loadSites;
    this.loadSettings = loadSettings;
    this.chain = Promise.resolve();
  }

  exclusive(task) {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  async load() {
    return (await api.storage.local.get(VIEWS_KEY))[VIEWS_KEY] ?? {};
  }

  /** A tab committed a URL: end the view it had (if it left that page), start one if a feed click led here. */
  tabNavigated(tabId, url) {
    return this.exclusive(async () => {
      const views = await this.load();
      const current = views[tabId];
      if (current && sameTarget(current.url, url)) return;
      if (current) {
        await this.finish(current);
        delete views[tabId];
      }
      const click = url ? await clickLeadingTo(url) : null;
      const settings = await this.loadSettings();
      if (click && !settings.paused && !findPlatform(await this.loadSites(), url, settings.newsSites)) {
        views[tabId] = { id: uuid(), tabId, url, platform: click.platform, impressionId: click.impressionId, activeMs: 0, activeSince: null };
      }
      await api.storage.local.set({ [VIEWS_KEY]: views });
      await this.refreshLocked(views);
    });
  }

  tabClosed(tabId) {
    return this.exclusive(async () => {
      const views = await this.load();
      if (!views[tabId]) return;
      await this.finish(views[tabId]);
      delete views[tabId];
      await api.storage.local.set({ [VIEWS_KEY]: views });
    });
  }

  /** Focus, active tab or idle state changed: stop or start each view's clock. */
  refresh() {
    return this.exclusive(async () => this.refreshLocked(await this.load()));
  }

  async refreshLocked(views) {
    if (Object.keys(views).length === 0) return;
    const focusedWindow = await api.windows.getLastFocused().catch(() => null);
    const idleState = await api.idle.queryState(IDLE_SECONDS);
    const now = Date.now();
    const updates = [];
    for (const view of Object.values(views)) {
      const tab = await api.tabs.get(view.tabId).catch(() => null);
      const attended = Boolean(tab?.active && focusedWindow?.focused && tab.windowId === focusedWindow.id && idleState === "active");
      if (attended && view.activeSince === null) view.activeSince = now;
      if (!attended && view.activeSince !== null) {
        view.activeMs += now - view.activeSince;
        view.activeSince = null;
        updates.push(viewEvent(view, now));
      }
    }
    await api.storage.local.set({ [VIEWS_KEY]: views });
    if (updates.length > 0) await this.store(updates);
  }

  async finish(view) {
    const now = Date.now();
    if (view.activeSince !== null) {
      view.activeMs += now - view.activeSince;
      view.activeSince = null;
    }
    await this.store([viewEvent(view, now)]);
  }
}

function viewEvent(view, now) {
  return {
    type: "view", id: view.id, ts: now, platform: view.platform, url: view.url,
    impression_id: view.impressionId, active_ms: Math.round(view.activeMs),
  };
}
