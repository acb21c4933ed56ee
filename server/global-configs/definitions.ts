import { z, type ZodType } from "zod";
import { isValidTimeZone } from "../http/time-zone.ts";

/**
 * A global configuration option (ZStack GlobalConfig): category + name identify it, `type`
 * names the value's type as ZStack does, `validator` checks a new value before it is stored.
 */
export interface GlobalConfigDefinition {
  category: string;
  name: string;
  type: "Integer" | "Long" | "Float" | "Boolean" | "String";
  defaultValue: string;
  /** What it controls, with its unit. */
  description: string;
  validator: ZodType;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const long = (min: bigint) => z.coerce.bigint().min(min);

function def(category: string, name: string, type: GlobalConfigDefinition["type"], defaultValue: string,
  description: string, validator: ZodType): GlobalConfigDefinition {
  return { category, name, type, defaultValue, description, validator };
}

const GiB = 1024n ** 3n;
const TiB = 1024n ** 4n;

/**
 * Every global config Strata knows. Modules of later issues append theirs here so that one
 * list documents them all (GET /v1/global-configurations).
 */
export const GLOBAL_CONFIG_DEFINITIONS: GlobalConfigDefinition[] = [
  // identity (ZStack IdentityGlobalConfig)
  def("identity", "session.timeout", "Integer", "7200",
    "Seconds a session stays valid after login (ZStack identity/session.timeout).", int(60, 31_536_000)),
  def("identity", "session.maxConcurrent", "Integer", "500",
    "Most unexpired sessions one account may hold; a login beyond it is refused (ZStack identity/session.maxConcurrent).",
    int(1, 100_000)),
  def("identity", "login.maxFailures", "Integer", "6",
    "Consecutive failed logins after which the account or user is locked.", int(1, 1000)),
  def("identity", "login.lockSeconds", "Integer", "600",
    "Seconds an account or user stays locked after too many failed logins.", int(1, 86_400 * 30)),
  // api jobs
  def("api", "job.resultRetentionSeconds", "Integer", "86400",
    "Seconds the result of a finished API job stays readable at /v1/api-jobs/{uuid}.", int(60, 86_400 * 365)),
  def("api", "job.heartbeatTimeoutSeconds", "Integer", "60",
    "Seconds without a heartbeat after which another management node takes over a node's jobs.", int(10, 3600)),
  // hosts (ZStack HostGlobalConfig / KVMGlobalConfig)
  def("host", "ping.interval", "Integer", "60", "Seconds between pings of each host.", int(1, 3600)),
  def("host", "ping.timeout", "Integer", "10", "Seconds a ping may take before it counts as failed.", int(1, 300)),
  def("host", "ping.maxFailures", "Integer", "3",
    "Consecutive failed pings after which a Connected host becomes Disconnected.", int(1, 100)),
  def("host", "reconnect.auto", "Boolean", "true",
    "Keep pinging Disconnected hosts and reconnect them when they answer.", z.enum(["true", "false"])),
  def("host", "cpu.overProvisioning.ratio", "Float", "10",
    "vCPUs offered per physical CPU thread (ZStack host.cpu.overProvisioning.ratio).", z.coerce.number().min(1).max(100)),
  def("host", "memory.overProvisioning.ratio", "Float", "1",
    "Bytes of VM memory offered per byte of host memory (ZStack mevoco.overProvisioning.memory).", z.coerce.number().min(0.1).max(10)),
  // VM instances (ZStack VmGlobalConfig)
  def("vm", "deletionPolicy", "String", "Delay",
    "What destroying a VM does: Direct (expunge at once), Delay (recycle bin, expunged after vm/expungePeriod), Never (recycle bin until expunged by API).",
    z.enum(["Direct", "Delay", "Never"])),
  def("vm", "expungePeriod", "Integer", "86400", "Seconds a destroyed VM stays recoverable under the Delay policy.", int(0, 86_400 * 365)),
  def("vm", "expungeInterval", "Integer", "3600", "Seconds between sweeps that expunge VMs past vm/expungePeriod.", int(10, 86_400)),
  def("vm", "numa", "Boolean", "false",
    "ZStack vm.numa: VMs started from now on get CPU and memory hot-plug headroom (up to their host's CPU threads and memory, memory in one NUMA node), so a Running VM's instance offering can grow online.",
    z.enum(["true", "false"])),
  // VM high availability (ZStack HaGlobalConfig: ha.enable, ha.neverStopVm.retryDelay)
  def("ha", "enable", "Boolean", "true",
    "Whether VMs with an HA level are started again after their host is lost (NeverStop also after they stop on their own).", z.enum(["true", "false"])),
  def("ha", "neverStopVm.retryDelay", "Integer", "30",
    "Seconds between a VM with an HA level going Unknown (host lost) or Stopped (NeverStop) and its restart, so a brief network blip does not move VMs.", int(0, 3600)),
  // audit
  def("audit", "retentionDays", "Integer", "180", "Days audit records are kept.", int(1, 3650)),
  // quota defaults (ZStack QuotaConstant names); per-account overrides live in /v1/accounts/quotas
  def("quota", "vm.num", "Long", "20", "Default quota: VM instances per account.", long(0n)),
  def("quota", "vm.cpuNum", "Long", "80", "Default quota: vCPUs of an account's VM instances.", long(0n)),
  def("quota", "vm.memorySize", "Long", String(80n * GiB),
    "Default quota: memory of an account's VM instances, bytes.", long(0n)),
  def("quota", "volume.data.num", "Long", "40", "Default quota: data volumes per account.", long(0n)),
  def("quota", "volume.capacity", "Long", String(10n * TiB),
    "Default quota: total size of an account's volumes, bytes.", long(0n)),
  def("quota", "image.num", "Long", "20", "Default quota: images per account.", long(0n)),
  def("quota", "image.size", "Long", String(10n * TiB), "Default quota: total size of an account's images, bytes.",
    long(0n)),
  def("quota", "eip.num", "Long", "20", "Default quota: EIPs per account.", long(0n)),
  // primary storage (ZStack PrimaryStorageGlobalConfig)
  def("primaryStorage", "overProvisioning.ratio", "Float", "1.0",
    "Virtual bytes of volumes offered per byte of primary storage: a volume reserves size / ratio (ZStack mevoco.overProvisioning.primaryStorage).",
    z.coerce.number().min(0.1).max(100)),
  def("primaryStorage", "usageThreshold", "Float", "0.9",
    "Fraction (0–1] of a primary storage's capacity that volumes may use; a volume that would exceed it is refused (ZStack primaryStorage.capacityThreshold).",
    z.coerce.number().gt(0).max(1)),
  // system (seed: 时区配置)
  def("system", "timezone", "String", "UTC",
    "IANA time zone (e.g. Asia/Shanghai) in which API responses and notifications show timestamps; they are stored in UTC.",
    z.string().refine(isValidTimeZone, "must be an IANA time zone name such as UTC or Asia/Shanghai")),
  // Alibaba Cloud connector
  def("aliyun", "sync.interval", "Integer", "600",
    "Seconds between automatic syncs of every data center with Alibaba Cloud; 0 turns periodic sync off (on-demand sync still works).",
    int(0, 604_800)),
  // ZWatch and SNS (monitoring/)
  def("zwatch", "evaluation.interval", "Integer", "10",
    "Seconds between evaluations of every Enabled metric alarm against Prometheus.", int(1, 3600)),
  def("zwatch", "rate.window", "Integer", "60",
    "Seconds of the rate() window in the PromQL of counter metrics (at least 4 Prometheus scrape intervals).", int(2, 3600)),
  def("zwatch", "ecs.metricsInterval", "Integer", "60",
    "Seconds between reads of ECS instance metrics from Alibaba CloudMonitor (DescribeMetricList).", int(10, 3600)),
  def("sns", "delivery.timeout", "Integer", "10", "Seconds an SNS delivery (HTTP, DingTalk, SMTP) may take.", int(1, 300)),
  def("sns", "delivery.maxAttempts", "Integer", "5",
    "Attempts of an SNS delivery that fails with a retryable error (5xx, throttling, network) before it is Failed.", int(1, 100)),
  def("sns", "delivery.backoff", "Integer", "5", "Seconds before the first retry of a delivery; doubled each retry.", int(1, 3600)),
  def("sns", "timeZone", "String", "UTC", "IANA time zone of times in SNS messages, e.g. Asia/Shanghai.",
    z.string().refine(isTimeZone, "must be an IANA time zone such as UTC or Asia/Shanghai")),
  def("sns", "smtp.host", "String", "", "Default SMTP server of email endpoints that name none.", z.string().max(255)),
  def("sns", "smtp.port", "Integer", "25", "Default SMTP port of email endpoints.", int(1, 65535)),
  def("sns", "smtp.security", "String", "none", "Default SMTP transport security: none, starttls or ssl.", z.enum(["none", "starttls", "ssl"])),
  def("sns", "smtp.from", "String", "strata@localhost", "Sender address of SNS emails.", z.string().min(3).max(255)),
];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
