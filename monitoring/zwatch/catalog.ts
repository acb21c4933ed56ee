/**
 * The ZWatch metric and event catalogs (ZStack's GetAllMetricMetadata / GetAllEventMetadata).
 *
 * Every metric maps a ZStack namespace + metric name onto PromQL over hostd's metrics
 * (hostd/metrics.ts) or the management node's (monitoring/metrics/node-metrics.ts). The
 * expression groups by the metric's Prometheus labels, so one alarm evaluates each VM or host
 * as its own series. ZStack label names (`VMUuid`, `HostUuid`) map onto Prometheus label
 * names (`vmUuid`, `hostUuid`); label filters are injected into every selector.
 */
import type { ResourceEvent } from "../../server/events/service.ts";

/** A ZStack label and the Prometheus label it filters. */
export interface MetricLabel {
  /** ZStack label name, e.g. VMUuid. */
  name: string;
  /** Prometheus label name, e.g. vmUuid. */
  promLabel: string;
}

/** One metric of the catalog. */
export interface MetricDefinition {
  namespace: string;
  name: string;
  /** Unit of the values, e.g. "%", "B/s", "ops/s". */
  unit: string;
  description: string;
  labels: MetricLabel[];
  /**
   * Builds the PromQL: `sel` is the comma-joined label matchers to put in every selector
   * (possibly empty), `window` the rate() window such as `60s`.
   */
  promql(sel: string, window: string): string;
}

const VM_LABELS: MetricLabel[] = [{ name: "VMUuid", promLabel: "vmUuid" }, { name: "HostUuid", promLabel: "hostUuid" }];
const HOST_LABELS: MetricLabel[] = [
  { name: "HostUuid", promLabel: "hostUuid" }, { name: "ClusterUuid", promLabel: "clusterUuid" }, { name: "ZoneUuid", promLabel: "zoneUuid" },
];

/** `{a,b}` of a selector: fixed matchers first, then the caller's. */
const m = (...parts: string[]) => `{${parts.filter(Boolean).join(",")}}`;

/** Per-VM rate of a counter summed over its devices. */
const vmRate = (metric: string) => (sel: string, w: string) => `sum by (vmUuid, hostUuid) (rate(${metric}${m(sel)}[${w}]))`;
/** Per-host rate of a counter summed over its devices. */
const hostRate = (metric: string) => (sel: string, w: string) => `sum by (hostUuid) (rate(${metric}${m(sel)}[${w}]))`;

/** Every metric ZWatch knows. */
export const METRICS: MetricDefinition[] = [
  // ZStack/VM — hostd's vm_* series (libvirt domstats)
  {
    namespace: "ZStack/VM", name: "CPUAverageUsedUtilization", unit: "%", labels: VM_LABELS,
    description: "CPU used by the VM as a percentage of its vCPUs (100 = every vCPU busy)",
    promql: (sel, w) => `100 * sum by (vmUuid, hostUuid) (rate(vm_cpu_seconds_total${m(sel)}[${w}])) / sum by (vmUuid, hostUuid) (vm_vcpus${m(sel)})`,
  },
  {
    namespace: "ZStack/VM", name: "MemoryUsedInPercent", unit: "%", labels: VM_LABELS,
    description: "Resident memory of the VM's QEMU process as a percentage of the memory given to the guest",
    promql: (sel) => `100 * sum by (vmUuid, hostUuid) (vm_memory_rss_bytes${m(sel)}) / sum by (vmUuid, hostUuid) (vm_memory_balloon_current_bytes${m(sel)})`,
  },
  { namespace: "ZStack/VM", name: "DiskReadBytes", unit: "B/s", labels: VM_LABELS, description: "Bytes read per second over all disks", promql: vmRate("vm_disk_read_bytes_total") },
  { namespace: "ZStack/VM", name: "DiskWriteBytes", unit: "B/s", labels: VM_LABELS, description: "Bytes written per second over all disks", promql: vmRate("vm_disk_write_bytes_total") },
  { namespace: "ZStack/VM", name: "DiskReadOps", unit: "ops/s", labels: VM_LABELS, description: "Read requests per second over all disks", promql: vmRate("vm_disk_read_requests_total") },
  { namespace: "ZStack/VM", name: "DiskWriteOps", unit: "ops/s", labels: VM_LABELS, description: "Write requests per second over all disks", promql: vmRate("vm_disk_write_requests_total") },
  { namespace: "ZStack/VM", name: "NetworkInBytes", unit: "B/s", labels: VM_LABELS, description: "Bytes received per second over all NICs", promql: vmRate("vm_network_receive_bytes_total") },
  { namespace: "ZStack/VM", name: "NetworkOutBytes", unit: "B/s", labels: VM_LABELS, description: "Bytes sent per second over all NICs", promql: vmRate("vm_network_transmit_bytes_total") },
  // ZStack/Host — hostd's host_* series (/proc, statfs)
  {
    namespace: "ZStack/Host", name: "CPUAverageUsedUtilization", unit: "%", labels: HOST_LABELS,
    description: "Host CPU time not idle, as a percentage over all CPU threads",
    promql: (sel, w) => `100 * (1 - sum by (hostUuid) (rate(host_cpu_seconds_total${m('mode="idle"', sel)}[${w}])) / sum by (hostUuid) (rate(host_cpu_seconds_total${m(sel)}[${w}])))`,
  },
  {
    namespace: "ZStack/Host", name: "MemoryUsedInPercent", unit: "%", labels: HOST_LABELS,
    description: "Host memory in use (MemTotal - MemAvailable) as a percentage of MemTotal",
    promql: (sel) => `100 * (1 - sum by (hostUuid) (host_memory_available_bytes${m(sel)}) / sum by (hostUuid) (host_memory_total_bytes${m(sel)}))`,
  },
  {
    namespace: "ZStack/Host", name: "MemoryUsedBytes", unit: "B", labels: HOST_LABELS, description: "Host memory in use (MemTotal - MemAvailable)",
    promql: (sel) => `sum by (hostUuid) (host_memory_total_bytes${m(sel)}) - sum by (hostUuid) (host_memory_available_bytes${m(sel)})`,
  },
  {
    namespace: "ZStack/Host", name: "DiskUsedCapacityInPercent", unit: "%", labels: HOST_LABELS,
    description: "Used space of the filesystem holding hostd's data directory",
    promql: (sel) => `100 * (1 - sum by (hostUuid) (host_disk_free_bytes${m(sel)}) / sum by (hostUuid) (host_disk_total_bytes${m(sel)}))`,
  },
  { namespace: "ZStack/Host", name: "NetworkInBytes", unit: "B/s", labels: HOST_LABELS, description: "Bytes received per second over all host interfaces", promql: hostRate("host_network_receive_bytes_total") },
  { namespace: "ZStack/Host", name: "NetworkOutBytes", unit: "B/s", labels: HOST_LABELS, description: "Bytes sent per second over all host interfaces", promql: hostRate("host_network_transmit_bytes_total") },
  // ZStack/ManagementNode — the node's own /metrics
  {
    namespace: "ZStack/ManagementNode", name: "APIRequestRate", unit: "req/s", labels: [{ name: "APIName", promLabel: "apiName" }],
    description: "REST API calls per second by API name",
    promql: (sel, w) => `sum by (apiName) (rate(strata_api_requests_total${m(sel)}[${w}]))`,
  },
  {
    namespace: "ZStack/ManagementNode", name: "APIErrorRate", unit: "req/s", labels: [{ name: "APIName", promLabel: "apiName" }],
    description: "REST API calls per second that answered 5xx, by API name",
    promql: (sel, w) => `sum by (apiName) (rate(strata_api_requests_total${m('code=~"5.."', sel)}[${w}]))`,
  },
  {
    namespace: "ZStack/ManagementNode", name: "JobFailures", unit: "jobs/s", labels: [{ name: "JobType", promLabel: "jobType" }],
    description: "API jobs failing per second by job type",
    promql: (sel, w) => `sum by (jobType) (rate(strata_jobs_finished_total${m('result="Failed"', sel)}[${w}]))`,
  },
  {
    namespace: "ZStack/ManagementNode", name: "AliyunSyncErrors", unit: "errors/s", labels: [],
    description: "Failed Alibaba Cloud syncs per second",
    promql: (sel, w) => `sum(rate(strata_aliyun_sync_errors_total${m(sel)}[${w}]))`,
  },
];

// ZStack/Aliyun/ECS: the VM metrics restricted to ECS instances, whose series the node exports
// from CloudMonitor with the same names plus provider="Aliyun" (monitoring/aliyun/ecs-metrics.ts).
for (const vm of METRICS.filter((d) => d.namespace === "ZStack/VM")) {
  METRICS.push({
    ...vm, namespace: "ZStack/Aliyun/ECS", labels: [{ name: "VMUuid", promLabel: "vmUuid" }],
    description: `${vm.description} (ECS instances, from Alibaba CloudMonitor)`,
    promql: (sel, w) => vm.promql(['provider="Aliyun"', sel].filter(Boolean).join(","), w),
  });
}

/** The catalog entry, or undefined. */
export function findMetric(namespace: string, name: string): MetricDefinition | undefined {
  return METRICS.find((d) => d.namespace === namespace && d.name === name);
}

/** One event of the catalog: which bus events it covers and the labels it carries. */
export interface EventDefinition {
  namespace: string;
  name: string;
  description: string;
  /** Label names a subscription may filter on. */
  labels: string[];
  /** The event's labels when `e` is one of this kind, else undefined. */
  match(e: ResourceEvent): Record<string, string> | undefined;
  /** Emergency level shown in messages. */
  emergencyLevel: "Emergent" | "Important" | "Normal";
}

const state = (e: ResourceEvent) => ({ OldState: e.oldState ?? "", NewState: e.newState ?? "" });

/** Every event ZWatch can subscribe to, derived from the EventBus's resource events. */
export const EVENTS: EventDefinition[] = [
  {
    namespace: "ZStack/VM", name: "VMStateChangedOnHost", emergencyLevel: "Important",
    description: "A VM instance changed state (e.g. Running → Unknown), local KVM or ECS",
    labels: ["VMUuid", "OldState", "NewState"],
    match: (e) => e.type === "ResourceStateChanged" && e.resourceType === "VmInstance" ? { VMUuid: e.resourceUuid, ...state(e) } : undefined,
  },
  {
    namespace: "ZStack/Host", name: "HostStatusChanged", emergencyLevel: "Normal",
    description: "A host's connection status changed (Connecting, Connected, Disconnected)",
    labels: ["HostUuid", "OldStatus", "NewStatus"],
    match: (e) => e.type === "ResourceStatusChanged" && e.resourceType === "Host"
      ? { HostUuid: e.resourceUuid, OldStatus: e.oldState ?? "", NewStatus: e.newState ?? "" } : undefined,
  },
  {
    namespace: "ZStack/Host", name: "HostDisconnected", emergencyLevel: "Emergent",
    description: "A host became Disconnected (its agent stopped answering pings)",
    labels: ["HostUuid"],
    match: (e) => e.type === "ResourceStatusChanged" && e.resourceType === "Host" && e.newState === "Disconnected"
      ? { HostUuid: e.resourceUuid } : undefined,
  },
  {
    namespace: "ZStack/Host", name: "HostReconnected", emergencyLevel: "Normal",
    description: "A Disconnected host became Connected again",
    labels: ["HostUuid"],
    match: (e) => e.type === "ResourceStatusChanged" && e.resourceType === "Host" && e.oldState === "Disconnected" && e.newState === "Connected"
      ? { HostUuid: e.resourceUuid } : undefined,
  },
  {
    namespace: "ZStack/PrimaryStorage", name: "PrimaryStorageStatusChanged", emergencyLevel: "Important",
    description: "A primary storage's status changed (e.g. Connected → Disconnected)",
    labels: ["PrimaryStorageUuid", "OldStatus", "NewStatus"],
    match: (e) => e.type === "ResourceStatusChanged" && e.resourceType === "PrimaryStorage"
      ? { PrimaryStorageUuid: e.resourceUuid, OldStatus: e.oldState ?? "", NewStatus: e.newState ?? "" } : undefined,
  },
  {
    namespace: "ZStack/Job", name: "ApiJobFailed", emergencyLevel: "Important",
    description: "A durable API job failed (its error is at GET /v1/api-jobs/{uuid})",
    labels: ["JobType", "ApiName", "JobUuid"],
    match: (e) => e.resourceType === "ApiJob" && e.newState === "Failed"
      ? { JobType: String(e.details?.jobType ?? ""), ApiName: String(e.details?.apiName ?? ""), JobUuid: e.resourceUuid } : undefined,
  },
  {
    namespace: "ZStack/Aliyun", name: "AliyunSyncFailed", emergencyLevel: "Important",
    description: "A sync of an Alibaba Cloud data center with the remote side failed",
    labels: ["JobUuid", "ApiName"],
    match: (e) => e.resourceType === "ApiJob" && e.newState === "Failed" && e.details?.jobType === "aliyun.sync"
      ? { JobUuid: e.resourceUuid, ApiName: String(e.details?.apiName ?? "") } : undefined,
  },
  {
    namespace: "ZStack/Resource", name: "ResourceStateChanged", emergencyLevel: "Normal",
    description: "Any resource changed state or status (the generic form of the events above)",
    labels: ["ResourceType", "ResourceUuid", "OldState", "NewState"],
    match: (e) => (e.type === "ResourceStateChanged" || e.type === "ResourceStatusChanged") && e.resourceType !== "ApiJob"
      ? { ResourceType: e.resourceType, ResourceUuid: e.resourceUuid, ...state(e) } : undefined,
  },
];

/** The event catalog entry, or undefined. */
export function findEvent(namespace: string, name: string): EventDefinition | undefined {
  return EVENTS.find((d) => d.namespace === namespace && d.name === name);
}

/** A label filter of an alarm or subscription (ZStack AlarmLabel / EventSubscriptionLabel). */
export interface LabelFilter {
  key: string;
  op: "Equal" | "NotEqual" | "Regex" | "RegexAgainst";
  value: string;
}

const PROM_OPS = { Equal: "=", NotEqual: "!=", Regex: "=~", RegexAgainst: "!~" } as const;

/** PromQL label matchers (comma-joined) for ZStack label filters of `def`; unknown labels are the caller's to reject first. */
export function promMatchers(def: MetricDefinition, filters: LabelFilter[]): string {
  return filters.map((f) => {
    const label = def.labels.find((l) => l.name === f.key)!;
    return `${label.promLabel}${PROM_OPS[f.op]}${JSON.stringify(f.value)}`;
  }).join(",");
}

/** Whether labels satisfy every filter (event subscriptions). Regex is anchored, as in PromQL. */
export function labelsMatch(labels: Record<string, string>, filters: LabelFilter[]): boolean {
  return filters.every((f) => {
    const v = labels[f.key] ?? "";
    switch (f.op) {
      case "Equal": return v === f.value;
      case "NotEqual": return v !== f.value;
      case "Regex": return new RegExp(`^(?:${f.value})$`).test(v);
      case "RegexAgainst": return !new RegExp(`^(?:${f.value})$`).test(v);
    }
  });
}

/** ZStack label names of a Prometheus series (vmUuid → VMUuid); labels the metric does not declare are dropped. */
export function zstackLabels(def: MetricDefinition, promLabels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of def.labels) if (promLabels[l.promLabel] !== undefined) out[l.name] = promLabels[l.promLabel]!;
  return out;
}
