// Feed items on one surface of one page view: discovery (outermost matches, ranked in
// document order, appended items get the next ranks), the viewability rule for
// impressions, and attended dwell. Re-rendered items keep their record (same rank, same id).
import { uuid, absoluteUrl } from "../common/util.js";
import { sanitizedHtml, capUtf8, MAX_HTML_BYTES } from "./sanitize.js";

export const IMPRESSION_AFTER_MS = 1000; // MRC: at least 50% on screen for one continuous second
const VISIBILITY_THRESHOLDS = [0, 0.25, 0.5, 0.75, 1];
const RESCAN_DELAY_MS = 150;
const MIN_DWELL_STEP_MS = 100;

export class ItemTracker {
  constructor({ platform, surface, attention, emit, sessionId }) {
    this.platform = platform;
    this.surface = surface;
    this.attention = attention;
    this.emit = emit;
    this.sessionId = sessionId;
    this.pageUrl = location.href;
    this.selector = surface.items.join(", ");
    this.sponsoredSelector = (platform.sponsored ?? []).join(", ");
    this.records = [];
    this.byElement = new WeakMap();
    this.byKey = new Map();
    this.inView = new Set();
    this.rescanTimer = null;
    this.intersections = new IntersectionObserver((entries) => this.onIntersections(entries), {
      threshold: VISIBILITY_THRESHOLDS,
    });
    this.mutations = new MutationObserver(() => this.scheduleRescan());
    this.unsubscribe = attention.subscribe((now) => this.onAttentionChange(now));
  }

  start() {
    this.scan();
    this.mutations.observe(document.documentElement, { childList: true, subtree: true });
  }

  scheduleRescan() {
    if (this.rescanTimer === null) {
      this.rescanTimer = setTimeout(() => {
        this.rescanTimer = null;
        this.scan();
      }, RESCAN_DELAY_MS);
    }
  }

  /** Find items not seen before; querySelectorAll returns them in document order. */
  scan() {
    let found;
    try {
      found = document.querySelectorAll(this.selector);
    } catch (error) {
      console.warn("Feed Audit: invalid item selector", this.selector, error);
      return;
    }
    for (const element of found) {
      if (this.byElement.has(element)) continue;
      if (element.parentElement?.closest(this.selector)) continue; // nested: the outer item counts
      this.adopt(element);
    }
  }

  adopt(element) {
    const hints = this.readHints(element);
    const key = hints.url ?? null;
    const previous = key === null ? null : this.byKey.get(key);
    let record;
    if (previous && !previous.element.isConnected) {
      // The site re-rendered this item: same record, no second impression.
      record = previous;
      this.intersections.unobserve(previous.element);
      this.setHalfVisible(record, false, performance.now());
      record.element = element;
    } else {
      record = {
        id: uuid(),
        rank: this.records.length + 1,
        element,
        key,
        halfVisible: false,
        impressed: false,
        timer: null,
        counting: false,
        countSince: 0,
        dwellMs: 0,
        sentDwellMs: 0,
      };
      this.records.push(record);
      if (key !== null) this.byKey.set(key, record);
    }
    this.byElement.set(element, record);
    this.intersections.observe(element);
  }

  readHints(element) {
    const hints = this.platform.hints ?? {};
    const link = hints.url ? firstMatch(element, hints.url) : null;
    const titleNode = hints.title ? firstMatch(element, hints.title) : null;
    const title = textOf(titleNode);
    return { url: absoluteUrl(link?.getAttribute("href")), title };
  }

  onIntersections(entries) {
    const now = performance.now();
    for (const entry of entries) {
      const record = this.byElement.get(entry.target);
      if (!record || record.element !== entry.target) continue;
      this.setHalfVisible(record, isHalfVisible(entry), now);
    }
  }

  setHalfVisible(record, halfVisible, now) {
    record.halfVisible = halfVisible;
    if (halfVisible) this.inView.add(record);
    else this.inView.delete(record);
    this.reevaluate(record, now);
  }

  onAttentionChange(now) {
    for (const record of this.inView) this.reevaluate(record, now);
  }

  /** Start or stop the dwell clock and the impression timer for one item. */
  reevaluate(record, now) {
    const shouldCount = record.halfVisible && this.attention.attended;
    if (record.counting && !shouldCount) {
      record.dwellMs += now - record.countSince;
      record.counting = false;
    } else if (!record.counting && shouldCount) {
      record.countSince = now;
      record.counting = true;
    }
    if (record.impressed) return;
    const viewable = record.halfVisible && this.attention.viewable;
    if (viewable && record.timer === null) {
      record.timer = setTimeout(() => this.impress(record), IMPRESSION_AFTER_MS);
    } else if (!viewable && record.timer !== null) {
      clearTimeout(record.timer);
      record.timer = null;
    }
  }

  impress(record) {
    record.timer = null;
    if (record.impressed || !record.halfVisible || !this.attention.viewable) return;
    this.sendImpression(record);
  }

  sendImpression(record) {
    record.impressed = true;
    // Sites fill item shells in after inserting them: read the hints now, not at discovery.
    const hints = this.readHints(record.element);
    if (record.key === null && hints.url !== null && !this.byKey.has(hints.url)) {
      record.key = hints.url;
      this.byKey.set(hints.url, record);
    }
    const event = {
      type: "impression",
      id: record.id,
      ts: Date.now(),
      platform: this.platform.id,
      surface: this.surface.name,
      page_url: this.pageUrl,
      session_id: this.sessionId,
      rank: record.rank,
      item: { html: this.itemHtml(record.element), url: hints.url, title: hints.title },
    };
    if (this.sponsoredSelector) event.sponsored = isSponsored(record.element, this.sponsoredSelector);
    this.emit(event);
  }

  // Hacker News splits a story over two rows: the sibling row (score, author, comments) travels along.
  itemHtml(element) {
    const html = sanitizedHtml(element);
    const siblingSelector = this.platform.item_next_sibling;
    const sibling = siblingSelector ? element.nextElementSibling : null;
    if (!sibling || !safeMatches(sibling, siblingSelector)) return html;
    return capUtf8(html + sanitizedHtml(sibling), MAX_HTML_BYTES);
  }

  /** The tracked item containing a node (for clicks); impressions are forced for clicked items. */
  recordFor(node) {
    for (let element = node; element; element = element.parentElement) {
      const record = this.byElement.get(element);
      if (record && record.element === element) {
        if (!record.impressed) this.sendImpression(record);
        return record;
      }
    }
    return null;
  }

  currentDwell(record, now) {
    return record.dwellMs + (record.counting ? now - record.countSince : 0);
  }

  /** Cumulative dwell updates for impressed items whose dwell grew since the last update. */
  flushDwell() {
    const now = performance.now();
    for (const record of this.records) {
      if (!record.impressed) continue;
      const dwell = Math.round(this.currentDwell(record, now));
      if (dwell - record.sentDwellMs < MIN_DWELL_STEP_MS) continue;
      record.sentDwellMs = dwell;
      this.emit({ type: "dwell", id: uuid(), ts: Date.now(), impression_id: record.id, visible_ms: dwell });
    }
  }

  stop() {
    this.flushDwell();
    this.mutations.disconnect();
    this.intersections.disconnect();
    this.unsubscribe();
    clearTimeout(this.rescanTimer);
    for (const record of this.records) clearTimeout(record.timer);
  }
}

function firstMatch(element, selector) {
  try {
    return element.matches(selector) ? element : element.querySelector(selector);
  } catch {
    return null; // a selector this browser cannot parse must not break capture
  }
}

function safeMatches(element, selector) {
  try {
    return element.matches(selector);
  } catch {
    return false;
  }
}

// Text of the title node, else its title/aria-label attribute (icon-only links).
function textOf(node) {
  if (!node) return null;
  const text = node.textContent?.replace(/\s+/g, " ").trim();
  return text || node.getAttribute("title")?.trim() || node.getAttribute("aria-label")?.trim() || null;
}

function isSponsored(element, selector) {
  try {
    return element.matches(selector) || element.querySelector(selector) !== null;
  } catch {
    return false;
  }
}

// At least half of the item on screen; items taller than twice the viewport count
// when they fill half of it (otherwise they could never qualify).
function isHalfVisible(entry) {
  if (!entry.isIntersecting) return false;
  if (entry.intersectionRatio >= 0.5) return true;
  const viewportHeight = entry.rootBounds?.height ?? window.innerHeight;
  return entry.intersectionRect.height >= 0.5 * viewportHeight;
}
