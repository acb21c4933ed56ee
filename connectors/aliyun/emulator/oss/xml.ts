/**
 * The little XML OSS needs: building response documents and reading the three small request
 * documents clients send (CreateBucketConfiguration, CompleteMultipartUpload, Delete). Those
 * are flat and known, so a tag-extracting reader does; a general XML parser would be dead weight.
 */

/** A value in an XML document: text, a nested element, a repeated element (array), or absent. */
export type XmlValue = string | number | boolean | undefined | null | XmlNode | XmlValue[];
/** An element's children by tag name, in order. */
export interface XmlNode {
  [tag: string]: XmlValue;
}

/** Escapes text content for XML. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** Unescapes the five predefined entities and numeric references. */
export function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);
}

function render(tag: string, value: XmlValue): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => render(tag, v)).join("");
  if (value === null || value === "") return `<${tag}></${tag}>`;
  if (typeof value === "object") return `<${tag}>${Object.entries(value).map(([k, v]) => render(k, v)).join("")}</${tag}>`;
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** A whole document with the XML declaration OSS sends; `undefined` children are left out. */
export function xmlDocument(root: string, body: XmlNode | string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root, body)}`;
}

/** The text of every `<tag>…</tag>` directly inside `xml` (no nesting of the same tag). */
export function xmlElements(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}\\s*/>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1] ?? "");
}

/** The text of the first `<tag>`, unescaped but not trimmed (object keys may hold spaces), or undefined. */
export function xmlText(xml: string, tag: string): string | undefined {
  const found = xmlElements(xml, tag)[0];
  return found === undefined ? undefined : unescapeXml(found);
}
