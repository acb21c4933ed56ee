/** What one reconcile pass changed. */
export interface ReconcileResult {
  created: number;
  updated: number;
  deleted: number;
}

/** Most rows one `createMany` call gets. */
export const BATCH = 500;

/**
 * Brings local rows in line with what Alibaba Cloud reports, by remote id: rows for new
 * remote resources are created, changed ones updated, vanished ones removed. It is a pure
 * diff, so running it twice changes nothing the second time; and since each local row is
 * keyed by (data center, remote id) with a unique index, a create racing another sync can
 * never insert a second copy (the `create` callbacks use upsert).
 */
export async function reconcile<R, L>(spec: {
  remote: R[];
  remoteId: (r: R) => string;
  local: L[];
  localId: (l: L) => string;
  create: (r: R) => Promise<void>;
  /**
   * Creates many at once instead of one by one (same effect as `create` for each; rows
   * that already exist are skipped); called with at most {@link BATCH} at a time.
   */
  createMany?: (rs: R[]) => Promise<void>;
  /** The fields of `l` that differ from `r`, as an update; empty when nothing changed. */
  changes: (l: L, r: R) => Record<string, unknown>;
  update: (l: L, data: Record<string, unknown>) => Promise<void>;
  remove: (l: L) => Promise<void>;
}): Promise<ReconcileResult> {
  const result: ReconcileResult = { created: 0, updated: 0, deleted: 0 };
  const remoteById = new Map(spec.remote.map((r) => [spec.remoteId(r), r]));
  const localById = new Map(spec.local.map((l) => [spec.localId(l), l]));
  const fresh: R[] = [];
  for (const [id, r] of remoteById) {
    const l = localById.get(id);
    if (!l) {
      if (spec.createMany) fresh.push(r);
      else await spec.create(r);
      result.created++;
      continue;
    }
    const data = spec.changes(l, r);
    if (Object.keys(data).length) {
      await spec.update(l, data);
      result.updated++;
    }
  }
  for (let i = 0; i < fresh.length; i += BATCH) await spec.createMany!(fresh.slice(i, i + BATCH));
  for (const [id, l] of localById) {
    if (!remoteById.has(id)) {
      await spec.remove(l);
      result.deleted++;
    }
  }
  return result;
}

/**
 * The entries of `wanted` whose value differs from `row` (compares as strings, so BigInt and
 * numbers from JSON compare equal), for {@link reconcile}'s `changes`.
 */
export function changedFields(row: Record<string, unknown>, wanted: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wanted)) {
    if (v === undefined) continue;
    const a = row[k];
    const same = (a === null || a === undefined) ? (v === null) : (v !== null && String(a) === String(v));
    if (!same) out[k] = v;
  }
  return out;
}
