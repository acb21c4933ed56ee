import { z } from "zod";
import { createBody, Description, Name, Uuid } from "../http/common-schemas.ts";
import type { QuerySpec } from "../query/spec.ts";

/** A password: 8–128 characters. */
export const Password = z.string().min(8, "must have at least 8 characters").max(128);

const AccountCredentials = z.object({ accountName: z.string().min(1), password: z.string().min(1) }).strict();

/**
 * ZStack APILogInByAccountMsg: `PUT /v1/accounts/login` with `{ logInByAccount: {...} }`
 * (ZStack's key) or `{ logIn: {...} }` (shorter alias).
 */
export const LogInByAccountBody = z.union([
  z.object({ logInByAccount: AccountCredentials }).strict(),
  z.object({ logIn: AccountCredentials }).strict(),
]);

/** ZStack APILogInByUserMsg: `PUT /v1/accounts/users/login`. Names the account by name or uuid. */
export const LogInByUserBody = z.object({
  logInByUser: z.object({
    accountName: z.string().min(1).optional(),
    accountUuid: Uuid.optional(),
    userName: z.string().min(1),
    password: z.string().min(1),
  }).strict().refine((v) => Boolean(v.accountName) !== Boolean(v.accountUuid), "give exactly one of accountName and accountUuid"),
}).strict();

/** ZStack SessionInventory. */
export const SessionInventory = z.object({
  uuid: z.string().describe("Send as 'Authorization: OAuth <uuid>'"),
  accountUuid: z.string(),
  userUuid: z.string().nullable(),
  expiredDate: z.string().describe("ISO 8601, UTC"),
  createDate: z.string(),
});

/** ZStack APICreateAccountMsg. */
export const CreateAccountBody = createBody(z.object({
  name: Name.regex(/^[A-Za-z0-9][\w.@-]*$/, "letters, digits and . _ @ - only, starting with a letter or digit"),
  password: Password,
  type: z.enum(["SystemAdmin", "Normal"]).default("Normal"),
  description: Description.optional(),
}));

/** ZStack APIUpdateAccountMsg. An account changes its own password; an admin any account's. */
export const UpdateAccountBody = z.object({
  name: Name.optional(), description: Description.optional(), password: Password.optional(),
}).strict();

/** ZStack AccountInventory (never carries the password). */
export const AccountInventory = z.object({
  uuid: z.string(), name: z.string(), description: z.string().nullable(), type: z.string(),
  createDate: z.string(), lastOpDate: z.string(),
});

export const accountQuerySpec: QuerySpec = {
  resourceType: "Account",
  notNull: ["uuid", "name", "type", "createDate", "lastOpDate"],
  fields: { uuid: "string", name: "string", description: "string", type: "string", createDate: "date", lastOpDate: "date" },
};

/** ZStack APICreateUserMsg: a user inside the caller's account. */
export const CreateUserBody = createBody(z.object({
  name: Name.regex(/^[A-Za-z0-9][\w.@-]*$/, "letters, digits and . _ @ - only"),
  password: Password,
  description: Description.optional(),
}));

/** ZStack APIUpdateUserMsg. */
export const UpdateUserBody = z.object({ name: Name.optional(), description: Description.optional(), password: Password.optional() }).strict();

/** ZStack UserInventory. */
export const UserInventory = z.object({
  uuid: z.string(), accountUuid: z.string(), name: z.string(), description: z.string().nullable(),
  createDate: z.string(), lastOpDate: z.string(),
});

export const userQuerySpec: QuerySpec = {
  resourceType: "User",
  notNull: ["uuid", "accountUuid", "name", "createDate", "lastOpDate"],
  fields: { uuid: "string", accountUuid: "string", name: "string", description: "string", createDate: "date", lastOpDate: "date" },
};
