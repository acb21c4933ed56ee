import { z } from "zod";
import type { Api } from "../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../server/http/common-schemas.ts";
import { alarmInventory, type AlarmService } from "./alarms.ts";
import { EVENTS, METRICS } from "./catalog.ts";
import type { EventSubscriptionService } from "./events.ts";
import {
  AlarmHistoryInventory, AlarmInventory, ChangeStateBody, CreateAlarmBody, EventRecordInventory, EventSubscriptionInventory, MetricDataQuery,
  MetricDataReply, SubscribeEventBody, UpdateAlarmBody,
} from "./schema.ts";

const MetricMetadata = z.object({
  namespace: z.string(), name: z.string(), unit: z.string(), description: z.string(), labelNames: z.array(z.string()),
  promql: z.string().describe("The PromQL evaluated (labels unfiltered, rate window 60s)"),
});
const EventMetadata = z.object({
  namespace: z.string(), name: z.string(), description: z.string(), labelNames: z.array(z.string()), emergencyLevel: z.string(),
});

/** REST routes of ZWatch, following ZStack's `/v1/zwatch/...` API (CreateAlarmAction, SubscribeEventAction, GetMetricDataAction, ...). */
export function registerZwatchRoutes(api: Api, alarms: AlarmService, events: EventSubscriptionService): void {
  const tag = "zwatch";
  api.route({
    method: "get", path: "/zwatch/all/metrics", apiName: "GetAllMetricMetadata", tag, access: "authenticated",
    summary: "List every metric (catalog)",
    description: "ZStack GetAllMetricMetadataAction: namespaces (ZStack/VM, ZStack/Host, ZStack/ManagementNode), metric names, units, labels and the PromQL each maps to. `namespace` narrows.",
    query: z.object({ namespace: z.string().optional() }), response: z.object({ metrics: z.array(MetricMetadata) }),
    handler: async (req) => ({
      body: {
        metrics: METRICS.filter((m) => !req.query.namespace || m.namespace === req.query.namespace).map((m) => ({
          namespace: m.namespace, name: m.name, unit: m.unit, description: m.description, labelNames: m.labels.map((l) => l.name), promql: m.promql("", "60s"),
        })),
      },
    }),
  });
  api.route({
    method: "get", path: "/zwatch/all/events", apiName: "GetAllEventMetadata", tag, access: "authenticated",
    summary: "List every event (catalog)", description: "ZStack GetAllEventMetadataAction: the events a subscription can name, with their labels.",
    response: z.object({ events: z.array(EventMetadata) }),
    handler: async () => ({
      body: { events: EVENTS.map((e) => ({ namespace: e.namespace, name: e.name, description: e.description, labelNames: e.labels, emergencyLevel: e.emergencyLevel })) },
    }),
  });
  api.route({
    method: "get", path: "/zwatch/metrics", apiName: "GetMetricData", tag, access: "authenticated",
    summary: "Get metric data",
    description: "ZStack GetMetricDataAction, read from Prometheus (query_range). startTime/endTime in seconds since the epoch, period in seconds; " +
      "period is raised so a series has at most 11,000 points. Errors: ZWATCH.UNKNOWN_METRIC, ZWATCH.UNKNOWN_LABEL (400), ZWATCH.PROMETHEUS_UNAVAILABLE (503).",
    query: MetricDataQuery, response: MetricDataReply,
    handler: async (req) => ({ body: await alarms.metricData(req.query) }),
  });

  api.route({
    method: "post", path: "/zwatch/alarms", apiName: "CreateAlarm", tag, access: "authenticated",
    summary: "Create a metric alarm",
    description: "ZStack CreateAlarmAction. Each series of the metric (each VM, each host) is evaluated on its own every zwatch/evaluation.interval seconds; " +
      "it goes Alarm after the condition held `period` seconds and publishes to the SNS topics in `actions`. Errors: ZWATCH.UNKNOWN_METRIC, ZWATCH.UNKNOWN_LABEL, SYS.1003 (topic).",
    body: CreateAlarmBody, response: InventoryReply(AlarmInventory),
    handler: async (req) => ({ body: { inventory: await alarms.create(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/zwatch/alarms", apiName: "QueryAlarm", tag, access: "authenticated",
    summary: "Query metric alarms", description: "ZStack QueryAlarmAction with q/limit/start/sort/fields/count.",
    query: QueryParams, response: InventoriesReply(AlarmInventory),
    handler: (req) => alarms.query(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/zwatch/alarms/histories", apiName: "QueryAlarmHistory", tag, access: "authenticated",
    summary: "Query alarm status changes",
    description: "Every status change (and repeated notification) of every series of an alarm, e.g. q=alarmUuid=<uuid>&sort=-createDate.",
    query: QueryParams, response: InventoriesReply(AlarmHistoryInventory),
    handler: (req) => alarms.queryHistory(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/zwatch/alarms/{uuid}", apiName: "GetAlarm", tag, access: "authenticated",
    summary: "Get a metric alarm", description: "`{ inventories: [alarm] }`; SYS.1003 when absent.",
    params: UuidParams, response: InventoriesReply(AlarmInventory),
    handler: async (req) => ({ body: { inventories: [alarmInventory(await alarms.get(req.auth, req.params.uuid))] } }),
  });
  api.action("zwatch/alarms", {
    action: "updateAlarm", apiName: "UpdateAlarm", access: "authenticated",
    summary: "Update a metric alarm", description: "ZStack UpdateAlarmAction; a new condition restarts the held-for-period timers.",
    body: UpdateAlarmBody, response: InventoryReply(AlarmInventory),
    handler: async (req) => ({ body: { inventory: await alarms.update(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("zwatch/alarms", {
    action: "changeAlarmState", apiName: "ChangeAlarmState", access: "authenticated",
    summary: "Enable or disable a metric alarm", description: "ZStack ChangeAlarmStateAction; a Disabled alarm is not evaluated and returns to InsufficientData.",
    body: ChangeStateBody, response: InventoryReply(AlarmInventory),
    handler: async (req) => ({ body: { inventory: await alarms.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/zwatch/alarms/{uuid}", apiName: "DeleteAlarm", tag, access: "authenticated",
    summary: "Delete a metric alarm", description: "ZStack DeleteAlarmAction; removes its history too.",
    params: UuidParams,
    handler: async (req) => {
      await alarms.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });

  api.route({
    method: "post", path: "/zwatch/events/subscriptions", apiName: "SubscribeEvent", tag, access: "authenticated",
    summary: "Subscribe to an event",
    description: "ZStack SubscribeEventAction: every matching event is kept (GET /v1/zwatch/events) and published to the SNS topics in `actions`. " +
      "Errors: ZWATCH.UNKNOWN_EVENT, ZWATCH.UNKNOWN_LABEL, SYS.1003 (topic).",
    body: SubscribeEventBody, response: InventoryReply(EventSubscriptionInventory),
    handler: async (req) => ({ body: { inventory: await events.subscribe(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/zwatch/events/subscriptions", apiName: "QueryEventSubscription", tag, access: "authenticated",
    summary: "Query event subscriptions", description: "ZStack QueryEventSubscriptionAction.",
    query: QueryParams, response: InventoriesReply(EventSubscriptionInventory),
    handler: (req) => events.query(req.auth, req.rawQuery),
  });
  api.action("zwatch/events/subscriptions", {
    action: "changeEventSubscriptionState", apiName: "ChangeEventSubscriptionState", access: "authenticated",
    summary: "Enable or disable an event subscription", description: "ZStack ChangeEventSubscriptionStateAction.",
    body: ChangeStateBody, response: InventoryReply(EventSubscriptionInventory),
    handler: async (req) => ({ body: { inventory: await events.changeState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/zwatch/events/subscriptions/{uuid}", apiName: "UnsubscribeEvent", tag, access: "authenticated",
    summary: "Delete an event subscription", description: "ZStack UnsubscribeEventAction; fired events stay in the message center.",
    params: UuidParams,
    handler: async (req) => {
      await events.delete(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/zwatch/events", apiName: "GetEventData", tag, access: "authenticated",
    summary: "Query fired events (message center)", description: "ZStack GetEventDataAction: every event a subscription matched, with readStatus.",
    query: QueryParams, response: InventoriesReply(EventRecordInventory),
    handler: (req) => events.queryRecords(req.auth, req.rawQuery),
  });
  api.action("zwatch/events", {
    action: "updateEventReadStatus", apiName: "UpdateEventRecordReadStatus", access: "authenticated",
    summary: "Mark a fired event read or unread", description: "Message center read status.",
    body: z.object({ readStatus: z.enum(["Read", "Unread"]) }).strict(), response: InventoryReply(EventRecordInventory),
    handler: async (req) => ({ body: { inventory: await events.markRead(req.auth, req.params.uuid, req.body.readStatus) } }),
  });
}
