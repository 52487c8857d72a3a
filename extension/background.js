// Service worker. Every listener is registered synchronously at top level: an MV3
// worker can be stopped at any moment and is restarted by the next event.
import { api } from "./common/util.js";
import { SETTINGS_KEY, loadSettings, isRecording } from "./common/settings.js";
import { EventQueue } from "./background/queue.js";
import { Uploader } from "./background/uploader.js";
import { Sessions, sessionEvent } from "./background/sessions.js";
import { rememberClicks, clickedImpressionFor } from "./background/click-links.js";
import { ArticleViews } from "./background/article-views.js";
import { syncNewsSiteScripts } from "./background/news-sites.js";
import { findPlatform, findSurface, findViewRule } from "./common/site-matching.js";
import { impressionHtml } from "./background/sanitize.js";

const FLUSH_ALARM = "feedaudit-flush";
const EVENTS_PORT = "feedaudit-events";
const EVENT_TYPES = new Set(["impression", "dwell", "click", "view", "session"]);
const MAX_EVENTS_PER_MESSAGE = 1000;

const queue = new EventQueue();
const uploader = new Uploader({ queue, loadSettings });
const sessions = new Sessions();
let sitesPromise = null;
const loadSites = () => (sitesPromise ??= fetch(api.runtime.getURL("sites.json")).then((response) => response.json()));
const articleViews = new ArticleViews({ store, loadSites, loadSettings });

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender)
    .then(sendResponse)
    .catch((error) => sendResponse({ ok: false, error: String(error?.message ?? error) }));
  return true; // the reply is asynchronous
});

// Content scripts send their events over one port per page; each batch is answered once stored.
api.runtime.onConnect.addListener((port) => {
  if (port.name !== EVENTS_PORT) return;
  port.onMessage.addListener((message) => {
    const answer = message?.kind === "events" ? handleMessage(message, port.sender) : Promise.resolve(refuse("the port carries events only"));
    answer
      .catch((error) => refuse(String(error?.message ?? error)))
      .then((reply) => {
        try {
          port.postMessage({ ...reply, batch: message?.batch });
        } catch {
          // The page is gone: its events are stored, nobody waits for the answer.
        }
      });
  });
});

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === FLUSH_ALARM) uploader.flush();
});

// Article views: navigation, closing, focus and idle changes drive the clocks.
api.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.url && !tab.incognito) articleViews.tabNavigated(tabId, change.url);
});
api.tabs.onRemoved.addListener((tabId) => articleViews.tabClosed(tabId));
api.tabs.onActivated.addListener(() => articleViews.refresh());
api.windows.onFocusChanged.addListener(() => articleViews.refresh());
api.idle.onStateChanged.addListener(() => articleViews.refresh());

api.runtime.onInstalled.addListener(() => ensureAlarm());
api.runtime.onStartup.addListener(() => ensureAlarm());

api.storage.onChanged.addListener((changes, area) => {
  if (area !== "local" || !changes[SETTINGS_KEY]) return;
  const before = changes[SETTINGS_KEY].oldValue ?? {};
  const after = changes[SETTINGS_KEY].newValue ?? {};
  if (JSON.stringify(before.newsSites ?? []) !== JSON.stringify(after.newsSites ?? [])) {
    syncNewsSiteScripts(after.newsSites).catch((error) => console.warn("Feed Audit: news sites", error));
  }
  // New server or token: try at once instead of waiting out a backoff meant for the old one.
  if (before.serverUrl !== after.serverUrl || before.token !== after.token) {
    uploader.saveState({ failures: 0, nextAttemptAt: 0 }).then(() => uploader.flush());
  }
  tellContentScripts({ kind: "settings-changed" });
});

// A failed promise must never pass silently: it shows in the worker console (the tests watch it).
// Except while the browser shuts down, or Chrome stops this worker ("No SW": its process is gone): every
// pending extension API call then rejects, and nothing is lost (the queue acknowledges only what storage
// wrote, and the next worker resumes it; a page's unsent events die with the page).
const DYING_WORKER_ERRORS = /browser is shutting down|^No SW$/i;
self.addEventListener("unhandledrejection", (event) => {
  if (DYING_WORKER_ERRORS.test(String(event.reason?.message ?? event.reason))) return;
  console.error("Feed Audit: unhandled rejection", event.reason);
});

// Whatever woke the worker, events left from its previous life are sent soon.
uploader.schedule(1000);

function ensureAlarm() {
  api.idle.setDetectionInterval(60);
  // 30 s is the shortest period Chrome allows; in-memory timers give the ~5 s cadence while awake.
  api.alarms.create(FLUSH_ALARM, { periodInMinutes: 0.5 });
}

async function handleMessage(message, sender) {
  // Extension pages opened in a tab also have sender.tab: tell them apart by URL.
  const fromTab = Boolean(sender.tab) && !String(sender.url ?? "").startsWith(api.runtime.getURL(""));
  switch (message?.kind) {
    case "hello":
      return fromTab ? hello(message, sender) : refuse("hello comes from content scripts");
    case "events":
      return fromTab ? acceptEvents(message, sender) : refuse("events come from content scripts");
    case "status":
      return fromTab ? refuse("status is for extension pages") : status();
    case "flush":
      if (fromTab) return refuse("flush is for extension pages");
      await uploader.flush({ force: true });
      return status();
    default:
      return refuse(`unknown message ${JSON.stringify(message?.kind)}`);
  }
}

function refuse(error) {
  return { ok: false, error };
}

async function mayRecord(platformId, sender) {
  if (sender.tab?.incognito) return false; // never record private windows
  return isRecording(await loadSettings(), platformId);
}

/**
 * A content script's first (and, per URL, only) question: is this URL recorded, and how.
 * The answer carries only what the page needs, so the page never loads sites.json or the
 * settings itself.
 */
async function hello(message, sender) {
  const [sites, settings] = await Promise.all([loadSites(), loadSettings()]);
  const url = String(message.url ?? "");
  const platform = findPlatform(sites, url, settings.newsSites);
  if (!platform || sender.tab?.incognito || !isRecording(settings, platform.id)) return { ok: false, recording: false };
  const { session, started } = await sessions.current(platform.id);
  if (started) await store([sessionEvent(session, { open: true })]);
  return {
    ok: true,
    sessionId: session.id,
    clickedImpressionId: await clickedImpressionFor(url),
    platform: pageDefinition(platform),
    surface: findSurface(platform, url),
    viewRule: findViewRule(platform, url),
    timing: { idleMs: settings.idleMs, sendDelayMs: settings.sendDelayMs, dwellFlushMs: settings.dwellFlushMs },
  };
}

// The parts of a platform definition the content script reads (the rest is the server's).
function pageDefinition(platform) {
  return { id: platform.id, hints: platform.hints ?? {}, sponsored: platform.sponsored ?? [], item_next_sibling: platform.item_next_sibling ?? null };
}

/** Settings changes reach open pages as a message (a storage listener there would also receive every queued event). */
async function tellContentScripts(message) {
  for (const tab of await api.tabs.query({})) {
    if (tab.incognito || !/^https?:/.test(tab.url ?? "")) continue;
    api.tabs.sendMessage(tab.id, message).catch(() => {}); // tabs without a recorder have no listener
  }
}

async function acceptEvents(message, sender) {
  if (!(await mayRecord(message.platform, sender))) return { ok: true, discarded: true };
  const events = (Array.isArray(message.events) ? message.events : [])
    .filter((event) => EVENT_TYPES.has(event?.type) && event.type !== "session")
    .slice(0, MAX_EVENTS_PER_MESSAGE);
  if (message.activityMs > 0) {
    const session = await sessions.addActivity(message.platform, message.activityMs);
    events.push(sessionEvent(session, { open: false }));
  }
  for (const event of events) {
    if (event.type === "impression" && event.item) filterItemHtml(event.item);
  }
  await rememberClicks(events.filter((event) => event.type === "click"), message.platform);
  await store(events);
  return { ok: true, stored: events.length };
}

/** The content script sends the item's markup as serialized; what is stored and sent is filtered and capped. */
function filterItemHtml(item) {
  item.html = impressionHtml(item.html, item.next_html);
  delete item.next_html;
}

/** Events count as taken only once they are in storage; then delivery is scheduled. */
async function store(events) {
  if (events.length === 0) return;
  const settings = await loadSettings();
  const length = await queue.append(events, { maxEvents: settings.queueMaxEvents, maxBytes: settings.queueMaxBytes });
  uploader.schedule(length >= settings.batchSize ? 0 : settings.flushIntervalMs);
}

async function status() {
  const [settings, queued, delivery] = await Promise.all([loadSettings(), queue.stats(), uploader.state()]);
  return { ok: true, paused: settings.paused, serverUrl: settings.serverUrl, paired: Boolean(settings.token), queue: queued, delivery };
}
