import { z } from "zod";
import { createBody, Description, Name, StateEvent, Uuid } from "../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../server/query/spec.ts";

/** A label filter (ZStack AlarmLabel / EventSubscriptionLabel): `{ key, op, value }`. */
export const LabelFilterSchema = z.object({
  key: z.string().min(1).max(128).describe("ZStack label name, e.g. VMUuid, HostUuid"),
  op: z.enum(["Equal", "NotEqual", "Regex", "RegexAgainst"]),
  value: z.string().max(1024),
}).strict();

/** An action of an alarm or subscription: publish to an SNS topic. */
export const ActionSchema = z.object({
  actionUuid: Uuid.describe("SNS topic uuid"),
  actionType: z.literal("sns").default("sns"),
}).strict();

const Operator = z.enum(["GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"]);
const Level = z.enum(["Emergent", "Important", "Normal"]);

/** ZStack CreateAlarmAction. */
export const CreateAlarmBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  namespace: z.string().min(1).max(128).describe("e.g. ZStack/VM (GET /v1/zwatch/all/metrics)"),
  metricName: z.string().min(1).max(128).describe("e.g. CPUAverageUsedUtilization"),
  comparisonOperator: Operator,
  threshold: z.number().finite(),
  period: z.number().int().min(0).max(86_400).describe("Seconds the condition must hold before the status becomes Alarm"),
  repeatInterval: z.number().int().min(1).max(86_400 * 30).optional().describe("Seconds between repeated notifications while in Alarm (default 1800)"),
  repeatCount: z.number().int().min(-1).max(10_000).optional().describe("Repeated notifications after the first; -1 unlimited (default -1)"),
  emergencyLevel: Level.optional().describe("Default Important"),
  enableRecovery: z.boolean().optional().describe("Send a resolved message when the status returns to OK (default false)"),
  labels: z.array(LabelFilterSchema).max(20).optional(),
  actions: z.array(ActionSchema).max(20).optional(),
}));
/** Input of AlarmService.create. */
export type CreateAlarmInput = z.infer<typeof CreateAlarmBody>;

/** ZStack UpdateAlarmAction (namespace and metricName cannot change). */
export const UpdateAlarmBody = z.object({
  name: Name.optional(), description: Description.optional(), comparisonOperator: Operator.optional(), threshold: z.number().finite().optional(),
  period: z.number().int().min(0).max(86_400).optional(), repeatInterval: z.number().int().min(1).max(86_400 * 30).optional(),
  repeatCount: z.number().int().min(-1).max(10_000).optional(), emergencyLevel: Level.optional(), enableRecovery: z.boolean().optional(),
  labels: z.array(LabelFilterSchema).max(20).optional(), actions: z.array(ActionSchema).max(20).optional(),
}).strict();
/** Input of AlarmService.update. */
export type UpdateAlarmInput = z.infer<typeof UpdateAlarmBody>;

/** ZStack ChangeAlarmStateAction. */
export const ChangeStateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack AlarmInventory. */
export const AlarmInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), namespace: z.string(), metricName: z.string(),
  comparisonOperator: Operator, threshold: z.number(), period: z.number().int(), repeatInterval: z.number().int(), repeatCount: z.number().int(),
  emergencyLevel: Level, enableRecovery: z.boolean(), labels: z.array(LabelFilterSchema), actions: z.array(ActionSchema),
  state: z.enum(["Enabled", "Disabled"]), status: z.enum(["OK", "Alarm", "InsufficientData"]),
  lastEvaluateDate: z.string().nullable(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** A status change of one series of an alarm. */
export const AlarmHistoryInventory = z.object({
  uuid: z.string(), alarmUuid: z.string(), labels: z.record(z.string(), z.string()), oldStatus: z.string(), newStatus: z.string(),
  value: z.number().nullable(), repeat: z.boolean(), accountUuid: z.string(), createDate: z.string(),
});

/** ZStack SubscribeEventAction. */
export const SubscribeEventBody = createBody(z.object({
  name: Name.optional(),
  namespace: z.string().min(1).max(128).describe("e.g. ZStack/Host (GET /v1/zwatch/all/events)"),
  eventName: z.string().min(1).max(128).describe("e.g. HostDisconnected"),
  labels: z.array(LabelFilterSchema).max(20).optional(),
  actions: z.array(ActionSchema).max(20).optional(),
}));
/** Input of EventSubscriptionService.subscribe. */
export type SubscribeEventInput = z.infer<typeof SubscribeEventBody>;

/** ZStack EventSubscriptionInventory. */
export const EventSubscriptionInventory = z.object({
  uuid: z.string(), name: z.string().nullable(), namespace: z.string(), eventName: z.string(), labels: z.array(LabelFilterSchema),
  actions: z.array(ActionSchema), state: z.string(), accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** A fired event in the message center (ZStack EventRecordsInventory). */
export const EventRecordInventory = z.object({
  uuid: z.string(), subscriptionUuid: z.string(), namespace: z.string(), eventName: z.string(), resourceUuid: z.string().nullable(),
  resourceType: z.string().nullable(), labels: z.record(z.string(), z.string()), readStatus: z.enum(["Unread", "Read"]),
  accountUuid: z.string(), createDate: z.string(),
});

/** ZStack GetMetricDataAction query. */
export const MetricDataQuery = z.object({
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  labels: z.union([z.string(), z.array(z.string())]).optional()
    .describe("Repeatable filter `Label=value`, `Label!=value`, `Label=~regex` or `Label!~regex`, e.g. labels=VMUuid=<uuid>"),
  startTime: z.coerce.number().int().min(0).optional().describe("Seconds since the epoch (default endTime - 600)"),
  endTime: z.coerce.number().int().min(0).optional().describe("Seconds since the epoch (default now)"),
  period: z.coerce.number().int().min(1).optional().describe("Seconds between points (default 10); raised so a series has at most 11,000 points"),
}).strict();

/** One point of GetMetricData (ZStack Datapoint). */
export const MetricDataReply = z.object({
  data: z.array(z.object({ value: z.number(), time: z.number().describe("Seconds since the epoch"), labels: z.record(z.string(), z.string()) })),
  period: z.number().int().describe("The step used (after clamping)"),
});

/** What `GET /v1/zwatch/alarms` may filter and sort on. */
export const alarmQuerySpec: QuerySpec = {
  resourceType: "Alarm",
  fields: {
    uuid: "string", name: "string", description: "string", namespace: "string", metricName: "string", comparisonOperator: "string",
    threshold: "number", period: "number", repeatInterval: "number", repeatCount: "number", emergencyLevel: "string",
    enableRecovery: "boolean", state: "string", status: "string", accountUuid: "string", createDate: "date", lastOpDate: "date", lastEvaluateDate: "date",
  },
  notNull: ["uuid", "name", "namespace", "metricName", "state", "status", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["labels", "actions"],
};
/** What `GET /v1/zwatch/alarms/histories` may filter and sort on. */
export const alarmHistoryQuerySpec: QuerySpec = {
  resourceType: "AlarmHistory",
  fields: { uuid: "string", alarmUuid: "string", oldStatus: "string", newStatus: "string", value: "number", repeat: "boolean", accountUuid: "string", createDate: "date" },
  notNull: ["uuid", "alarmUuid", "oldStatus", "newStatus", "repeat", "accountUuid", "createDate"],
  computedFields: ["labels"],
};
/** What `GET /v1/zwatch/events/subscriptions` may filter and sort on. */
export const eventSubscriptionQuerySpec: QuerySpec = {
  resourceType: "EventSubscription",
  fields: { uuid: "string", name: "string", namespace: "string", eventName: "string", state: "string", accountUuid: "string", createDate: "date", lastOpDate: "date" },
  notNull: ["uuid", "namespace", "eventName", "state", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["labels", "actions"],
};
/** What `GET /v1/zwatch/events` may filter and sort on. */
export const eventRecordQuerySpec: QuerySpec = {
  resourceType: "EventRecord",
  fields: {
    uuid: "string", subscriptionUuid: "string", namespace: "string", eventName: "string", resourceUuid: "string", resourceType: "string",
    readStatus: "string", accountUuid: "string", createDate: "date",
  },
  notNull: ["uuid", "subscriptionUuid", "namespace", "eventName", "readStatus", "accountUuid", "createDate"],
  computedFields: ["labels"],
};
