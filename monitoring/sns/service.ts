import type { Prisma, PrismaClient, SnsDelivery, SnsEndpoint, SnsTopic } from "../../generated/prisma/client.ts";
import { ownedBy, type Caller } from "../../server/auth/context.ts";
import { isUniqueViolation } from "../../server/db/errors.ts";
import { Errors } from "../../server/errors/catalogue.ts";
import type { GlobalConfigService } from "../../server/global-configs/service.ts";
import type { ApiReply } from "../../server/http/api.ts";
import { newUuid } from "../../server/ids.ts";
import { queryReply } from "../../server/query/run.ts";
import type { SecretCipher } from "../../server/secrets/cipher.ts";
import type { SnsMessage } from "./channels/types.ts";
import type { DeliverySweep } from "./deliveries.ts";
import {
  deliveryQuerySpec, endpointQuerySpec, topicQuerySpec,
  type CreateDingTalkEndpointInput, type CreateEmailEndpointInput, type CreateHttpEndpointInput, type CreateTopicInput,
} from "./schema.ts";
import { testMessage, type Locale } from "./templates.ts";

type Tx = Prisma.TransactionClient | PrismaClient;

/** Endpoint types (ZStack SNSApplicationEndpoint types). */
export type EndpointType = "Http" | "DingTalk" | "Email";

/** Secrets of an endpoint, sealed in SnsEndpoint.secretsEncrypted. */
export interface EndpointSecrets { password?: string; secret?: string; smtpPassword?: string }

/** ZStack SNSTopicInventory as sent on the wire. */
export function topicInventory(t: SnsTopic & { _count?: { subscriptions?: number } }, subscriberCount = 0) {
  return {
    uuid: t.uuid, name: t.name, description: t.description, locale: t.locale, state: t.state, subscriberCount,
    accountUuid: t.accountUuid, createDate: t.createDate.toISOString(), lastOpDate: t.lastOpDate.toISOString(),
  };
}

/** ZStack SNSApplicationEndpointInventory as sent on the wire (no secrets). */
export function endpointInventory(e: SnsEndpoint, topicUuids: string[] = []) {
  return {
    uuid: e.uuid, name: e.name, description: e.description, type: e.type as EndpointType, state: e.state,
    connectionStatus: e.connectionStatus as "Unknown" | "Connected" | "Disconnected", lastError: e.lastError,
    config: e.config as Record<string, unknown>, topicUuids,
    accountUuid: e.accountUuid, createDate: e.createDate.toISOString(), lastOpDate: e.lastOpDate.toISOString(),
  };
}

/** A stored delivery as sent on the wire. */
export function deliveryInventory(d: SnsDelivery) {
  return {
    uuid: d.uuid, endpointUuid: d.endpointUuid, topicUuid: d.topicUuid, channel: d.channel, status: d.status as "Pending",
    attempts: d.attempts, httpCode: d.httpCode, errcode: d.errcode, response: d.response, error: d.error,
    subject: (d.message as unknown as SnsMessage).subject, nextAttemptDate: d.nextAttemptDate.toISOString(),
    deliveredDate: d.deliveredDate?.toISOString() ?? null, createDate: d.createDate.toISOString(),
  };
}

/**
 * SNS (ZStack's SNS module): topics, application endpoints (HTTP, DingTalk, email) and their
 * subscriptions, and {@link SnsService.publish}, which turns one message to topics into one
 * stored delivery per subscribed Enabled endpoint — inside the caller's transaction, so a
 * decision to notify and its deliveries commit together. The {@link DeliverySweep} sends them.
 */
export class SnsService {
  /** Set by the module once the sweep exists; publish() pokes it after commit. */
  sweep?: DeliverySweep;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly configs: GlobalConfigService,
    private readonly cipher: SecretCipher,
  ) {}

  // --- topics --------------------------------------------------------------------------------

  /** Creates a topic (CreateSNSTopic). @throws SYS.1002 when resourceUuid is taken. */
  async createTopic(caller: Caller, input: CreateTopicInput) {
    const p = input.params;
    const row = await this.prisma.snsTopic.create({
      data: { uuid: p.resourceUuid ?? newUuid(), name: p.name, description: p.description ?? null, locale: p.locale ?? "en_US", accountUuid: caller.accountUuid },
    }).catch(dup("An SNS topic with that uuid"));
    return topicInventory(row);
  }

  /** The topic if the caller can see it. @throws SYS.1003. */
  async getTopic(caller: Caller, uuid: string): Promise<SnsTopic> {
    const t = await this.prisma.snsTopic.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!t) throw Errors.resourceNotFound("SNSTopic", uuid);
    return t;
  }

  /** Queries topics (QuerySNSTopic). */
  queryTopics(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return this.withCounts(queryReply({
      prisma: this.prisma, spec: topicQuerySpec, delegate: this.prisma.snsTopic as never, caller, raw,
      scope: ownedBy(caller), toInventory: (t: SnsTopic) => topicInventory(t), csvName: "sns-topics",
    }));
  }

  private async withCounts(replyP: Promise<ApiReply>): Promise<ApiReply> {
    const reply = await replyP;
    const invs = (reply.body as { inventories?: { uuid: string; subscriberCount?: number }[] } | undefined)?.inventories;
    if (!invs?.length) return reply;
    const counts = await this.prisma.snsSubscription.groupBy({ by: ["topicUuid"], where: { topicUuid: { in: invs.map((i) => i.uuid) } }, _count: { _all: true } });
    for (const i of invs) if ("subscriberCount" in i) i.subscriberCount = counts.find((c) => c.topicUuid === i.uuid)?._count._all ?? 0;
    return reply;
  }

  /** Updates name, description, locale (UpdateSNSTopic). */
  async updateTopic(caller: Caller, uuid: string, p: { name?: string; description?: string; locale?: Locale }) {
    await this.getTopic(caller, uuid);
    return topicInventory(await this.prisma.snsTopic.update({ where: { uuid }, data: p }));
  }

  /** Enables/disables a topic (ChangeSNSTopicState); a Disabled topic publishes nothing. */
  async changeTopicState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    await this.getTopic(caller, uuid);
    return topicInventory(await this.prisma.snsTopic.update({ where: { uuid }, data: { state: stateEvent === "enable" ? "Enabled" : "Disabled" } }));
  }

  /** Deletes a topic and its subscriptions (DeleteSNSTopic); alarms naming it simply stop publishing there. */
  async deleteTopic(caller: Caller, uuid: string): Promise<void> {
    await this.getTopic(caller, uuid);
    await this.prisma.$transaction([
      this.prisma.snsSubscription.deleteMany({ where: { topicUuid: uuid } }),
      this.prisma.snsTopic.delete({ where: { uuid } }),
    ]);
  }

  /**
   * Checks that every topic uuid exists and is visible to the caller (alarm/subscription actions).
   * @throws SYS.1003 naming the first missing one.
   */
  async assertTopics(caller: Caller, uuids: string[]): Promise<void> {
    if (!uuids.length) return;
    const found = await this.prisma.snsTopic.findMany({ where: { uuid: { in: uuids }, ...ownedBy(caller) }, select: { uuid: true } });
    const missing = uuids.find((u) => !found.some((f) => f.uuid === u));
    if (missing) throw Errors.resourceNotFound("SNSTopic", missing);
  }

  // --- endpoints -----------------------------------------------------------------------------

  /** Creates an HTTP endpoint (CreateSNSHttpEndpoint). */
  createHttpEndpoint(caller: Caller, input: CreateHttpEndpointInput) {
    const p = input.params;
    return this.createEndpoint(caller, "Http", p, { url: p.url, username: p.username ?? null, signed: !!p.secret },
      { password: p.password, secret: p.secret });
  }

  /** Creates a DingTalk robot endpoint (CreateSNSDingTalkEndpoint). */
  createDingTalkEndpoint(caller: Caller, input: CreateDingTalkEndpointInput) {
    const p = input.params;
    return this.createEndpoint(caller, "DingTalk", p,
      { url: p.url, atAll: p.atAll ?? false, atPersonPhoneNumbers: p.atPersonPhoneNumbers ?? [], signed: !!p.secret }, { secret: p.secret });
  }

  /** Creates an email endpoint (CreateSNSEmailEndpoint). */
  createEmailEndpoint(caller: Caller, input: CreateEmailEndpointInput) {
    const p = input.params;
    return this.createEndpoint(caller, "Email", p, {
      email: p.email, smtpHost: p.smtpHost ?? null, smtpPort: p.smtpPort ?? null, smtpSecurity: p.smtpSecurity ?? null,
      smtpUsername: p.smtpUsername ?? null, from: p.from ?? null,
    }, { smtpPassword: p.smtpPassword });
  }

  private async createEndpoint(caller: Caller, type: EndpointType, p: { resourceUuid?: string; name: string; description?: string },
    config: Record<string, unknown>, secrets: EndpointSecrets) {
    const hasSecrets = Object.values(secrets).some((v) => v !== undefined);
    const row = await this.prisma.snsEndpoint.create({
      data: {
        uuid: p.resourceUuid ?? newUuid(), name: p.name, description: p.description ?? null, type, config: config as never,
        secretsEncrypted: hasSecrets ? this.cipher.encrypt(JSON.stringify(secrets)) : null, accountUuid: caller.accountUuid,
      },
    }).catch(dup("An SNS endpoint with that uuid"));
    return endpointInventory(row);
  }

  /** The endpoint if the caller can see it. @throws SYS.1003. */
  async getEndpoint(caller: Caller, uuid: string): Promise<SnsEndpoint> {
    const e = await this.prisma.snsEndpoint.findFirst({ where: { uuid, ...ownedBy(caller) } });
    if (!e) throw Errors.resourceNotFound("SNSApplicationEndpoint", uuid);
    return e;
  }

  /** The endpoint's decrypted secrets (drivers only). */
  secretsOf(e: SnsEndpoint): EndpointSecrets {
    return e.secretsEncrypted ? (JSON.parse(this.cipher.decrypt(e.secretsEncrypted)) as EndpointSecrets) : {};
  }

  /** Queries endpoints of every type (QuerySNSApplicationEndpoint); `type` narrows (QuerySNSHttpEndpoint ...). */
  async queryEndpoints(caller: Caller, raw: Record<string, unknown>, type?: EndpointType): Promise<ApiReply> {
    const reply = await queryReply({
      prisma: this.prisma, spec: endpointQuerySpec, delegate: this.prisma.snsEndpoint as never, caller, raw,
      scope: { ...ownedBy(caller), ...(type ? { type } : {}) }, toInventory: (e: SnsEndpoint) => endpointInventory(e), csvName: "sns-endpoints",
    });
    const invs = (reply.body as { inventories?: { uuid: string; topicUuids?: string[] }[] } | undefined)?.inventories;
    if (invs?.length) {
      const subs = await this.prisma.snsSubscription.findMany({ where: { endpointUuid: { in: invs.map((i) => i.uuid) } } });
      for (const i of invs) if ("topicUuids" in i) i.topicUuids = subs.filter((s) => s.endpointUuid === i.uuid).map((s) => s.topicUuid);
    }
    return reply;
  }

  /** Enables/disables an endpoint (ChangeSNSApplicationEndpointState); a Disabled endpoint gets no new deliveries. */
  async changeEndpointState(caller: Caller, uuid: string, stateEvent: "enable" | "disable") {
    await this.getEndpoint(caller, uuid);
    return endpointInventory(await this.prisma.snsEndpoint.update({ where: { uuid }, data: { state: stateEvent === "enable" ? "Enabled" : "Disabled" } }));
  }

  /** Deletes an endpoint, its subscriptions and its undelivered deliveries (DeleteSNSApplicationEndpoint). */
  async deleteEndpoint(caller: Caller, uuid: string): Promise<void> {
    await this.getEndpoint(caller, uuid);
    await this.prisma.$transaction([
      this.prisma.snsSubscription.deleteMany({ where: { endpointUuid: uuid } }),
      this.prisma.snsDelivery.updateMany({ where: { endpointUuid: uuid, status: "Pending" }, data: { status: "Failed", error: "endpoint deleted" } }),
      this.prisma.snsEndpoint.delete({ where: { uuid } }),
    ]);
  }

  /**
   * Sends a test message to one endpoint now (one attempt, no retry) and returns the stored delivery.
   */
  async sendTestMessage(caller: Caller, uuid: string) {
    const e = await this.getEndpoint(caller, uuid);
    const msg = testMessage(e.name, new Date(), this.configs.get("sns", "timeZone"));
    const row = await this.prisma.snsDelivery.create({
      data: { uuid: newUuid(), endpointUuid: uuid, channel: e.type, dedupKey: `test:${newUuid()}`, message: msg as never, status: "Sending" },
    });
    if (!this.sweep) throw new Error("delivery sweep not attached");
    return deliveryInventory(await this.sweep.attempt(row, { maxAttempts: 1 }));
  }

  // --- subscriptions -------------------------------------------------------------------------

  /** Subscribes an endpoint to a topic (SubscribeSNSTopic). @throws SYS.1003, SYS.1002 (already subscribed). */
  async subscribe(caller: Caller, topicUuid: string, endpointUuid: string) {
    await this.getTopic(caller, topicUuid);
    const e = await this.getEndpoint(caller, endpointUuid);
    await this.prisma.snsSubscription.create({ data: { topicUuid, endpointUuid } }).catch(dup("This subscription", `${topicUuid}/${endpointUuid}`));
    const subs = await this.prisma.snsSubscription.findMany({ where: { endpointUuid } });
    return endpointInventory(e, subs.map((s) => s.topicUuid));
  }

  /** Unsubscribes (UnsubscribeSNSTopic). @throws SYS.1003 when not subscribed. */
  async unsubscribe(caller: Caller, topicUuid: string, endpointUuid: string): Promise<void> {
    await this.getTopic(caller, topicUuid);
    await this.getEndpoint(caller, endpointUuid);
    const n = await this.prisma.snsSubscription.deleteMany({ where: { topicUuid, endpointUuid } });
    if (n.count === 0) throw Errors.resourceNotFound("SNSSubscription", `${topicUuid}/${endpointUuid}`);
  }

  // --- publishing ----------------------------------------------------------------------------

  /**
   * Stores one delivery per Enabled endpoint subscribed to each Enabled topic, in `tx`.
   * `render` builds the message in the topic's locale. `dedupKey` identifies the decision
   * (e.g. `alarm:<history uuid>`): the same key to the same endpoint is stored once, so an
   * endpoint subscribed to two of the topics gets one message. Returns how many were stored.
   * Call {@link SnsService.poke} after the transaction commits.
   */
  async publish(tx: Tx, topicUuids: string[], dedupKey: string, render: (locale: Locale) => SnsMessage): Promise<number> {
    if (!topicUuids.length) return 0;
    const topics = await tx.snsTopic.findMany({ where: { uuid: { in: topicUuids }, state: "Enabled" }, orderBy: { uuid: "asc" } });
    if (!topics.length) return 0;
    const subs = await tx.snsSubscription.findMany({ where: { topicUuid: { in: topics.map((t) => t.uuid) } } });
    const endpoints = await tx.snsEndpoint.findMany({ where: { uuid: { in: subs.map((s) => s.endpointUuid) }, state: "Enabled" } });
    const rows: Prisma.SnsDeliveryCreateManyInput[] = [];
    for (const e of endpoints) {
      const topic = topics.find((t) => subs.some((s) => s.topicUuid === t.uuid && s.endpointUuid === e.uuid))!;
      rows.push({
        uuid: newUuid(), endpointUuid: e.uuid, topicUuid: topic.uuid, channel: e.type, dedupKey,
        message: render(topic.locale as Locale) as never, status: "Pending",
      });
    }
    if (!rows.length) return 0;
    const r = await tx.snsDelivery.createMany({ data: rows, skipDuplicates: true });
    return r.count;
  }

  /** Wakes the delivery sweep (after a publish committed). */
  poke(): void {
    this.sweep?.poke();
  }

  /** Queries stored deliveries (admin). */
  queryDeliveries(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: deliveryQuerySpec, delegate: this.prisma.snsDelivery as never, caller, raw,
      scope: {}, toInventory: deliveryInventory, csvName: "sns-deliveries",
    });
  }
}

function dup(what: string, details?: string) {
  return (err: unknown): never => {
    if (isUniqueViolation(err)) throw Errors.duplicate(what, details);
    throw err;
  };
}
