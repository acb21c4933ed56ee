/**
 * A small client of Prometheus's HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * instant queries (`/api/v1/query`) and range queries (`/api/v1/query_range`). The management
 * node reads metrics only through it (PROMETHEUS_URL); it does no other I/O.
 */
import { Errors } from "../../server/errors/catalogue.ts";

/** One series of an instant query: its labels and value. */
export interface InstantSample {
  labels: Record<string, string>;
  /** Sample time, seconds since the epoch. */
  time: number;
  value: number;
}

/** One series of a range query: its labels and [time (s), value] points. */
export interface RangeSeries {
  labels: Record<string, string>;
  points: { time: number; value: number }[];
}

/** Prometheus refuses range queries of more points per series than this (`exceeded maximum resolution of 11,000 points`). */
export const MAX_POINTS_PER_SERIES = 11_000;

interface PromReply {
  status: "success" | "error";
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
  errorType?: string;
  error?: string;
}

/** Client of one Prometheus server. */
export class PrometheusClient {
  constructor(
    /** Base URL, e.g. http://127.0.0.1:9090; undefined: every call fails with ZWATCH.PROMETHEUS_UNAVAILABLE. */
    readonly baseUrl: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  /**
   * Evaluates `expr` at `time` (seconds; default now).
   * @throws ApiError ZWATCH.PROMETHEUS_UNAVAILABLE (unset, unreachable, 5xx), SYS.1007 when Prometheus rejects the query.
   */
  async query(expr: string, time?: number): Promise<InstantSample[]> {
    const data = await this.call("/api/v1/query", { query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
    if (data.resultType === "scalar") return [];
    return data.result.map((r) => ({ labels: r.metric, time: Number(r.value![0]), value: Number(r.value![1]) }));
  }

  /**
   * Evaluates `expr` from `start` to `end` (seconds) every `step` seconds; the caller keeps
   * (end - start) / step within {@link MAX_POINTS_PER_SERIES}.
   * @throws ApiError as {@link query}.
   */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    const data = await this.call("/api/v1/query_range", { query: expr, start: String(start), end: String(end), step: String(step) });
    return data.result.map((r) => ({
      labels: r.metric,
      points: (r.values ?? []).map(([t, v]) => ({ time: Number(t), value: Number(v) })),
    }));
  }

  private async call(path: string, form: Record<string, string>): Promise<NonNullable<PromReply["data"]>> {
    if (!this.baseUrl) throw Errors.prometheusUnavailable("PROMETHEUS_URL is not set");
    let r: Response;
    try {
      // POST form: long PromQL (many label matchers) does not fit a URL.
      r = await fetch(this.baseUrl + path, {
        method: "POST", body: new URLSearchParams(form), redirect: "error", signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw Errors.prometheusUnavailable(`${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await r.text();
    let body: PromReply;
    try {
      body = JSON.parse(text) as PromReply;
    } catch {
      throw Errors.prometheusUnavailable(`${this.baseUrl}${path} answered ${r.status} without JSON`);
    }
    if (body.status !== "success" || !body.data) {
      if (r.status === 400 || r.status === 422) throw Errors.invalidArgument("Prometheus rejected the query", `${body.errorType}: ${body.error}`);
      throw Errors.prometheusUnavailable(`${r.status} ${body.errorType ?? ""}: ${body.error ?? ""}`);
    }
    return body.data;
  }
}
