// Item HTML for the server: outerHTML without scripts, styles, inline SVG paths
// and base64 images, capped so one impression can never bloat the queue.

export const MAX_HTML_BYTES = 32000; // under 32 KB whether counted as 1000 or 1024, bytes or characters

const REMOVED_ELEMENTS = "script, style, noscript, template, iframe, link, svg path, svg use, svg g, svg defs";
const BASE64_ATTRIBUTES = ["src", "srcset", "style", "href", "poster", "data-src", "data-thumb"];
// Selecting candidates is much cheaper than walking every attribute of every node.
const BASE64_CARRIERS = BASE64_ATTRIBUTES.map((name) => `[${name}*="base64"]`).join(", ");
// Ad markup can carry tens of KB of tracking URLs in data-* attributes (old Reddit's
// data-adserver-*-pixel): over the cap, such long values go before the item's text does.
const LONG_DATA_ATTRIBUTE = 500;
const encoder = new TextEncoder();

export function sanitizedHtml(element) {
  const copy = element.cloneNode(true);
  for (const node of copy.querySelectorAll(REMOVED_ELEMENTS)) node.remove();
  if (copy.matches(BASE64_CARRIERS)) stripBase64(copy);
  for (const node of copy.querySelectorAll(BASE64_CARRIERS)) stripBase64(node);
  let html = copy.outerHTML;
  if (html.length > MAX_HTML_BYTES / 3 && encoder.encode(html).length > MAX_HTML_BYTES) {
    for (const node of [copy, ...copy.querySelectorAll("*")]) stripLongDataAttributes(node);
    html = copy.outerHTML;
  }
  return capUtf8(html, MAX_HTML_BYTES);
}

function stripLongDataAttributes(node) {
  for (const name of node.getAttributeNames()) {
    if (name.startsWith("data-") && node.getAttribute(name).length > LONG_DATA_ATTRIBUTE) node.removeAttribute(name);
  }
}

function stripBase64(node) {
  for (const name of BASE64_ATTRIBUTES) {
    const value = node.getAttribute(name);
    if (value && /data:[^,;]*;base64/i.test(value)) node.removeAttribute(name);
  }
}

/** Cut to at most maxBytes of UTF-8, at the end of a tag where possible. */
export function capUtf8(text, maxBytes) {
  if (text.length <= maxBytes / 3 || encoder.encode(text).length <= maxBytes) return text;
  let low = 0;
  let high = Math.min(text.length, maxBytes);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (encoder.encode(text.slice(0, middle)).length <= maxBytes) low = middle;
    else high = middle - 1;
  }
  const cut = text.slice(0, low);
  const lastTagEnd = cut.lastIndexOf(">");
  return lastTagEnd > 0 ? cut.slice(0, lastTagEnd + 1) : cut;
}
