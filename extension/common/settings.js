// Settings live in chrome.storage.local under one key; both the service worker
// and content scripts read them (content scripts follow changes live).
import { api } from "./util.js";

export const DEFAULT_PORT = 7733;
export const SETTINGS_KEY = "settings";

export const DEFAULT_SETTINGS = Object.freeze({
  serverUrl: `http://127.0.0.1:${DEFAULT_PORT}`,
  token: "",
  paused: false,
  // platform id -> false when the user switched it off (missing = on).
  platforms: {},
  // Origins ("https://example.com") where the opt-in news definition records.
  newsSites: [],
  // Timing knobs. The defaults are the product's values; automated tests shorten them
  // through storage (the same code paths run).
  sendDelayMs: 1000, // content script -> worker batching
  flushIntervalMs: 5000,
  batchSize: 100,
  retryBaseMs: 5000,
  retryMaxMs: 300000,
  dwellFlushMs: 5000,
  idleMs: 60000,
  queueMaxEvents: 50000,
  queueMaxBytes: 20 * 1024 * 1024,
});

export async function loadSettings() {
  const stored = (await api.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY] ?? {};
  return { ...DEFAULT_SETTINGS, ...stored };
}

export async function saveSettings(patch) {
  const next = { ...(await loadSettings()), ...patch };
  await api.storage.local.set({ [SETTINGS_KEY]: next });
  return next;
}

/** Only loopback servers are allowed: the extension never sends data anywhere else. */
export function validateServerUrl(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return { ok: false, error: "not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, error: "the server URL must start with http:// or https://" };
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    return { ok: false, error: "the server must run on this computer (127.0.0.1 or localhost)" };
  }
  return { ok: true, url: url.origin };
}

// The opt-in news definition is limited to the origins in newsSites; its switch still applies.
export function isPlatformEnabled(settings, platformId) {
  return settings.platforms?.[platformId] !== false;
}

/** Whether events for this platform may be recorded at all right now. */
export function isRecording(settings, platformId) {
  return !settings.paused && isPlatformEnabled(settings, platformId);
}
