// Remembers recent feed clicks so the page they lead to (possibly in a new tab)
// can link its `view` to the clicked impression.
import { api } from "../common/util.js";

const CLICKS_KEY = "recentClicks";
const KEEP_MS = 10 * 60 * 1000;
const KEEP_COUNT = 50;

export async function rememberClicks(clickEvents, platformId) {
  if (clickEvents.length === 0) return;
  const now = Date.now();
  const fresh = ((await api.storage.local.get(CLICKS_KEY))[CLICKS_KEY] ?? []).filter((c) => now - c.ts < KEEP_MS);
  for (const click of clickEvents) {
    if (click.href) fresh.push({ href: click.href, impressionId: click.impression_id, ts: click.ts, platform: platformId });
  }
  await api.storage.local.set({ [CLICKS_KEY]: fresh.slice(-KEEP_COUNT) });
}

/** The most recent click that led to this URL ({href, impressionId, platform, ts}), or null. */
export async function clickLeadingTo(url) {
  const now = Date.now();
  const clicks = (await api.storage.local.get(CLICKS_KEY))[CLICKS_KEY] ?? [];
  for (let index = clicks.length - 1; index >= 0; index -= 1) {
    const click = clicks[index];
    if (now - click.ts < KEEP_MS && sameTarget(click.href, url)) return click;
  }
  return null;
}

export async function clickedImpressionFor(url) {
  return (await clickLeadingTo(url))?.impressionId ?? null;
}

// Same page: origin and path equal (trailing slash ignored); a YouTube-style `v`
// parameter must match too. Tracking parameters and fragments are ignored.
export function sameTarget(first, second) {
  let a;
  let b;
  try {
    a = new URL(first);
    b = new URL(second);
  } catch {
    return false;
  }
  const path = (url) => url.pathname.replace(/\/+$/, "");
  if (a.host.replace(/^www\./, "") !== b.host.replace(/^www\./, "") || path(a) !== path(b)) return false;
  return a.searchParams.get("v") === b.searchParams.get("v") && a.searchParams.get("id") === b.searchParams.get("id");
}
