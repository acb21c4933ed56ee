/** One page of a listing that groups keys by delimiter, as OSS ListObjects does. */
export interface ListingPage<T> {
  items: T[];
  /** Common prefixes (each ends with the delimiter). */
  prefixes: string[];
  truncated: boolean;
  /** Last key or common prefix returned: where the next page starts (exclusive). */
  last?: string;
}

/**
 * Pages through `sorted` (ascending by key), keeping keys that start with `prefix` and come
 * after `after`; with a delimiter, keys sharing `<prefix>…<delimiter>` collapse into one common
 * prefix, which counts as one entry towards `max` (OSS/S3 semantics).
 */
export function listPage<T>(sorted: T[], keyOf: (t: T) => string, opts: { prefix: string; after: string; delimiter: string; max: number }): ListingPage<T> {
  const { prefix, after, delimiter, max } = opts;
  const items: T[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  for (const item of sorted) {
    const key = keyOf(item);
    if (!key.startsWith(prefix) || Buffer.compare(Buffer.from(key), Buffer.from(after)) <= 0) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut >= 0 ? key.slice(0, cut + delimiter.length) : key;
    // keys under a common prefix already returned (or passed by the marker) add nothing
    if (cut >= 0 && (entry === last || (after && entry <= after && after.startsWith(entry)))) continue;
    if (items.length + prefixes.length >= max) return { items, prefixes, truncated: true, last };
    if (cut >= 0) prefixes.push(entry);
    else items.push(item);
    last = entry;
  }
  return { items, prefixes, truncated: false, last };
}
