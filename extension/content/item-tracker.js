// Feed items on one surface of one page view: discovery (outermost matches, ranked in
// document order, appended items get the next ranks), the viewability rule for
// impressions, and attended dwell. Re-rendered items keep their record (same rank, same id).
//
// Main-thread cost is kept proportional to what changes: the mutation observer only notes
// added subtrees (and un-hidden ones) and the rescan queries those, not the document; the
// visibility observer fires only around the 50% line and watches only the items near those
// on screen (content/observation-window.js); dwell updates visit only the items whose dwell
// grew; the item HTML of an impression is serialized when the page is idle, and filtered
// and capped by the service worker (off the page's main thread: background/sanitize.js).
(() => {
  const { uuid, absoluteUrl, ObservationWindow } = globalThis.feedAudit;

  const IMPRESSION_AFTER_MS = 1000; // MRC: at least 50% on screen for one continuous second
  // 0 tells when an item enters (and whether it is taller than two screens); 0.5 is the rule.
  const VISIBILITY_THRESHOLDS = [0, 0.5];
  const RESCAN_DELAY_MS = 150;
  // Past this many added subtrees in one rescan, one query of the whole document is cheaper.
  const MAX_PENDING_ROOTS = 300;
  const MIN_DWELL_STEP_MS = 100;
  const HTML_IDLE_TIMEOUT_MS = 1000; // impressions wait at most this long for an idle moment
  // Impressions are collected on a coarse clock: one timer task per tick serves every item
  // that became due in it, and one idle callback completes them (each call into the content
  // script has a fixed cost, about as much as a small callback's work). The rule stays exact:
  // an item that leaves after its second counts when it leaves, and the event carries the
  // time its second ended.
  const IMPRESSION_TICK_MS = 500;

  class ItemTracker {
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
      // Impressed records whose dwell may have grown since the last update: a flush looks only
      // at these, not at every item of a long feed (it runs every few seconds).
      this.dwellChanged = new Set();
      this.tallWatchers = new Map(); // record -> its own observer (see watchIfTall)
      this.pendingRoots = [];
      this.rescanEverything = false;
      this.rescanTimer = null;
      // Items waiting out their viewable second, in the order they became viewable (so their
      // due times only grow): one timer serves them all, not one timer task per item.
      this.impressionsDue = new Map(); // record -> performance.now() when its impression is due
      this.tickTimer = null;
      this.pendingImpressions = [];
      this.idleHandle = null;
      this.intersections = new IntersectionObserver((entries) => this.onIntersections(entries), {
        threshold: VISIBILITY_THRESHOLDS,
      });
      // Only items near those on screen are observed (observation-window.js).
      this.window = new ObservationWindow({ observer: this.intersections, records: this.records });
      this.mutations = new MutationObserver((records) => this.onMutations(records));
      this.unsubscribe = attention.subscribe((now) => this.onAttentionChange(now));
    }

    start() {
      this.scan([document.documentElement]);
      // `hidden`: single-page sites show a kept page (YouTube's ytd-browse) by removing it.
      this.mutations.observe(document.documentElement, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["hidden"],
      });
    }

    /** Note where items may have appeared; the (batched) rescan looks only there. */
    onMutations(mutations) {
      for (const mutation of mutations) {
        if (mutation.type === "attributes") {
          if (!mutation.target.hasAttribute("hidden")) this.queueRoot(mutation.target);
          continue;
        }
        for (const node of mutation.addedNodes) {
          if (node.nodeType === Node.ELEMENT_NODE) this.queueRoot(node);
        }
      }
    }

    queueRoot(element) {
      if (this.pendingRoots.length < MAX_PENDING_ROOTS) this.pendingRoots.push(element);
      else this.rescanEverything = true;
      if (this.rescanTimer === null) this.rescanTimer = setTimeout(() => this.rescan(), RESCAN_DELAY_MS);
    }

    rescan() {
      this.rescanTimer = null;
      const roots = this.rescanEverything ? [document.documentElement] : this.pendingRoots;
      this.pendingRoots = [];
      this.rescanEverything = false;
      this.scan(roots);
    }

    /** Adopt the outermost items not seen before within the given subtrees, in document order. */
    scan(roots) {
      const found = new Set();
      try {
        for (const root of roots) {
          if (!root.isConnected) continue;
          if (root.matches(this.selector)) found.add(root); // items inside it are nested: skipped below
          else if (root.firstElementChild) for (const element of root.querySelectorAll(this.selector)) found.add(element);
        }
      } catch (error) {
        console.warn("Feed Audit: invalid item selector", this.selector, error);
        return;
      }
      const fresh = [...found].filter((element) => !this.byElement.has(element));
      if (roots.length > 1) fresh.sort(inDocumentOrder);
      for (const element of fresh) {
        if (element.parentElement?.closest(this.selector)) continue; // nested: the outer item counts
        this.adopt(element);
      }
    }

    adopt(element) {
      // Only the key is needed now; the title and HTML are read when the item becomes an impression.
      const key = this.readUrl(element);
      const previous = key === null ? null : this.byKey.get(key);
      let record;
      if (previous && !previous.element.isConnected) {
        // The site re-rendered this item: same record, no second impression.
        record = previous;
        this.unwatchTall(record);
        this.setHalfVisible(record, false, performance.now());
        this.window.replaced(record, element);
      } else {
        record = {
          id: uuid(),
          rank: this.records.length + 1,
          element,
          key,
          halfVisible: false,
          impressed: false,
          counting: false,
          countSince: 0,
          dwellMs: 0,
          sentDwellMs: 0,
          observed: false,
        };
        this.records.push(record);
        if (key !== null) this.byKey.set(key, record);
        this.window.added(record);
      }
      this.byElement.set(element, record);
    }

    readUrl(element) {
      const selector = this.platform.hints?.url;
      return selector ? linkUrl(firstMatch(element, selector)) : null;
    }

    readTitle(element) {
      const selector = this.platform.hints?.title;
      return selector ? textOf(firstMatch(element, selector)) : null;
    }

    onIntersections(entries) {
      const now = performance.now();
      for (const entry of entries) {
        const record = this.byElement.get(entry.target);
        if (!record || record.element !== entry.target) continue;
        this.window.saw(record, entry);
        this.watchIfTall(record, entry);
        // entry.time: when the item crossed, which may be frames before this callback.
        this.setHalfVisible(record, isHalfVisible(entry), now, Math.min(entry.time, now));
      }
      this.window.settle();
    }

    /**
     * An item taller than two screens never reaches ratio 0.5; it counts once it fills half
     * the screen, at ratio (screen / 2) / height. That threshold differs per item, so such
     * (rare) items get an observer of their own, rebuilt when their proportions change.
     */
    watchIfTall(record, entry) {
      // Only an entering item below the 50% line can be tall; reading the rectangles costs.
      if (!entry.isIntersecting || (entry.intersectionRatio >= 0.5 && !this.tallWatchers.has(record))) return;
      const screen = entry.rootBounds?.height ?? window.innerHeight;
      const height = entry.boundingClientRect.height;
      const watcher = this.tallWatchers.get(record);
      if (height <= 2 * screen) {
        if (watcher) this.unwatchTall(record);
        return;
      }
      const ratio = (0.5 * screen) / height;
      if (watcher && Math.abs(watcher.ratio - ratio) <= 0.05 * ratio) return;
      if (watcher) this.unwatchTall(record);
      const observer = new IntersectionObserver((entries) => this.onIntersections(entries), { threshold: [ratio] });
      observer.observe(record.element);
      this.tallWatchers.set(record, { observer, ratio });
    }

    unwatchTall(record) {
      this.tallWatchers.get(record)?.observer.disconnect();
      this.tallWatchers.delete(record);
    }

    setHalfVisible(record, halfVisible, now, changedAt = now) {
      record.halfVisible = halfVisible;
      if (halfVisible) this.inView.add(record);
      else this.inView.delete(record);
      this.reevaluate(record, now, changedAt);
    }

    onAttentionChange(now) {
      for (const record of this.inView) this.reevaluate(record, now);
    }

    /** Start or stop the dwell clock and the impression clock for one item (changedAt: when its view changed). */
    reevaluate(record, now, changedAt = now) {
      const shouldCount = record.halfVisible && this.attention.attended;
      if (record.counting && !shouldCount) {
        record.dwellMs += now - record.countSince;
        record.counting = false;
      } else if (!record.counting && shouldCount) {
        record.countSince = now;
        record.counting = true;
        this.dwellChanged.add(record);
      }
      if (record.impressed) return;
      const viewable = record.halfVisible && this.attention.viewable;
      if (viewable && !this.impressionsDue.has(record)) {
        this.impressionsDue.set(record, now + IMPRESSION_AFTER_MS);
        this.scheduleTick(now);
      } else if (!viewable && this.impressionsDue.has(record)) {
        const due = this.impressionsDue.get(record);
        this.impressionsDue.delete(record); // the second starts over next time
        if (due <= changedAt) this.sendImpression(record, due); // its second ended before the tick came
      }
    }

    /** The next tick: when impressions fall due, or at once if impressions wait for their idle callback. */
    scheduleTick(now) {
      if (this.tickTimer !== null) return;
      let at;
      if (this.pendingImpressions.length > 0 && this.idleHandle === null) at = now;
      else if (this.impressionsDue.size > 0) at = this.impressionsDue.values().next().value;
      else return;
      const tick = Math.ceil(at / IMPRESSION_TICK_MS) * IMPRESSION_TICK_MS;
      this.tickTimer = setTimeout(() => this.tick(), Math.max(0, Math.ceil(tick - now)));
    }

    tick() {
      const now = performance.now();
      this.impressDue(now); // tickTimer is still set: these impressions schedule no tick of their own
      if (this.pendingImpressions.length > 0) {
        this.idleHandle ??= requestIdleCallback(() => this.completeImpressions(), { timeout: HTML_IDLE_TIMEOUT_MS });
      }
      this.tickTimer = null;
      this.scheduleTick(now);
    }

    /** Impressions for the items that have now been viewable for their whole second. */
    impressDue(now) {
      for (const [record, due] of this.impressionsDue) {
        if (due > now) break;
        this.impressionsDue.delete(record);
        if (!record.impressed && record.halfVisible && this.attention.viewable) this.sendImpression(record, due);
      }
    }

    /** The impression goes out with the next tick; `due`: when its viewable second ended (now if forced by a click). */
    sendImpression(record, due = performance.now()) {
      record.impressed = true;
      this.dwellChanged.add(record); // dwell counted before the impression goes out with the next flush
      // Sites fill item shells in after inserting them: read the link now, not at discovery.
      const url = this.readUrl(record.element);
      if (record.key === null && url !== null && !this.byKey.has(url)) {
        record.key = url;
        this.byKey.set(url, record);
      }
      const event = {
        type: "impression",
        id: record.id,
        ts: Math.round(Date.now() - Math.max(0, performance.now() - due)),
        platform: this.platform.id,
        surface: this.surface.name,
        page_url: this.pageUrl,
        session_id: this.sessionId,
        rank: record.rank,
        item: { html: null, url, title: null },
      };
      this.pendingImpressions.push({ event, element: record.element });
      this.scheduleTick(performance.now());
    }

    /**
     * Read title, sponsored mark and HTML of waiting impressions and hand them on, in order.
     * Runs when the page is idle after a tick, and at once before anything that must follow
     * them (a click, a dwell update, leaving the page).
     */
    completeImpressions() {
      if (this.idleHandle !== null) cancelIdleCallback(this.idleHandle);
      this.idleHandle = null;
      const waiting = this.pendingImpressions;
      this.pendingImpressions = [];
      for (const { event, element } of waiting) {
        event.item.title = this.readTitle(element);
        event.item.html = rawHtml(element);
        const sibling = this.nextRow(element);
        if (sibling) event.item.next_html = rawHtml(sibling);
        if (this.sponsoredSelector) event.sponsored = isSponsored(element, this.sponsoredSelector);
        this.emit(event);
      }
    }

    // Hacker News splits a story over two rows: the sibling row (score, author, comments) travels along.
    nextRow(element) {
      const siblingSelector = this.platform.item_next_sibling;
      const sibling = siblingSelector ? element.nextElementSibling : null;
      return sibling && safeMatches(sibling, siblingSelector) ? sibling : null;
    }

    /** The tracked item containing a node (for clicks); impressions are forced for clicked items. */
    recordFor(node) {
      for (let element = node; element; element = element.parentElement) {
        const record = this.byElement.get(element);
        if (record && record.element === element) {
          if (!record.impressed) this.sendImpression(record);
          this.completeImpressions(); // the impression goes before its click
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
      this.impressDue(now); // their second ended, their tick has not come yet (the page may be left)
      this.completeImpressions();
      for (const record of this.dwellChanged) {
        // A record that stopped counting changes no more; it comes back when it counts again.
        if (!record.counting) this.dwellChanged.delete(record);
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
      clearTimeout(this.tickTimer);
      this.impressionsDue.clear();
      for (const record of [...this.tallWatchers.keys()]) this.unwatchTall(record);
    }
  }

  // The worker filters and caps the markup; this bound only keeps one pathological element
  // (inline media as data: URLs) from making a message of many megabytes.
  const MAX_RAW_HTML_CHARS = 2_000_000;

  function rawHtml(element) {
    const html = element.outerHTML;
    return html.length > MAX_RAW_HTML_CHARS ? html.slice(0, MAX_RAW_HTML_CHARS) : html;
  }

  function inDocumentOrder(a, b) {
    return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  }

  // An anchor's href property is already resolved (against the document's base URL, as a
  // click would be); other elements fall back to resolving the attribute.
  function linkUrl(link) {
    if (!link) return null;
    const resolved = link.href;
    if (typeof resolved === "string" && /^https?:\/\//i.test(resolved)) return resolved;
    return absoluteUrl(link.getAttribute("href"));
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
    return entry.intersectionRect.height >= 0.5 * viewportHeight - 0.5; // sub-pixel layout at the threshold
  }

  Object.assign(globalThis.feedAudit, { ItemTracker });
})();
