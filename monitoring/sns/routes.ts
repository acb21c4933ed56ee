import type { Api } from "../../server/http/api.ts";
import { InventoriesReply, InventoryReply, QueryParams, UuidParams } from "../../server/http/common-schemas.ts";
import {
  ChangeStateBody, CreateDingTalkEndpointBody, CreateEmailEndpointBody, CreateHttpEndpointBody, CreateTopicBody, DeliveryInventory,
  EndpointInventory, SubscriptionParams, TopicInventory, UpdateTopicBody,
} from "./schema.ts";
import { topicInventory, type SnsService } from "./service.ts";
import { z } from "zod";

const EmptyBody = z.object({}).strict();

/** REST routes of SNS, following ZStack's `/v1/sns/...` API (CreateSNSTopicAction, SubscribeSNSTopicAction, ...). */
export function registerSnsRoutes(api: Api, sns: SnsService): void {
  const tag = "sns";
  api.route({
    method: "post", path: "/sns/topics", apiName: "CreateSNSTopic", tag, access: "authenticated",
    summary: "Create an SNS topic",
    description: "ZStack CreateSNSTopicAction: alarms and event subscriptions publish to topics; endpoints subscribe to them. locale picks the language of messages.",
    body: CreateTopicBody, response: InventoryReply(TopicInventory),
    handler: async (req) => ({ body: { inventory: await sns.createTopic(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/sns/topics", apiName: "QuerySNSTopic", tag, access: "authenticated",
    summary: "Query SNS topics", description: "ZStack QuerySNSTopicAction with q/limit/start/sort/fields/count.",
    query: QueryParams, response: InventoriesReply(TopicInventory),
    handler: (req) => sns.queryTopics(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/sns/topics/{uuid}", apiName: "GetSNSTopic", tag, access: "authenticated",
    summary: "Get an SNS topic", description: "`{ inventories: [topic] }`; SYS.1003 when absent.",
    params: UuidParams, response: InventoriesReply(TopicInventory),
    handler: async (req) => ({ body: { inventories: [topicInventory(await sns.getTopic(req.auth, req.params.uuid))] } }),
  });
  api.action("sns/topics", {
    action: "updateSNSTopic", apiName: "UpdateSNSTopic", access: "authenticated",
    summary: "Update an SNS topic", description: "Changes name, description or locale (ZStack UpdateSNSTopicAction).",
    body: UpdateTopicBody, response: InventoryReply(TopicInventory),
    handler: async (req) => ({ body: { inventory: await sns.updateTopic(req.auth, req.params.uuid, req.body) } }),
  });
  api.action("sns/topics", {
    action: "changeSNSTopicState", apiName: "ChangeSNSTopicState", access: "authenticated",
    summary: "Enable or disable an SNS topic", description: "A Disabled topic publishes nothing (ZStack ChangeSNSTopicStateAction).",
    body: ChangeStateBody, response: InventoryReply(TopicInventory),
    handler: async (req) => ({ body: { inventory: await sns.changeTopicState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.route({
    method: "delete", path: "/sns/topics/{uuid}", apiName: "DeleteSNSTopic", tag, access: "authenticated",
    summary: "Delete an SNS topic", description: "Removes the topic and its subscriptions (ZStack DeleteSNSTopicAction).",
    params: UuidParams,
    handler: async (req) => {
      await sns.deleteTopic(req.auth, req.params.uuid);
      return { body: {} };
    },
  });

  const endpointDoc = "Secrets (passwords, signing keys) are stored encrypted and never returned.";
  api.route({
    method: "post", path: "/sns/application-endpoints/http", apiName: "CreateSNSHttpEndpoint", tag, access: "authenticated",
    summary: "Create an HTTP endpoint",
    description: "ZStack CreateSNSHttpEndpointAction: messages are POSTed as JSON with X-Strata-Delivery, X-Strata-Timestamp and, " +
      "with a secret, X-Strata-Signature: sha256=hex(HMAC-SHA256(secret, \"<timestamp>.<body>\")). Redirects are refused. " + endpointDoc,
    body: CreateHttpEndpointBody, response: InventoryReply(EndpointInventory),
    handler: async (req) => ({ body: { inventory: await sns.createHttpEndpoint(req.auth, req.body) } }),
  });
  api.route({
    method: "post", path: "/sns/application-endpoints/ding-talk", apiName: "CreateSNSDingTalkEndpoint", tag, access: "authenticated",
    summary: "Create a DingTalk robot endpoint",
    description: "ZStack CreateSNSDingTalkEndpointAction: markdown messages to a robot webhook, signed with timestamp+sign when a secret is set; " +
      "errcode != 0 is a failure; at most 20 messages a minute per robot. " + endpointDoc,
    body: CreateDingTalkEndpointBody, response: InventoryReply(EndpointInventory),
    handler: async (req) => ({ body: { inventory: await sns.createDingTalkEndpoint(req.auth, req.body) } }),
  });
  api.route({
    method: "post", path: "/sns/application-endpoints/email", apiName: "CreateSNSEmailEndpoint", tag, access: "authenticated",
    summary: "Create an email endpoint",
    description: "ZStack CreateSNSEmailEndpointAction: mail over SMTP (nodemailer) to `email`, through the endpoint's SMTP server or the sns/smtp.* global configs. " + endpointDoc,
    body: CreateEmailEndpointBody, response: InventoryReply(EndpointInventory),
    handler: async (req) => ({ body: { inventory: await sns.createEmailEndpoint(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/sns/application-endpoints", apiName: "QuerySNSApplicationEndpoint", tag, access: "authenticated",
    summary: "Query SNS endpoints", description: "Every type, with connectionStatus and the topics each is subscribed to (ZStack QuerySNSApplicationEndpointAction).",
    query: QueryParams, response: InventoriesReply(EndpointInventory),
    handler: (req) => sns.queryEndpoints(req.auth, req.rawQuery),
  });
  api.action("sns/application-endpoints", {
    action: "changeSNSApplicationEndpointState", apiName: "ChangeSNSApplicationEndpointState", access: "authenticated",
    summary: "Enable or disable an SNS endpoint", description: "A Disabled endpoint gets no new deliveries.",
    body: ChangeStateBody, response: InventoryReply(EndpointInventory),
    handler: async (req) => ({ body: { inventory: await sns.changeEndpointState(req.auth, req.params.uuid, req.body.stateEvent) } }),
  });
  api.action("sns/application-endpoints", {
    action: "sendTestMessage", apiName: "SendSNSTestMessage", access: "authenticated",
    summary: "Send a test message to an endpoint",
    description: "Sends one test message now (one attempt) and returns the stored delivery with its status, HTTP code, errcode and response.",
    body: EmptyBody, response: InventoryReply(DeliveryInventory),
    handler: async (req) => ({ body: { inventory: await sns.sendTestMessage(req.auth, req.params.uuid) } }),
  });
  api.route({
    method: "delete", path: "/sns/application-endpoints/{uuid}", apiName: "DeleteSNSApplicationEndpoint", tag, access: "authenticated",
    summary: "Delete an SNS endpoint", description: "Removes the endpoint and its subscriptions; its Pending deliveries become Failed.",
    params: UuidParams,
    handler: async (req) => {
      await sns.deleteEndpoint(req.auth, req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "post", path: "/sns/topics/{topicUuid}/endpoints/{endpointUuid}", apiName: "SubscribeSNSTopic", tag, access: "authenticated",
    summary: "Subscribe an endpoint to a topic", description: "ZStack SubscribeSNSTopicAction. SYS.1002 when already subscribed.",
    params: SubscriptionParams, response: InventoryReply(EndpointInventory),
    handler: async (req) => ({ body: { inventory: await sns.subscribe(req.auth, req.params.topicUuid, req.params.endpointUuid) } }),
  });
  api.route({
    method: "delete", path: "/sns/topics/{topicUuid}/endpoints/{endpointUuid}", apiName: "UnsubscribeSNSTopic", tag, access: "authenticated",
    summary: "Unsubscribe an endpoint from a topic", description: "ZStack UnsubscribeSNSTopicAction.",
    params: SubscriptionParams,
    handler: async (req) => {
      await sns.unsubscribe(req.auth, req.params.topicUuid, req.params.endpointUuid);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/sns/deliveries", apiName: "QuerySNSDelivery", tag, access: "admin",
    summary: "Query SNS deliveries",
    description: "Every message to every endpoint: status (Pending, Sending, Delivered, Failed), attempts, HTTP code, DingTalk errcode, truncated response.",
    query: QueryParams, response: InventoriesReply(DeliveryInventory),
    handler: (req) => sns.queryDeliveries(req.auth, req.rawQuery),
  });
}
