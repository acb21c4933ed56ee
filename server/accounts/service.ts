import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { Account, PrismaClient, User } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import { Errors } from "../errors/catalogue.ts";
import type { EventBus } from "../events/service.ts";
import type { GlobalConfigService } from "../global-configs/service.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import { queryReply } from "../query/run.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import {
  accountQuerySpec, userQuerySpec, type CreateAccountBody, type CreateUserBody, type UpdateAccountBody, type UpdateUserBody,
} from "./schema.ts";

/** Name of the account created at first start. */
export const ADMIN_ACCOUNT_NAME = "admin";

export function accountInventory(a: Account) {
  return {
    uuid: a.uuid, name: a.name, description: a.description, type: a.type,
    createDate: a.createDate.toISOString(), lastOpDate: a.lastOpDate.toISOString(),
  };
}

export function userInventory(u: User) {
  return {
    uuid: u.uuid, accountUuid: u.accountUuid, name: u.name, description: u.description,
    createDate: u.createDate.toISOString(), lastOpDate: u.lastOpDate.toISOString(),
  };
}

/**
 * Accounts, users, logins and sessions (ZStack AccountManager). Passwords are Argon2id
 * hashes; `identity/login.maxFailures` consecutive failures lock the account or user for
 * `identity/login.lockSeconds`.
 */
/** How long a resolved session is trusted without a database lookup, in ms. */
export const SESSION_CACHE_MS = 2000;

export class AccountService {
  private readonly sessionCache = new Map<string, { caller: Caller; expiredDate: number; at: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly configs: GlobalConfigService,
    private readonly events: EventBus,
  ) {}

  /**
   * Creates the `admin` account on first start. Returns the generated password when none was
   * configured (the caller prints it once), undefined when admin already existed or the
   * password came from configuration.
   */
  async bootstrapAdmin(configured?: string): Promise<string | undefined> {
    if (await this.prisma.account.findUnique({ where: { name: ADMIN_ACCOUNT_NAME } })) return undefined;
    const password = configured ?? randomBytes(12).toString("base64url");
    await this.prisma.account.create({
      data: { uuid: newUuid(), name: ADMIN_ACCOUNT_NAME, type: "SystemAdmin", passwordHash: await hashPassword(password), description: "Created at first start" },
    }).catch(async (err: unknown) => {
      // Another management node created it at the same moment.
      if (!(await this.prisma.account.findUnique({ where: { name: ADMIN_ACCOUNT_NAME } }))) throw err;
    });
    return configured ? undefined : password;
  }

  /** Logs in with account name and password (APILogInByAccountMsg). @throws ID.1000 (401/423). */
  async logInByAccount(accountName: string, password: string) {
    const account = await this.prisma.account.findUnique({ where: { name: accountName } });
    await this.checkPassword("account", account, password);
    return this.openSession(account!.uuid, undefined);
  }

  /** Logs in as a user of an account (APILogInByUserMsg). @throws ID.1000 (401/423). */
  async logInByUser(p: { accountName?: string; accountUuid?: string; userName: string; password: string }) {
    const account = await this.prisma.account.findFirst({ where: p.accountUuid ? { uuid: p.accountUuid } : { name: p.accountName! } });
    const user = account ? await this.prisma.user.findUnique({ where: { accountUuid_name: { accountUuid: account.uuid, name: p.userName } } }) : null;
    await this.checkPassword("user", user, p.password);
    return this.openSession(account!.uuid, user!.uuid);
  }

  private async checkPassword(kind: "account" | "user", who: Account | User | null, password: string): Promise<void> {
    const now = new Date();
    if (who?.lockedUntil && who.lockedUntil > now) throw Errors.accountLocked(who.lockedUntil);
    if (await verifyPassword(who?.passwordHash, password)) {
      if (who!.failedLoginCount > 0 || who!.lockedUntil) await this.setFailures(kind, who!.uuid, 0, null);
      return;
    }
    if (!who) throw Errors.authenticationFailed();
    const max = this.configs.getNumber("identity", "login.maxFailures");
    // Counted in the database: computing `failedLoginCount + 1` from the row read above lost
    // updates, so guesses sent in parallel all wrote 1 and never locked the account.
    // Nor does a plain failure touch lockedUntil, so it cannot undo a lock set meanwhile.
    const failures = await this.countFailure(kind, who.uuid);
    if (failures >= max) {
      const until = new Date(now.getTime() + this.configs.getNumber("identity", "login.lockSeconds") * 1000);
      await this.setFailures(kind, who.uuid, 0, until);
      throw Errors.accountLocked(until);
    }
    throw Errors.authenticationFailed(`${max - failures} attempts left before the ${kind} is locked`);
  }

  /** Adds one failed login atomically and returns the new count. */
  private async countFailure(kind: "account" | "user", uuid: string): Promise<number> {
    const data = { failedLoginCount: { increment: 1 } };
    const row = kind === "account"
      ? await this.prisma.account.update({ where: { uuid }, data, select: { failedLoginCount: true } })
      : await this.prisma.user.update({ where: { uuid }, data, select: { failedLoginCount: true } });
    return row.failedLoginCount;
  }

  private async setFailures(kind: "account" | "user", uuid: string, failedLoginCount: number, lockedUntil: Date | null) {
    const data = { failedLoginCount, lockedUntil };
    if (kind === "account") await this.prisma.account.update({ where: { uuid }, data });
    else await this.prisma.user.update({ where: { uuid }, data });
  }

  private async openSession(accountUuid: string, userUuid: string | undefined) {
    const now = new Date();
    await this.prisma.session.deleteMany({ where: { accountUuid, expiredDate: { lte: now } } });
    const max = this.configs.getNumber("identity", "session.maxConcurrent");
    const open = await this.prisma.session.count({ where: { accountUuid } });
    if (open >= max) {
      throw Errors.operationNotAllowed("A new session", `the account already has ${open} sessions (identity/session.maxConcurrent = ${max}); log out of one first`);
    }
    const timeout = this.configs.getNumber("identity", "session.timeout");
    const s = await this.prisma.session.create({
      data: { uuid: newUuid(), accountUuid, userUuid: userUuid ?? null, expiredDate: new Date(now.getTime() + timeout * 1000) },
    });
    return { uuid: s.uuid, accountUuid: s.accountUuid, userUuid: s.userUuid, expiredDate: s.expiredDate.toISOString(), createDate: s.createDate.toISOString() };
  }

  /**
   * Resolves a session uuid to its caller; undefined when unknown or expired. Resolved
   * sessions are remembered for {@link SESSION_CACHE_MS}, as ZStack's SessionManager keeps
   * them in memory: every API call authenticates, and the lookup would otherwise be a database
   * round trip per request. Log-out and account/user deletion on this node forget them at once;
   * on another node sharing the database a deleted session lives at most that long.
   */
  async resolveSession(uuid: string): Promise<Caller | undefined> {
    const now = Date.now();
    const cached = this.sessionCache.get(uuid);
    if (cached && now - cached.at < SESSION_CACHE_MS && cached.expiredDate > now) return cached.caller;
    const s = await this.prisma.session.findUnique({ where: { uuid }, include: { account: true } });
    if (!s || s.expiredDate.getTime() <= now) {
      this.sessionCache.delete(uuid);
      return undefined;
    }
    const caller: Caller = {
      kind: "session", accountUuid: s.accountUuid, accountName: s.account.name, accountType: s.account.type,
      userUuid: s.userUuid ?? undefined, sessionUuid: s.uuid, isAdmin: s.account.type === "SystemAdmin",
    };
    if (this.sessionCache.size >= 10_000) this.sessionCache.clear();
    this.sessionCache.set(uuid, { caller, expiredDate: s.expiredDate.getTime(), at: now });
    return caller;
  }

  /** Forgets remembered sessions (after log-outs and deletions). */
  forgetSessions(): void {
    this.sessionCache.clear();
  }

  /** Ends a session (APILogOutMsg). Logging out of an unknown session is not an error, as in ZStack. */
  async logOut(sessionUuid: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { uuid: sessionUuid } });
    this.sessionCache.delete(sessionUuid);
  }

  /** Creates an account (APICreateAccountMsg, admin only). @throws SYS.1002 when the name is taken. */
  async createAccount(caller: Caller, input: z.infer<typeof CreateAccountBody>) {
    const p = input.params;
    if (await this.prisma.account.findUnique({ where: { name: p.name } })) throw Errors.duplicate("An account with that name", p.name);
    const uuid = p.resourceUuid ?? newUuid();
    const row = await this.events.transaction(this.prisma, async (tx, emit) => {
      const a = await tx.account.create({
        data: { uuid, name: p.name, type: p.type, description: p.description ?? null, passwordHash: await hashPassword(p.password) },
      });
      await emit({ type: "ResourceCreated", resourceUuid: uuid, resourceType: "Account", accountUuid: caller.accountUuid });
      return a;
    });
    return accountInventory(row);
  }

  /** An account the caller may see: admin sees all, others only their own. @throws SYS.1003. */
  async getAccount(caller: Caller, uuid: string): Promise<Account> {
    // A non-admin may only see its own account. (Spreading `{ uuid: caller.accountUuid }` over
    // the requested uuid used to replace it, so any uuid found the caller's own account and
    // updateAccount then wrote the *requested* one: a Normal account could reset admin's password.)
    if (!caller.isAdmin && uuid !== caller.accountUuid) throw Errors.resourceNotFound("Account", uuid);
    const a = await this.prisma.account.findUnique({ where: { uuid } });
    if (!a) throw Errors.resourceNotFound("Account", uuid);
    return a;
  }

  /** Queries accounts (APIQueryAccountMsg). */
  queryAccounts(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: accountQuerySpec, delegate: this.prisma.account as never, caller, raw,
      scope: caller.isAdmin ? {} : { uuid: caller.accountUuid }, toInventory: accountInventory, csvName: "accounts",
    });
  }

  /** Updates an account (APIUpdateAccountMsg). A user may not change its account. */
  async updateAccount(caller: Caller, uuid: string, p: z.infer<typeof UpdateAccountBody>) {
    const a = await this.getAccount(caller, uuid);
    if (caller.userUuid) throw Errors.permissionDenied("a user cannot change its account; log in as the account");
    if (p.name && p.name !== a.name) {
      if (a.name === ADMIN_ACCOUNT_NAME) throw Errors.operationNotAllowed("Renaming the admin account", "it is the built-in administrator");
      if (await this.prisma.account.findUnique({ where: { name: p.name } })) throw Errors.duplicate("An account with that name", p.name);
    }
    const data = { name: p.name, description: p.description, ...(p.password ? { passwordHash: await hashPassword(p.password), failedLoginCount: 0, lockedUntil: null } : {}) };
    const updated = await this.prisma.account.update({ where: { uuid }, data });
    this.forgetSessions();
    return accountInventory(updated);
  }

  /**
   * Deletes an account with its users, sessions and access keys (APIDeleteAccountMsg, admin only).
   * Refuses the admin account, and (Permissive) an account that still owns resources.
   */
  async deleteAccount(caller: Caller, uuid: string, deleteMode: "Permissive" | "Enforcing"): Promise<void> {
    const a = await this.getAccount(caller, uuid);
    if (a.name === ADMIN_ACCOUNT_NAME) throw Errors.operationNotAllowed("Deleting the admin account", "it is the built-in administrator");
    const owned = (await this.prisma.zone.count({ where: { accountUuid: uuid } })) + (await this.prisma.cluster.count({ where: { accountUuid: uuid } }))
      + (await this.prisma.host.count({ where: { accountUuid: uuid } }));
    if (owned > 0 && deleteMode === "Permissive") {
      throw Errors.deleteRefused("The account still owns resources; delete them first", `${owned} resources`);
    }
    const admin = await this.prisma.account.findUniqueOrThrow({ where: { name: ADMIN_ACCOUNT_NAME } });
    await this.events.transaction(this.prisma, async (tx, emit) => {
      // Enforcing: resources are handed to admin rather than destroyed behind the operator's back.
      await tx.zone.updateMany({ where: { accountUuid: uuid }, data: { accountUuid: admin.uuid } });
      await tx.cluster.updateMany({ where: { accountUuid: uuid }, data: { accountUuid: admin.uuid } });
      await tx.host.updateMany({ where: { accountUuid: uuid }, data: { accountUuid: admin.uuid } });
      await tx.account.delete({ where: { uuid } });
      await emit({ type: "ResourceDeleted", resourceUuid: uuid, resourceType: "Account", accountUuid: caller.accountUuid });
    });
    this.forgetSessions();
  }

  /** Creates a user in the caller's account (APICreateUserMsg). @throws SYS.1002 for a taken name. */
  async createUser(caller: Caller, input: z.infer<typeof CreateUserBody>) {
    if (caller.userUuid) throw Errors.permissionDenied("only an account, not a user, may create users");
    const p = input.params;
    const taken = await this.prisma.user.findUnique({ where: { accountUuid_name: { accountUuid: caller.accountUuid, name: p.name } } });
    if (taken) throw Errors.duplicate("A user with that name in your account", p.name);
    const u = await this.prisma.user.create({
      data: { uuid: p.resourceUuid ?? newUuid(), accountUuid: caller.accountUuid, name: p.name, description: p.description ?? null, passwordHash: await hashPassword(p.password) },
    });
    return userInventory(u);
  }

  /** A user the caller may see: admin all; an account its users; a user itself. @throws SYS.1003. */
  async getUser(caller: Caller, uuid: string): Promise<User> {
    // AND, not a spread: a user's scope is `{ uuid: <its own> }`, which used to overwrite the
    // requested uuid, so a user could read and updateUser (password included) any other user.
    const u = await this.prisma.user.findFirst({ where: { AND: [{ uuid }, this.userScope(caller)] } });
    if (!u) throw Errors.resourceNotFound("User", uuid);
    return u;
  }

  private userScope(caller: Caller): Record<string, unknown> {
    if (caller.isAdmin && !caller.userUuid) return {};
    return caller.userUuid ? { uuid: caller.userUuid } : { accountUuid: caller.accountUuid };
  }

  /** Queries users (APIQueryUserMsg). */
  queryUsers(caller: Caller, raw: Record<string, unknown>): Promise<ApiReply> {
    return queryReply({
      prisma: this.prisma, spec: userQuerySpec, delegate: this.prisma.user as never, caller, raw,
      scope: this.userScope(caller), toInventory: userInventory, csvName: "users",
    });
  }

  /** Updates a user (APIUpdateUserMsg): its account, or the user itself. */
  async updateUser(caller: Caller, uuid: string, p: z.infer<typeof UpdateUserBody>) {
    const u = await this.getUser(caller, uuid);
    if (p.name && p.name !== u.name) {
      const taken = await this.prisma.user.findUnique({ where: { accountUuid_name: { accountUuid: u.accountUuid, name: p.name } } });
      if (taken) throw Errors.duplicate("A user with that name in the account", p.name);
    }
    const data = { name: p.name, description: p.description, ...(p.password ? { passwordHash: await hashPassword(p.password), failedLoginCount: 0, lockedUntil: null } : {}) };
    return userInventory(await this.prisma.user.update({ where: { uuid }, data }));
  }

  /** Deletes a user with its sessions and access keys (APIDeleteUserMsg). */
  async deleteUser(caller: Caller, uuid: string): Promise<void> {
    await this.getUser(caller, uuid);
    if (caller.userUuid) throw Errors.permissionDenied("a user cannot delete users");
    await this.prisma.user.delete({ where: { uuid } });
    this.forgetSessions();
  }
}
