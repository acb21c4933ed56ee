import { z } from "zod";
import { BaseInventory, createBody, Description, Name, StateEvent, Uuid } from "../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../server/query/spec.ts";

const HttpUrl = z.string().url().max(2048).refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL");

/** ZStack CreateSNSTopicAction. */
export const CreateTopicBody = createBody(z.object({
  name: Name,
  description: Description.optional(),
  locale: z.enum(["en_US", "zh_CN"]).optional().describe("Language of the topic's messages (default en_US)"),
}));
/** Input of SnsService.createTopic. */
export type CreateTopicInput = z.infer<typeof CreateTopicBody>;

/** ZStack UpdateSNSTopicAction. */
export const UpdateTopicBody = z.object({ name: Name.optional(), description: Description.optional(), locale: z.enum(["en_US", "zh_CN"]).optional() }).strict();
/** ZStack ChangeSNSTopicStateAction. */
export const ChangeStateBody = z.object({ stateEvent: StateEvent }).strict();

/** ZStack CreateSNSHttpEndpointAction (+ secret: HMAC key of the X-Strata-Signature header). */
export const CreateHttpEndpointBody = createBody(z.object({
  name: Name, description: Description.optional(),
  url: HttpUrl.describe("Receiver URL; messages are POSTed as JSON"),
  username: z.string().max(255).optional().describe("Basic-auth user"),
  password: z.string().max(255).optional().describe("Basic-auth password (stored encrypted, never returned)"),
  secret: z.string().min(8).max(255).optional().describe("HMAC-SHA256 key: X-Strata-Signature: sha256=hex(HMAC(secret, \"<X-Strata-Timestamp>.<body>\"))"),
}));
/** ZStack CreateSNSDingTalkEndpointAction. */
export const CreateDingTalkEndpointBody = createBody(z.object({
  name: Name, description: Description.optional(),
  url: HttpUrl.describe("Robot webhook, e.g. https://oapi.dingtalk.com/robot/send?access_token=..."),
  secret: z.string().max(255).optional().describe("Signing secret (SEC...): adds DingTalk's timestamp+sign (stored encrypted)"),
  atAll: z.boolean().optional(),
  atPersonPhoneNumbers: z.array(z.string().regex(/^\+?[0-9-]{5,20}$/)).max(50).optional(),
}));
/** ZStack CreateSNSEmailEndpointAction, with the SMTP server optionally per endpoint. */
export const CreateEmailEndpointBody = createBody(z.object({
  name: Name, description: Description.optional(),
  email: z.string().email().max(255).describe("Recipient address"),
  smtpHost: z.string().max(255).optional().describe("Default: sns/smtp.host"),
  smtpPort: z.number().int().min(1).max(65535).optional().describe("Default: sns/smtp.port"),
  smtpSecurity: z.enum(["none", "starttls", "ssl"]).optional().describe("Default: sns/smtp.security"),
  smtpUsername: z.string().max(255).optional(),
  smtpPassword: z.string().max(255).optional().describe("Stored encrypted, never returned"),
  from: z.string().max(255).optional().describe("Sender; default sns/smtp.from"),
}));
/** Input of SnsService.createHttpEndpoint. */
export type CreateHttpEndpointInput = z.infer<typeof CreateHttpEndpointBody>;
/** Input of SnsService.createDingTalkEndpoint. */
export type CreateDingTalkEndpointInput = z.infer<typeof CreateDingTalkEndpointBody>;
/** Input of SnsService.createEmailEndpoint. */
export type CreateEmailEndpointInput = z.infer<typeof CreateEmailEndpointBody>;

/** `{ topicUuid, endpointUuid }` path of SubscribeSNSTopic / UnsubscribeSNSTopic. */
export const SubscriptionParams = z.object({ topicUuid: Uuid, endpointUuid: Uuid });

/** ZStack SNSTopicInventory. */
export const TopicInventory = z.object({
  ...BaseInventory, locale: z.string(), state: z.string(), subscriberCount: z.number().int(),
});
/** ZStack SNSApplicationEndpointInventory (secrets never included). */
export const EndpointInventory = z.object({
  ...BaseInventory, type: z.enum(["Http", "DingTalk", "Email"]), state: z.string(),
  connectionStatus: z.enum(["Unknown", "Connected", "Disconnected"]).describe("Connected: last delivery succeeded; Disconnected: it failed"),
  lastError: z.string().nullable(), config: z.record(z.string(), z.unknown()).describe("Channel settings without secrets"),
  topicUuids: z.array(z.string()),
});
/** One stored delivery. */
export const DeliveryInventory = z.object({
  uuid: z.string(), endpointUuid: z.string(), topicUuid: z.string().nullable(), channel: z.string(), status: z.enum(["Pending", "Sending", "Delivered", "Failed"]),
  attempts: z.number().int(), httpCode: z.number().int().nullable(), errcode: z.number().int().nullable(),
  response: z.string().nullable().describe("The receiver's reply, truncated to 1000 characters"), error: z.string().nullable(),
  subject: z.string(), nextAttemptDate: z.string(), deliveredDate: z.string().nullable(), createDate: z.string(),
});

/** What `GET /v1/sns/topics` may filter and sort on. */
export const topicQuerySpec: QuerySpec = {
  resourceType: "SnsTopic",
  fields: { uuid: "string", name: "string", description: "string", locale: "string", state: "string", accountUuid: "string", createDate: "date", lastOpDate: "date" },
  notNull: ["uuid", "name", "locale", "state", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["subscriberCount"],
};
/** What `GET /v1/sns/application-endpoints` may filter and sort on. */
export const endpointQuerySpec: QuerySpec = {
  resourceType: "SnsEndpoint",
  fields: {
    uuid: "string", name: "string", description: "string", type: "string", state: "string", connectionStatus: "string",
    lastError: "string", accountUuid: "string", createDate: "date", lastOpDate: "date",
  },
  notNull: ["uuid", "name", "type", "state", "connectionStatus", "accountUuid", "createDate", "lastOpDate"],
  computedFields: ["config", "topicUuids"],
};
/** What `GET /v1/sns/deliveries` may filter and sort on. */
export const deliveryQuerySpec: QuerySpec = {
  resourceType: "SnsDelivery",
  fields: {
    uuid: "string", endpointUuid: "string", topicUuid: "string", channel: "string", status: "string", attempts: "number",
    httpCode: "number", errcode: "number", error: "string", createDate: "date", deliveredDate: "date", nextAttemptDate: "date",
  },
  notNull: ["uuid", "endpointUuid", "channel", "status", "attempts", "createDate", "nextAttemptDate"],
  computedFields: ["subject", "response"],
};
