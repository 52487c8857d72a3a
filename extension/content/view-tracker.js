// Time actually spent on a consumption page (watch page, comments, tweet, article):
// media playing in a visible tab, or the page visible, focused and the person not idle.
(() => {
  const { uuid } = globalThis.feedAudit;

  class ViewTracker {
    constructor({ platform, rule, attention, emit, impressionId }) {
      this.platform = platform;
      this.rule = rule;
      this.attention = attention;
      this.emit = emit;
      this.view = { id: uuid(), url: location.href, impressionId, startTs: Date.now() };
      this.activeMs = 0;
      this.sentMs = -1;
      this.activeSince = null;
      this.unsubscribe = attention.subscribe((now) => this.reevaluate(now));
      this.reevaluate(performance.now());
    }

    isActive() {
      const playing = this.rule.media ? mediaPlaying(this.rule.media) : false;
      return (this.attention.visible && playing) || this.attention.attended;
    }

    reevaluate(now) {
      const active = this.isActive();
      if (active && this.activeSince === null) this.activeSince = now;
      if (!active && this.activeSince !== null) {
        this.activeMs += now - this.activeSince;
        this.activeSince = null;
      }
    }

    flush() {
      const now = performance.now();
      const total = Math.round(this.activeMs + (this.activeSince === null ? 0 : now - this.activeSince));
      if (total === this.sentMs) return;
      this.sentMs = total;
      this.emit({
        type: "view",
        id: this.view.id,
        ts: Date.now(),
        platform: this.platform.id,
        url: this.view.url,
        impression_id: this.view.impressionId,
        active_ms: total,
      });
    }

    stop() {
      this.reevaluate(performance.now());
      this.flush();
      this.unsubscribe();
    }
  }

  function mediaPlaying(selector) {
    try {
      const media = document.querySelector(selector);
      return Boolean(media && !media.paused && !media.ended);
    } catch {
      return false;
    }
  }

  Object.assign(globalThis.feedAudit, { ViewTracker });
})();
