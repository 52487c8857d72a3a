// Clicks on feed items: primary clicks (plain, ctrl/cmd/shift/alt) and middle clicks
// (auxclick). The event is handed to the outbox at once: the page may be leaving.
(() => {
  const { uuid, absoluteUrl } = globalThis.feedAudit;

  const MODIFIER_KEYS = [["ctrlKey", "ctrl"], ["metaKey", "meta"], ["shiftKey", "shift"], ["altKey", "alt"]];

  class ClickTracker {
    constructor({ findRecord, emit, onClick }) {
      this.findRecord = findRecord;
      this.emit = emit;
      this.onClick = onClick;
      this.handler = (event) => this.handle(event);
      document.addEventListener("click", this.handler, true);
      document.addEventListener("auxclick", this.handler, true);
    }

    handle(event) {
      if (event.type === "auxclick" && event.button !== 1) return; // right clicks open menus, not items
      if (event.type === "click" && event.button !== 0) return;
      const target = event.target instanceof Element ? event.target : event.target?.parentElement;
      if (!target) return;
      const record = this.findRecord(target);
      if (!record) return;
      const link = target.closest("a[href]");
      const href = absoluteUrl(link?.getAttribute("href")) ?? record.key;
      const modifiers = MODIFIER_KEYS.filter(([property]) => event[property]).map(([, name]) => name);
      const click = { type: "click", id: uuid(), ts: Date.now(), impression_id: record.id, href, button: event.button };
      if (modifiers.length > 0) click.modifiers = modifiers;
      this.emit(click);
      this.onClick();
    }

    stop() {
      document.removeEventListener("click", this.handler, true);
      document.removeEventListener("auxclick", this.handler, true);
    }
  }

  Object.assign(globalThis.feedAudit, { ClickTracker });
})();
