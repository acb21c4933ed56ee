/**
 * Event subscriptions (ZStack SubscribeEvent) and the message center of fired events.
 *
 * Every resource event of the EventBus is matched against Enabled subscriptions (catalog.ts maps
 * bus events to ZStack event names and labels). A match stores one ZwatchEventRecord per
 * subscription and source event — unique on (subscription, event), so handling an event twice
 * stores and notifies once — together with its SNS deliveries, in one transaction. At start the
 * events of the last `catchUpMs` are handled again: one a crash interrupted is not lost, and
 * the ones already handled are skipped by that unique key.
 *
 * Failed API jobs (ApiJobFailed, AliyunSyncFailed) are not bus events: they are read from the
 * ApiJob table every `jobPollMs`, over an overlapping window, and handled the same way.
 */
import type { Logger } from "pino";
import type { PrismaClient, ZwatchEventRecord, ZwatchEventSubscription } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../server/auth/context.ts";
import { isUniqueViolation } from "../../server/db/errors.ts";
import { Errors } from "../../server/errors/catalogue.ts";
import type { EventBus, ResourceEvent } from "../../server/events/service.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { ApiReply } from "../../server/http/api.ts";
import { newUuid } from "../../server/ids.ts";
import { queryReply } from "../../server/query/run.ts";
import type { SnsService } from "../sns/service.ts";
import { eventMessage } from "../sns/templates.ts";
import { EVENTS, findEvent, labelsMatch, type LabelFilter } from "./catalog.ts";
import { eventRecordQuerySpec, eventSubscriptionQuerySpec, type SubscribeEventInput } from "./schema.ts";

/** ZStack EventSubscriptionInventory as sent on the wire. */
export function subscriptionInventory(s: ZwatchEventSubscription) {
  return {
    uuid: s.uuid, name: s.name, namespace: s.namespace, eventName: s.eventName, labels: s.labels as unknown as LabelFilter[],
    actions: s.actions as unknown as { actionUuid: string; actionType: "sns" }[], state: s.state, accountUuid: s.accountUuid,
    createDate: s.createDate.toISOString(), lastOpDate: s.lastOpDate.toISOString(),
  };
}

/** A fired event as sent on the wire. */
export function eventRecordInventory(r: ZwatchEventRecord) {
  return {
    uuid: r.uuid, subscriptionUuid: r.subscriptionUuid, namespace: r.namespace, eventName: r.eventName, resourceUuid: r.resourceUuid,
    resourceType: r.resourceType, labels: r.labels as Record<string, string>, readStatus: r.readStatus as "Unread", accountUuid: r.accountUuid,
    createDate: r.createDate.toISOString(),
  };
}

/** Event subscriptions and fired-event records. */
export class EventSubscriptionService {
  private unsubscribe?: () => void;
  private queue: Promise<void> = Promise.resolve();
  private adminAccounts = new Set<string>();
  private jobTimer?: NodeJS.Timeout;
  /** Enabled subscriptions, cached for a moment: bulk changes (a sync) publish thousands of events. */
  private cache?: { at: number; subs: ZwatchEventSubscription[] };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: EventBus,
    private readonly sns: SnsService,
    private readonly configs: GlobalConfigService,
    private readonly log: Logger,
  ) {}

  /** Subscribes to an event (SubscribeEvent). @throws ZWATCH.UNKNOWN_EVENT, ZWATCH.UNKNOWN_LABEL, SYS.1003 (topic). */
  async subscribe(caller: Caller, input: SubscribeEventInput) {
    const p = input.params;
    const def = findEvent(p.namespace, p.eventName);
    if (!def) throw Errors.zwatchUnknownEvent(p.namespace, p.eventName);
    for (const l of p.labels ?? []) if (!def.labels.includes(l.key)) throw Errors.zwatchUnknownLabel(l.key, def.labels);
    await this.sns.assertTopics(caller, (p.actions ?? []).map((a) => a.actionUuid));
    const row = await this.prisma.zwatchEventSubscription.create({
      data: {
        uuid: p.resourceUuid ?? newUuid(), name: p.name ?? null, namespace: p.namespace, eventName: p.eventName,
        labels: (p.labels ?? []) as never, actions: (p.actions ?? []) as never, accountUuid: caller.accountUuid,
      },
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw Errors.duplicate("An event subscription with that uuid");
      throw err;
    });
    this.cache = undefined;
    return subscriptionInventory(row);
  }

  /** The subscription if the caller can see it. @throws SYS.1003. */
  async get(caller: Caller, uuid: string): Promise<ZwatchEventSubscription> {
    const s = await this.prisma.zwatchEventSubscription.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!s) throw Errors.resourceNotFound("EventSubscription", uuid);
    return s;
  }

  /** Queries subscriptions (QueryEventSubscription). */
  query(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: eventSubscriptionQuerySpec, delegate: this.prisma.zwatchEventSubscription as never, caller, raw,
      scope: ownedBy(caller), toInventory: subscriptionInventory, csvName: "event-subscriptions",
    });
  }

  /** Enables/disables (ChangeEventSubscriptionState). */
  async changeState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    await this.get(caller, uuid);
    const row = await this.prisma.zwatchEventSubscription.update({ where: { uuid }, data: { state: stateEvent === "enable" ? "Enabled" : "Disabled" } });
    this.cache = undefined;
    return subscriptionInventory(row);
  }

  /** Deletes a subscription (UnsubscribeEvent); its records stay in the message center. */
  async delete(caller: Caller, uuid: string): Promise<void> {
    await this.get(caller, uuid);
    await this.prisma.zwatchEventSubscription.delete({ where: { uuid } });
    this.cache = undefined;
  }

  /** Queries fired events (the message center; ZStack GetEventData). */
  queryRecords(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: eventRecordQuerySpec, delegate: this.prisma.zwatchEventRecord as never, caller, raw,
      scope: ownedBy(caller), toInventory: eventRecordInventory, csvName: "event-records",
    });
  }

  /** Marks fired events Read or Unread (UpdateEventRecordsReadStatus). @throws SYS.1003. */
  async markRead(caller: Caller, uuid: string, readStatus: "Read" | "Unread") {
    const r = await this.prisma.zwatchEventRecord.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!r) throw Errors.resourceNotFound("EventRecord", uuid);
    return eventRecordInventory(await this.prisma.zwatchEventRecord.update({ where: { uuid }, data: { readStatus } }));
  }

  /** Handles bus events from now on, after handling those of the last `catchUpMs` again; polls failed jobs. */
  async start(catchUpMs = 10 * 60_000, jobPollMs = 5000): Promise<void> {
    this.unsubscribe = this.bus.subscribe((e) => this.enqueue(e));
    const since = new Date(Date.now() - catchUpMs);
    const recent = await this.prisma.event.findMany({
      where: { createDate: { gt: since }, type: { in: ["ResourceStateChanged", "ResourceStatusChanged"] } },
      orderBy: { createDate: "asc" }, take: 10_000,
    });
    for (const e of recent) this.enqueue(e as ResourceEvent);
    await this.pollFailedJobs(since);
    this.jobTimer = setInterval(() => void this.pollFailedJobs(new Date(Date.now() - Math.max(60_000, jobPollMs * 3))), jobPollMs);
    this.jobTimer.unref();
    await this.queue;
  }

  /** Stops listening and waits for events being handled. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.jobTimer);
    await this.queue;
  }

  /** Handles jobs that failed since `since` as ApiJob events (already handled ones are skipped by the unique key). */
  async pollFailedJobs(since: Date): Promise<void> {
    const subscribed = await this.prisma.zwatchEventSubscription.count({ where: { state: "Enabled", namespace: { in: ["ZStack/Job", "ZStack/Aliyun"] } } });
    if (!subscribed) return;
    const jobs = await this.prisma.apiJob.findMany({
      where: { state: "Failed", finishDate: { gt: since } }, orderBy: { finishDate: "asc" }, take: 1000,
      select: { uuid: true, jobType: true, apiName: true, accountUuid: true, finishDate: true },
    }).catch((err: unknown) => {
      this.log.warn({ err }, "failed-job poll failed");
      return [];
    });
    for (const j of jobs) {
      this.enqueue({
        uuid: j.uuid, type: "ResourceStatusChanged", resourceUuid: j.uuid, resourceType: "ApiJob", oldState: "Running", newState: "Failed",
        accountUuid: j.accountUuid, details: { jobType: j.jobType, apiName: j.apiName }, createDate: j.finishDate ?? new Date(),
      });
    }
    await this.queue;
  }

  /** Waits until every event received so far is handled (tests). */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(e: ResourceEvent): void {
    this.queue = this.queue.then(async () => void (await this.handle(e))).catch((err: unknown) => this.log.warn({ err, eventUuid: e.uuid }, "event subscription handling failed"));
  }

  /** Stores records and deliveries for every subscription `e` matches. */
  async handle(e: ResourceEvent): Promise<number> {
    const kinds = EVENTS.map((def) => ({ def, labels: def.match(e) })).filter((k) => k.labels);
    if (!kinds.length) return 0;
    const subs = (await this.enabledSubscriptions()).filter((s) => kinds.some((k) => k.def.namespace === s.namespace && k.def.name === s.eventName));
    if (!subs.length) return 0;
    let stored = 0;
    let published = 0;
    const name = await this.resourceName(e.resourceType, e.resourceUuid);
    for (const s of subs) {
      // A subscription covers events from its creation on (the start-up catch-up sees older ones too).
      if (s.createDate.getTime() > new Date(e.createDate).getTime()) continue;
      const kind = kinds.find((k) => k.def.namespace === s.namespace && k.def.name === s.eventName)!;
      if (!labelsMatch(kind.labels!, s.labels as unknown as LabelFilter[])) continue;
      if (s.accountUuid !== e.accountUuid && !(await this.isAdmin(s.accountUuid))) continue;
      const recordUuid = newUuid();
      try {
        await this.prisma.$transaction(async (tx) => {
          await tx.zwatchEventRecord.create({
            data: {
              uuid: recordUuid, subscriptionUuid: s.uuid, sourceEventUuid: e.uuid, namespace: s.namespace, eventName: s.eventName,
              resourceUuid: e.resourceUuid, resourceType: e.resourceType, labels: kind.labels as never, accountUuid: s.accountUuid, createDate: e.createDate,
            },
          });
          const tz = this.configs.get("sns", "timeZone");
          published += await this.sns.publish(tx, (s.actions as unknown as { actionUuid: string }[]).map((a) => a.actionUuid), `event:${recordUuid}`,
            (locale) => eventMessage({
              recordUuid, namespace: s.namespace, eventName: s.eventName, emergencyLevel: kind.def.emergencyLevel, labels: kind.labels!,
              resourceUuid: e.resourceUuid, resourceType: e.resourceType, resourceName: name, time: e.createDate,
            }, locale, tz));
        });
        stored++;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // already handled (catch-up after a restart)
      }
    }
    if (published) this.sns.poke();
    return stored;
  }

  private async enabledSubscriptions(): Promise<ZwatchEventSubscription[]> {
    if (!this.cache || Date.now() - this.cache.at > 2000) {
      this.cache = { at: Date.now(), subs: await this.prisma.zwatchEventSubscription.findMany({ where: { state: "Enabled" } }) };
    }
    return this.cache.subs;
  }

  private async isAdmin(accountUuid: string): Promise<boolean> {
    if (this.adminAccounts.has(accountUuid)) return true;
    const a = await this.prisma.account.findUnique({ where: { uuid: accountUuid }, select: { type: true } });
    if (a?.type === "SystemAdmin") this.adminAccounts.add(accountUuid);
    return a?.type === "SystemAdmin";
  }

  private async resourceName(resourceType: string, uuid: string): Promise<string | undefined> {
    const model = ({ VmInstance: "vmInstance", Host: "host", PrimaryStorage: "primaryStorage" } as Record<string, string>)[resourceType];
    if (!model) return undefined;
    const delegate = (this.prisma as unknown as Record<string, { findUnique(a: unknown): Promise<{ name: string } | null> }>)[model]!;
    return (await delegate.findUnique({ where: { uuid }, select: { name: true } }))?.name;
  }
}
