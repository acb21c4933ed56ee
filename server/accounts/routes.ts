import { z } from "zod";
import type { Api } from "../http/api.ts";
import { DeleteQuery, InventoriesReply, InventoryReply, QueryParams, Uuid, UuidParams } from "../http/common-schemas.ts";
import {
  AccountInventory, CreateAccountBody, CreateUserBody, LogInByAccountBody, LogInByUserBody, SessionInventory,
  UpdateAccountBody, UpdateUserBody, UserInventory,
} from "./schema.ts";
import { accountInventory, userInventory, type AccountService } from "./service.ts";

/** REST routes of accounts, users and sessions, following ZStack's `/v1/accounts` API. */
export function registerAccountRoutes(api: Api, accounts: AccountService): void {
  const tag = "accounts";
  api.route({
    method: "put", path: "/accounts/login", apiName: "LogInByAccount", tag, access: "public",
    summary: "Log in with an account",
    description: "ZStack APILogInByAccountMsg. Returns a session; send `Authorization: OAuth <uuid>` afterwards. " +
      "Sessions last identity/session.timeout seconds (default 7200). Errors: ID.1000 401 wrong name or password; " +
      "ID.1000 423 locked after identity/login.maxFailures (default 6) failures.",
    body: LogInByAccountBody, response: InventoryReply(SessionInventory),
    handler: async (req) => {
      const c = "logIn" in req.body ? req.body.logIn : req.body.logInByAccount;
      return { body: { inventory: await accounts.logInByAccount(c.accountName, c.password) } };
    },
  });
  api.route({
    method: "put", path: "/accounts/users/login", apiName: "LogInByUser", tag, access: "public",
    summary: "Log in as a user of an account",
    description: "ZStack APILogInByUserMsg: accountName or accountUuid, userName, password. Errors as for account login.",
    body: LogInByUserBody, response: InventoryReply(SessionInventory),
    handler: async (req) => ({ body: { inventory: await accounts.logInByUser(req.body.logInByUser) } }),
  });
  api.route({
    method: "delete", path: "/accounts/sessions/{uuid}", apiName: "LogOut", tag, access: "public",
    summary: "Log out", description: "ZStack APILogOutMsg: ends the session.",
    params: UuidParams,
    handler: async (req) => {
      await accounts.logOut(req.params.uuid);
      return { body: {} };
    },
  });
  api.route({
    method: "get", path: "/accounts/sessions/{uuid}/valid", apiName: "ValidateSession", tag, access: "public",
    summary: "Check a session", description: "ZStack APIValidateSessionMsg: `{ valid: boolean }`.",
    params: UuidParams, response: z.object({ valid: z.boolean() }),
    handler: async (req) => ({ body: { valid: (await accounts.resolveSession(req.params.uuid)) !== undefined } }),
  });

  // Users first: `/accounts/users` must not be taken for `/accounts/{uuid}`.
  api.route({
    method: "post", path: "/accounts/users", apiName: "CreateUser", tag, access: "authenticated",
    summary: "Create a user in your account", description: "ZStack APICreateUserMsg. SYS.1002 when the name is taken in the account.",
    body: CreateUserBody, response: InventoryReply(UserInventory),
    handler: async (req) => ({ body: { inventory: await accounts.createUser(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/accounts/users", apiName: "QueryUser", tag, access: "authenticated",
    summary: "Query users", description: "ZStack APIQueryUserMsg: an account sees its users, admin all.",
    query: QueryParams, response: InventoriesReply(UserInventory),
    handler: (req) => accounts.queryUsers(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/accounts/users/{uuid}", apiName: "GetUser", tag, access: "authenticated",
    summary: "Get a user", description: "SYS.1003 (404) when missing or not visible.",
    params: UuidParams, response: InventoriesReply(UserInventory),
    handler: async (req) => ({ body: { inventories: [userInventory(await accounts.getUser(req.auth, req.params.uuid))] } }),
  });
  api.action("accounts/users", {
    action: "updateUser", apiName: "UpdateUser", access: "authenticated",
    summary: "Update a user", description: "ZStack APIUpdateUserMsg: name, description, password.",
    body: UpdateUserBody, response: InventoryReply(UserInventory),
    handler: async (req) => ({ body: { inventory: await accounts.updateUser(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/accounts/users/{uuid}", apiName: "DeleteUser", tag, access: "authenticated",
    summary: "Delete a user", description: "ZStack APIDeleteUserMsg; its sessions and access keys go with it.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await accounts.deleteUser(req.auth, req.params.uuid);
      return { body: {} };
    },
  });

  api.route({
    method: "post", path: "/accounts", apiName: "CreateAccount", tag, access: "admin",
    summary: "Create an account", description: "ZStack APICreateAccountMsg: name, password (8–128 chars), type SystemAdmin|Normal. SYS.1002 when the name is taken.",
    body: CreateAccountBody, response: InventoryReply(AccountInventory),
    handler: async (req) => ({ body: { inventory: await accounts.createAccount(req.auth, req.body) } }),
  });
  api.route({
    method: "get", path: "/accounts", apiName: "QueryAccount", tag, access: "authenticated",
    summary: "Query accounts", description: "ZStack APIQueryAccountMsg: admin sees all accounts, others their own.",
    query: QueryParams, response: InventoriesReply(AccountInventory),
    handler: (req) => accounts.queryAccounts(req.auth, req.rawQuery),
  });
  api.route({
    method: "get", path: "/accounts/{uuid}", apiName: "GetAccount", tag, access: "authenticated",
    summary: "Get an account", description: "SYS.1003 (404) when missing or not visible.",
    params: z.object({ uuid: Uuid }), response: InventoriesReply(AccountInventory),
    handler: async (req) => ({ body: { inventories: [accountInventory(await accounts.getAccount(req.auth, req.params.uuid))] } }),
  });
  api.action("accounts", {
    action: "updateAccount", apiName: "UpdateAccount", access: "authenticated",
    summary: "Update an account", description: "ZStack APIUpdateAccountMsg: name, description, password; your own account, or any as admin.",
    body: UpdateAccountBody, response: InventoryReply(AccountInventory),
    handler: async (req) => ({ body: { inventory: await accounts.updateAccount(req.auth, req.params.uuid, req.body) } }),
  });
  api.route({
    method: "delete", path: "/accounts/{uuid}", apiName: "DeleteAccount", tag, access: "admin",
    summary: "Delete an account",
    description: "ZStack APIDeleteAccountMsg. Permissive refuses while it owns resources (SYS.1004); Enforcing hands them to admin.",
    params: UuidParams, query: DeleteQuery,
    handler: async (req) => {
      await accounts.deleteAccount(req.auth, req.params.uuid, req.query.deleteMode);
      return { body: {} };
    },
  });
}
