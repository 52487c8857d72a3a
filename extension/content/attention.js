// Is the person actually looking? Tab visible, window focused, not idle
// (no input for idleMs, unless media is playing). Subscribers hear every change.
(() => {
  const INPUT_EVENTS = ["mousemove", "mousedown", "keydown", "wheel", "scroll", "touchstart", "pointerdown"];
  const MEDIA_EVENTS = ["play", "playing", "pause", "ended", "emptied"];

  class Attention {
    constructor({ idleMs }) {
      this.idleMs = idleMs;
      this.listeners = new Set();
      this.visible = document.visibilityState === "visible";
      this.focused = document.hasFocus();
      this.lastInputTs = Date.now();
      this.idle = false;
      this.mediaPlaying = anyMediaPlaying();
      this.idleTimer = null;
      this.handlers = [];
      this.listen(document, "visibilitychange", () => this.update({ visible: document.visibilityState === "visible" }));
      this.listen(window, "focus", () => this.update({ focused: true }));
      this.listen(window, "blur", () => this.update({ focused: false }));
      for (const type of INPUT_EVENTS) this.listen(window, type, () => this.onInput(), { passive: true, capture: true });
      // Media events do not bubble; a capturing listener on document still sees them.
      for (const type of MEDIA_EVENTS) this.listen(document, type, () => this.update({ mediaPlaying: anyMediaPlaying() }), { capture: true });
      this.armIdleTimer();
    }

    listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      this.handlers.push(() => target.removeEventListener(type, handler, options));
    }

    subscribe(listener) {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    }

    /** Visible tab in a focused window: the condition for an impression. */
    get viewable() {
      return this.visible && this.focused;
    }

    /** Visible tab with media playing: counts as attention even without input or focus (views). */
    get watching() {
      return this.visible && this.mediaPlaying;
    }

    /** Viewable and the person present (recent input, or media playing). */
    get attended() {
      return this.viewable && (!this.idle || this.mediaPlaying);
    }

    onInput() {
      this.lastInputTs = Date.now();
      if (this.idle) this.update({ idle: false });
      // The timer is re-armed lazily when it fires, so input costs only a timestamp.
    }

    armIdleTimer() {
      clearTimeout(this.idleTimer);
      const due = this.lastInputTs + this.idleMs - Date.now();
      this.idleTimer = setTimeout(() => {
        // Input since arming only moved lastInputTs; re-arm for the remainder. Once idle, input re-arms.
        if (Date.now() - this.lastInputTs >= this.idleMs) this.update({ idle: true });
        else this.armIdleTimer();
      }, Math.max(due, 50));
    }

    setIdleMs(idleMs) {
      this.idleMs = idleMs;
      this.armIdleTimer();
    }

    update(changes) {
      const changed = Object.entries(changes).some(([name, value]) => this[name] !== value);
      Object.assign(this, changes);
      if (changes.idle === false) this.armIdleTimer();
      if (changed) {
        const now = performance.now();
        for (const listener of this.listeners) listener(now);
      }
    }

    stop() {
      clearTimeout(this.idleTimer);
      for (const remove of this.handlers) remove();
      this.listeners.clear();
    }
  }

  function anyMediaPlaying() {
    for (const media of document.querySelectorAll("video, audio")) {
      if (!media.paused && !media.ended) return true;
    }
    return false;
  }

  Object.assign(globalThis.feedAudit, { Attention });
})();
