// Which feed items the visibility observer watches. On every frame whose layout changed,
// the browser recomputes the geometry of every observed element, so observing all the items
// of a long feed costs more with each item the feed grows by (0.7 s of main thread over a
// 1,000-item infinite scroll, measured). Only the items within a margin, in feed order, of
// those on screen are observed; the window moves as the person scrolls.
//
// Feed order (rank) is document order as long as the site only appends items. Anything
// else turns the window off for the page view and every item is observed again, as before:
// a new item inserted before a known one, a re-rendered item far outside the window, items
// entering the screen in one frame out of rank order. When no item is on screen (a jump, or
// a part of the page that is not the feed) every item is observed until some are again.
(() => {
  const MIN_MARGIN = 40; // items observed on each side of those on screen, at least
  // Items of a later rank drawn this far above an earlier one mean the layout is not in feed order.
  const ORDER_TOLERANCE_PX = 100;

  class ObservationWindow {
    constructor({ observer, records }) {
      this.observer = observer;
      this.records = records; // the tracker's array, in rank order
      this.enabled = true;
      this.whole = true; // every record observed
      this.lo = 0; // the window, as indices into records (rank - 1), when not whole
      this.hi = -1;
      this.onScreen = new Set(); // records whose element intersects the viewport
      this.lastNewElement = null;
      this.entered = []; // {rank, top, time} of this callback's intersecting entries
    }

    /** A new record (the site added an item): observed if the window reaches it. */
    added(record) {
      const previous = this.lastNewElement;
      this.lastNewElement = record.element;
      if (this.enabled && previous?.isConnected && !(previous.compareDocumentPosition(record.element) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        this.disable(); // inserted before a known item: ranks no longer follow the document
      }
      if (this.covers(record)) this.observe(record);
    }

    /** A known record's item was re-rendered as a new element. */
    replaced(record, element) {
      this.unobserve(record);
      this.onScreen.delete(record);
      record.element = element;
      if (this.enabled && !this.covers(record)) this.disable(); // re-rendered away from the screen: order unknown
      if (this.covers(record)) this.observe(record);
    }

    covers(record) {
      return this.whole || (record.rank - 1 >= this.lo && record.rank - 1 <= this.hi);
    }

    /**
     * Note one observer entry (settle() follows for the whole callback). Entries computed in
     * the same frame carry the same time and share one scroll position, so only their tops
     * are compared with each other (reading the scroll position here would force a layout on
     * a busy page). One callback can carry several frames' entries, even two of one item,
     * when the page was too busy to run it between frames (smooth scrolling of a busy feed).
     */
    saw(record, entry) {
      if (entry.isIntersecting) {
        this.entered.push({ rank: record.rank, top: entry.boundingClientRect.top, time: entry.time });
        this.onScreen.add(record);
      } else {
        this.onScreen.delete(record);
      }
    }

    /** After a batch of entries: move the window to the items now on screen. */
    settle() {
      const entered = this.entered;
      this.entered = [];
      if (!this.enabled) return;
      if (this.onScreen.size === 0) {
        this.observeAll();
        return;
      }
      let first = Infinity;
      let last = -1;
      for (const record of this.onScreen) {
        first = Math.min(first, record.rank - 1);
        last = Math.max(last, record.rank - 1);
      }
      if (!inFeedOrder(entered)) {
        this.disable();
        return;
      }
      const margin = Math.max(MIN_MARGIN, 2 * (last - first + 1));
      const recenter = this.whole
        || (this.lo > 0 && first - this.lo < margin / 2)
        || this.hi - last < margin / 2
        || first - this.lo > 2 * margin
        || this.hi - last > 2 * margin;
      if (recenter) this.moveTo(Math.max(0, first - margin), last + margin);
    }

    moveTo(lo, hi) {
      const { records } = this;
      // Only the records whose membership can change are visited (all of them after `whole`).
      const from = this.whole ? 0 : Math.min(lo, this.lo);
      const to = Math.min(records.length - 1, this.whole ? records.length - 1 : Math.max(hi, this.hi));
      this.whole = false;
      this.lo = lo;
      this.hi = hi;
      for (let index = from; index <= to; index += 1) {
        const record = records[index];
        if (index >= lo && index <= hi) this.observe(record);
        else this.unobserve(record);
      }
    }

    observeAll() {
      if (this.whole) return;
      this.whole = true;
      for (const record of this.records) this.observe(record);
    }

    disable() {
      this.enabled = false;
      this.observeAll();
    }

    observe(record) {
      if (record.observed) return;
      record.observed = true;
      this.observer.observe(record.element); // the observer reports its state in the next frame
    }

    unobserve(record) {
      if (!record.observed) return;
      record.observed = false;
      this.observer.unobserve(record.element);
    }
  }

  /** Whether the items that entered in each frame are laid out in rank order (see saw()). */
  function inFeedOrder(entered) {
    if (entered.length < 2) return true;
    entered.sort((a, b) => a.time - b.time || a.rank - b.rank);
    for (let i = 1; i < entered.length; i += 1) {
      const [earlier, later] = [entered[i - 1], entered[i]];
      if (later.time === earlier.time && later.top < earlier.top - ORDER_TOLERANCE_PX) return false;
    }
    return true;
  }

  Object.assign(globalThis.feedAudit, { ObservationWindow, inFeedOrder });
})();
