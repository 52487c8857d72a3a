// ES-module face of common/helpers.js (written once, as a classic script the content
// scripts can load too).
import "./helpers.js";

export const { api, uuid, absoluteUrl } = globalThis.feedAudit;
