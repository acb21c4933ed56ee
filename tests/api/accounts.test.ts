import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_PASSWORD, Client, startNode, type TestNode } from "../support/node.ts";

const SECONDS = 1000;

/** Sets a global config through the API as admin; fails the test unless it is accepted. */
async function setConfig(t: TestNode, category: string, name: string, value: string) {
  const r = await t.admin.put(`/v1/global-configurations/${category}/${name}/actions`, { updateGlobalConfig: { value } });
  assert.equal(r.status, 200, r.text);
}

describe("accounts, users and sessions", () => {
  let t: TestNode;
  let n = 0;
  /** Creates a Normal account with a unique name and returns its inventory and password. */
  async function newAccount(prefix = "acct") {
    const name = `${prefix}-${++n}`;
    const password = `password-${n}-long`;
    const r = await t.admin.post("/v1/accounts", { params: { name, password } });
    assert.equal(r.status, 200, r.text);
    return { inventory: r.body.inventory, name, password };
  }
  const login = (body: unknown) => t.anonymous.put("/v1/accounts/login", body);

  before(async () => { t = await startNode(); });
  after(async () => { await t?.destroy(); });

  describe("login", () => {
    it("returns a session inventory expiring identity/session.timeout (7200 s) from now", async () => {
      const before = Date.now();
      const r = await login({ logInByAccount: { accountName: "admin", password: ADMIN_PASSWORD } });
      assert.equal(r.status, 200, r.text);
      const s = r.body.inventory;
      assert.match(s.uuid, /^[0-9a-f]{32}$/);
      assert.equal(s.userUuid, null);
      const accounts = await new Client(t.url, s.uuid).get("/v1/accounts?q=name=admin");
      assert.equal(s.accountUuid, accounts.body.inventories[0].uuid);
      const expires = Date.parse(s.expiredDate);
      assert.ok(expires >= before + 7200 * SECONDS - 2 * SECONDS && expires <= Date.now() + 7200 * SECONDS + 2 * SECONDS, s.expiredDate);
    });

    it("accepts the shorter logIn alias", async () => {
      const r = await login({ logIn: { accountName: "admin", password: ADMIN_PASSWORD } });
      assert.equal(r.status, 200, r.text);
      assert.match(r.body.inventory.uuid, /^[0-9a-f]{32}$/);
    });

    it("refuses a wrong password and an unknown account alike with 401 ID.1000", async () => {
      const wrong = await login({ logInByAccount: { accountName: "admin", password: "not-the-password" } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, "ID.1000");
      const unknown = await login({ logInByAccount: { accountName: "nobody-here", password: "whatever-pass" } });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.error.code, "ID.1000");
      // the admin's one failure must not linger into a lock: a good login resets the count
      assert.equal((await login({ logIn: { accountName: "admin", password: ADMIN_PASSWORD } })).status, 200);
    });

    it("refuses a body with both or neither login keys with 400 SYS.1007", async () => {
      const both = await login({ logIn: { accountName: "admin", password: "x" }, logInByAccount: { accountName: "admin", password: "x" } });
      assert.equal(both.status, 400);
      assert.equal(both.body.error.code, "SYS.1007");
      const neither = await login({ accountName: "admin", password: ADMIN_PASSWORD });
      assert.equal(neither.status, 400);
      assert.equal(neither.body.error.code, "SYS.1007");
    });

    it("answers a very long account name with 401, not a database error", async () => {
      const r = await login({ logInByAccount: { accountName: "x".repeat(400), password: "whatever-pass" } });
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error.code, "ID.1000");
    });

    it("locks an account after 6 consecutive failures (423 even with the right password) and unlocks after login.lockSeconds", async () => {
      const a = await newAccount("lock");
      await setConfig(t, "identity", "login.lockSeconds", "1");
      try {
        for (let i = 1; i <= 5; i++) {
          const r = await login({ logInByAccount: { accountName: a.name, password: "wrong-password" } });
          assert.equal(r.status, 401, `attempt ${i}: ${r.text}`);
          assert.equal(r.body.error.code, "ID.1000");
        }
        const sixth = await login({ logInByAccount: { accountName: a.name, password: "wrong-password" } });
        assert.equal(sixth.status, 423, sixth.text);
        assert.equal(sixth.body.error.code, "ID.1000");
        const right = await login({ logInByAccount: { accountName: a.name, password: a.password } });
        assert.equal(right.status, 423, right.text);
        assert.equal(right.body.error.code, "ID.1000");
        assert.match(right.body.error.details, /locked until/);
        await new Promise((r) => setTimeout(r, 1200));
        const later = await login({ logInByAccount: { accountName: a.name, password: a.password } });
        assert.equal(later.status, 200, later.text);
        // the count restarted: one more failure is a plain 401, not a lock
        const again = await login({ logInByAccount: { accountName: a.name, password: "wrong-password" } });
        assert.equal(again.status, 401);
      } finally {
        await setConfig(t, "identity", "login.lockSeconds", "600");
      }
    });

    it("locks an account guessed at in parallel, not only sequentially", async () => {
      const a = await newAccount("burst");
      const replies = await Promise.all(Array.from({ length: 12 }, () => login({ logIn: { accountName: a.name, password: "wrong-password" } })));
      assert.ok(replies.every((r) => r.status === 401 || r.status === 423), replies.map((r) => r.status).join(","));
      const right = await login({ logIn: { accountName: a.name, password: a.password } });
      assert.equal(right.status, 423, `after 12 parallel failures: ${right.text}`);
    });

    it("locks a user without locking its account", async () => {
      const a = await newAccount("userlock");
      const c = await t.anonymous.login(a.name, a.password);
      await c.post("/v1/accounts/users", { params: { name: "guessed", password: "user-password" } });
      const userLogin = (password: string) => t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "guessed", password } });
      for (let i = 0; i < 6; i++) await userLogin("wrong-password");
      const r = await userLogin("user-password");
      assert.equal(r.status, 423, r.text);
      assert.equal(r.body.error.code, "ID.1000");
      assert.equal((await login({ logIn: { accountName: a.name, password: a.password } })).status, 200);
    });

    it("does not lock after failures interrupted by a successful login", async () => {
      const a = await newAccount("reset");
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 4; i++) {
          assert.equal((await login({ logIn: { accountName: a.name, password: "wrong-password" } })).status, 401);
        }
        assert.equal((await login({ logIn: { accountName: a.name, password: a.password } })).status, 200);
      }
    });
  });

  describe("sessions", () => {
    it("accepts both 'OAuth <uuid>' and 'Bearer <uuid>'", async () => {
      const session = t.admin.session!;
      const oauth = await t.anonymous.get("/v1/accounts", { authorization: `OAuth ${session}` });
      assert.equal(oauth.status, 200, oauth.text);
      const bearer = await t.anonymous.get("/v1/accounts", { authorization: `Bearer ${session}` });
      assert.equal(bearer.status, 200, bearer.text);
      assert.deepEqual(bearer.body, oauth.body);
    });

    it("refuses a request without Authorization with 401 ID.1001", async () => {
      const r = await t.anonymous.get("/v1/accounts");
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "ID.1001");
      assert.match(r.body.error.details, /no Authorization header/);
    });

    it("refuses an unknown session, a malformed one and an unknown scheme with 401 ID.1001", async () => {
      for (const authorization of ["OAuth 0123456789abcdef0123456789abcdef", `OAuth ${"z".repeat(300)}`, "Basic YWRtaW46YWRtaW4="]) {
        const r = await t.anonymous.get("/v1/accounts", { authorization });
        assert.equal(r.status, 401, `${authorization}: ${r.text}`);
        assert.equal(r.body.error.code, "ID.1001");
      }
    });

    it("logs out: the session is refused afterwards and reported invalid", async () => {
      const c = await t.anonymous.login("admin", ADMIN_PASSWORD);
      const valid = await t.anonymous.get(`/v1/accounts/sessions/${c.session}/valid`);
      assert.equal(valid.status, 200);
      assert.deepEqual(valid.body, { valid: true });
      const out = await c.delete(`/v1/accounts/sessions/${c.session}`);
      assert.equal(out.status, 200, out.text);
      const r = await c.get("/v1/accounts");
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "ID.1001");
      assert.deepEqual((await t.anonymous.get(`/v1/accounts/sessions/${c.session}/valid`)).body, { valid: false });
    });

    it("reports an unknown session invalid and a malformed uuid as 400", async () => {
      assert.deepEqual((await t.anonymous.get("/v1/accounts/sessions/0123456789abcdef0123456789abcdef/valid")).body, { valid: false });
      const bad = await t.anonymous.get("/v1/accounts/sessions/not-a-uuid/valid");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "SYS.1007");
    });

    it("applies a changed identity/session.timeout to the next login without restart", async () => {
      await setConfig(t, "identity", "session.timeout", "60");
      try {
        const before = Date.now();
        const r = await login({ logIn: { accountName: "admin", password: ADMIN_PASSWORD } });
        assert.equal(r.status, 200);
        const expires = Date.parse(r.body.inventory.expiredDate);
        assert.ok(Math.abs(expires - (before + 60 * SECONDS)) < 3 * SECONDS, r.body.inventory.expiredDate);
      } finally {
        await setConfig(t, "identity", "session.timeout", "7200");
      }
    });

    it("refuses a login beyond identity/session.maxConcurrent sessions until one logs out", async () => {
      const a = await newAccount("cap");
      await setConfig(t, "identity", "session.maxConcurrent", "2");
      try {
        const first = await t.anonymous.login(a.name, a.password);
        await t.anonymous.login(a.name, a.password);
        const third = await login({ logIn: { accountName: a.name, password: a.password } });
        assert.equal(third.status, 409, third.text);
        assert.equal(third.body.error.code, "SYS.1006");
        assert.match(third.body.error.details, /session\.maxConcurrent/);
        await first.delete(`/v1/accounts/sessions/${first.session}`);
        assert.equal((await login({ logIn: { accountName: a.name, password: a.password } })).status, 200);
      } finally {
        await setConfig(t, "identity", "session.maxConcurrent", "500");
      }
    });
  });

  describe("accounts", () => {
    it("lets admin create a Normal account that can log in, without returning any password", async () => {
      const a = await newAccount();
      assert.equal(a.inventory.type, "Normal");
      assert.equal(a.inventory.name, a.name);
      assert.match(a.inventory.uuid, /^[0-9a-f]{32}$/);
      assert.doesNotMatch(JSON.stringify(a.inventory), /password/i);
      const c = await t.anonymous.login(a.name, a.password);
      const me = await c.get(`/v1/accounts/${a.inventory.uuid}`);
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.inventories, [a.inventory]);
    });

    it("refuses account creation by a Normal account with 403 ID.1002", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const r = await c.post("/v1/accounts", { params: { name: "sneaky", password: "password-long" } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, "ID.1002");
    });

    it("refuses a duplicate account name with 409 SYS.1002", async () => {
      const a = await newAccount();
      const r = await t.admin.post("/v1/accounts", { params: { name: a.name, password: "another-password" } });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1002");
    });

    it("refuses a short password with 400 SYS.1007 naming the field", async () => {
      const r = await t.admin.post("/v1/accounts", { params: { name: "shortpw", password: "short" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "SYS.1007");
      assert.match(r.body.error.details, /body\.params\.password/);
    });

    it("shows a Normal account only itself in GET /v1/accounts, and admin every account", async () => {
      const a = await newAccount();
      const b = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const mine = await c.get("/v1/accounts");
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body.inventories.map((x: { uuid: string }) => x.uuid), [a.inventory.uuid]);
      const other = await c.get(`/v1/accounts/${b.inventory.uuid}`);
      assert.equal(other.status, 404);
      assert.equal(other.body.error.code, "SYS.1003");
      const all = await t.admin.get("/v1/accounts");
      const names = all.body.inventories.map((x: { name: string }) => x.name);
      assert.ok(names.includes("admin") && names.includes(a.name) && names.includes(b.name), names.join(","));
    });

    it("lets an account change its own password; the old one stops working", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const r = await c.put(`/v1/accounts/${a.inventory.uuid}/actions`, { updateAccount: { password: "brand-new-password" } });
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(r.text, /brand-new-password/);
      assert.equal((await login({ logIn: { accountName: a.name, password: a.password } })).status, 401);
      await t.anonymous.login(a.name, "brand-new-password");
    });

    it("does not let a Normal account update another account (404) or rename itself to a taken name (409)", async () => {
      const a = await newAccount();
      const b = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const other = await c.put(`/v1/accounts/${b.inventory.uuid}/actions`, { updateAccount: { password: "hijacked-password" } });
      assert.equal(other.status, 404);
      await t.anonymous.login(b.name, b.password);
      const taken = await c.put(`/v1/accounts/${a.inventory.uuid}/actions`, { updateAccount: { name: "admin" } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, "SYS.1002");
    });

    it("refuses renaming the admin account", async () => {
      const me = await t.admin.get("/v1/accounts?q=name=admin");
      const r = await t.admin.put(`/v1/accounts/${me.body.inventories[0].uuid}/actions`, { updateAccount: { name: "root" } });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1006");
    });

    it("deletes an account (admin): its sessions stop working and it can no longer log in", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      assert.equal((await c.get("/v1/accounts")).status, 200);
      const r = await t.admin.delete(`/v1/accounts/${a.inventory.uuid}`);
      assert.equal(r.status, 200, r.text);
      const after = await c.get("/v1/accounts");
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, "ID.1001");
      assert.equal((await login({ logIn: { accountName: a.name, password: a.password } })).status, 401);
      assert.equal((await t.admin.get(`/v1/accounts/${a.inventory.uuid}`)).status, 404);
    });

    it("refuses deleting an account to a Normal account (403) and refuses deleting admin (409)", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const self = await c.delete(`/v1/accounts/${a.inventory.uuid}`);
      assert.equal(self.status, 403);
      assert.equal(self.body.error.code, "ID.1002");
      const adminUuid = (await t.admin.get("/v1/accounts?q=name=admin")).body.inventories[0].uuid;
      const r = await t.admin.delete(`/v1/accounts/${adminUuid}`);
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "SYS.1006");
      assert.equal((await t.admin.get("/v1/accounts")).status, 200);
    });
  });

  describe("users", () => {
    it("creates a user that logs in and acts as its account", async () => {
      const adminUuid = (await t.admin.get("/v1/accounts?q=name=admin")).body.inventories[0].uuid;
      const created = await t.admin.post("/v1/accounts/users", { params: { name: "ops", password: "ops-password" } });
      assert.equal(created.status, 200, created.text);
      const user = created.body.inventory;
      assert.equal(user.accountUuid, adminUuid);
      assert.doesNotMatch(created.text, /ops-password/);

      const r = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: "admin", userName: "ops", password: "ops-password" } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inventory.userUuid, user.uuid);
      assert.equal(r.body.inventory.accountUuid, adminUuid);
      const u = new Client(t.url, r.body.inventory.uuid);

      // it sees what its account sees: zones admin created, and created ones belong to the account
      const zone = await t.admin.post("/v1/zones", { params: { name: "zone-of-admin" } });
      assert.equal(zone.status, 200);
      const zones = await u.get(`/v1/zones/${zone.body.inventory.uuid}`);
      assert.equal(zones.status, 200, zones.text);
      const mine = await u.post("/v1/zones", { params: { name: "zone-by-user" } });
      assert.equal(mine.status, 200, mine.text);
      assert.equal(mine.body.inventory.accountUuid, adminUuid);
    });

    it("logs a user in by accountUuid too, and refuses a wrong password with 401 ID.1000", async () => {
      const a = await newAccount("withuser");
      const c = await t.anonymous.login(a.name, a.password);
      assert.equal((await c.post("/v1/accounts/users", { params: { name: "dev", password: "dev-password" } })).status, 200);
      const byUuid = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountUuid: a.inventory.uuid, userName: "dev", password: "dev-password" } });
      assert.equal(byUuid.status, 200, byUuid.text);
      const u = new Client(t.url, byUuid.body.inventory.uuid);
      const accounts = await u.get("/v1/accounts");
      assert.deepEqual(accounts.body.inventories.map((x: { uuid: string }) => x.uuid), [a.inventory.uuid]);
      const wrong = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "dev", password: "nope-nope" } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, "ID.1000");
      const otherAccount = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: "admin", userName: "dev", password: "dev-password" } });
      assert.equal(otherAccount.status, 401);
      const both = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, accountUuid: a.inventory.uuid, userName: "dev", password: "dev-password" } });
      assert.equal(both.status, 400);
    });

    it("refuses a duplicate user name in one account (409) but allows it in another", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      assert.equal((await c.post("/v1/accounts/users", { params: { name: "same", password: "password-1" } })).status, 200);
      const dup = await c.post("/v1/accounts/users", { params: { name: "same", password: "password-2" } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, "SYS.1002");
      const b = await newAccount();
      const d = await t.anonymous.login(b.name, b.password);
      assert.equal((await d.post("/v1/accounts/users", { params: { name: "same", password: "password-3" } })).status, 200);
    });

    it("shows an account only its own users, and a user only itself; a user cannot create users", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const u1 = (await c.post("/v1/accounts/users", { params: { name: "u1", password: "password-1" } })).body.inventory;
      const u2 = (await c.post("/v1/accounts/users", { params: { name: "u2", password: "password-2" } })).body.inventory;
      const list = await c.get("/v1/accounts/users");
      assert.deepEqual(list.body.inventories.map((x: { uuid: string }) => x.uuid).sort(), [u1.uuid, u2.uuid].sort());
      const s = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "u1", password: "password-1" } });
      const asUser = new Client(t.url, s.body.inventory.uuid);
      const seen = await asUser.get("/v1/accounts/users");
      assert.deepEqual(seen.body.inventories.map((x: { uuid: string }) => x.uuid), [u1.uuid]);
      const create = await asUser.post("/v1/accounts/users", { params: { name: "u3", password: "password-3" } });
      assert.equal(create.status, 403);
      assert.equal(create.body.error.code, "ID.1002");
    });

    it("lets a user change its own password but not another user's (404), in its account or another", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const u1 = (await c.post("/v1/accounts/users", { params: { name: "self", password: "password-1" } })).body.inventory;
      const u2 = (await c.post("/v1/accounts/users", { params: { name: "peer", password: "password-2" } })).body.inventory;
      const b = await newAccount();
      const d = await t.anonymous.login(b.name, b.password);
      const u3 = (await d.post("/v1/accounts/users", { params: { name: "stranger", password: "password-3" } })).body.inventory;
      const s = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "self", password: "password-1" } });
      const asUser = new Client(t.url, s.body.inventory.uuid);
      for (const victim of [u2, u3]) {
        const get = await asUser.get(`/v1/accounts/users/${victim.uuid}`);
        assert.equal(get.status, 404, get.text);
        const r = await asUser.put(`/v1/accounts/users/${victim.uuid}/actions`, { updateUser: { password: "hijacked-password" } });
        assert.equal(r.status, 404, r.text);
      }
      const userLogin = (accountName: string, userName: string, password: string) =>
        t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName, userName, password } });
      assert.equal((await userLogin(a.name, "peer", "password-2")).status, 200);
      assert.equal((await userLogin(b.name, "stranger", "password-3")).status, 200);
      const own = await asUser.put(`/v1/accounts/users/${u1.uuid}/actions`, { updateUser: { password: "new-self-password" } });
      assert.equal(own.status, 200, own.text);
      assert.equal((await userLogin(a.name, "self", "new-self-password")).status, 200);
    });

    it("does not let a user change its account (403)", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      await c.post("/v1/accounts/users", { params: { name: "limited", password: "password-1" } });
      const s = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "limited", password: "password-1" } });
      const asUser = new Client(t.url, s.body.inventory.uuid);
      const r = await asUser.put(`/v1/accounts/${a.inventory.uuid}/actions`, { updateAccount: { password: "taken-over-pass" } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, "ID.1002");
    });

    it("deleting a user ends its sessions", async () => {
      const a = await newAccount();
      const c = await t.anonymous.login(a.name, a.password);
      const u = (await c.post("/v1/accounts/users", { params: { name: "temp", password: "password-1" } })).body.inventory;
      const s = await t.anonymous.put("/v1/accounts/users/login", { logInByUser: { accountName: a.name, userName: "temp", password: "password-1" } });
      const asUser = new Client(t.url, s.body.inventory.uuid);
      assert.equal((await asUser.get("/v1/accounts")).status, 200);
      assert.equal((await c.delete(`/v1/accounts/users/${u.uuid}`)).status, 200);
      assert.equal((await asUser.get("/v1/accounts")).status, 401);
    });
  });

  describe("quotas", () => {
    it("lists every default quota of a Normal account, not overridden", async () => {
      const a = await newAccount("quota");
      const c = await t.anonymous.login(a.name, a.password);
      const r = await c.get("/v1/accounts/quotas");
      assert.equal(r.status, 200, r.text);
      const byName = Object.fromEntries(r.body.inventories.map((q: { name: string }) => [q.name, q]));
      assert.deepEqual(byName["vm.num"], { identityUuid: a.inventory.uuid, name: "vm.num", value: "20", unit: "count", overridden: false });
      assert.equal(byName["vm.memorySize"].value, String(80n * 1024n ** 3n));
      assert.equal(byName["vm.memorySize"].unit, "bytes");
      assert.ok(r.body.inventories.every((q: { identityUuid: string }) => q.identityUuid === a.inventory.uuid));
    });

    it("lets admin override a quota; the account sees it; a Normal account cannot update (403)", async () => {
      const a = await newAccount("quota");
      const r = await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: a.inventory.uuid, name: "vm.num", value: 5 } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.inventory, { identityUuid: a.inventory.uuid, name: "vm.num", value: "5", unit: "count", overridden: true });
      const c = await t.anonymous.login(a.name, a.password);
      const list = await c.get("/v1/accounts/quotas");
      const q = list.body.inventories.find((x: { name: string }) => x.name === "vm.num");
      assert.deepEqual(q, { identityUuid: a.inventory.uuid, name: "vm.num", value: "5", unit: "count", overridden: true });
      const denied = await c.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: a.inventory.uuid, name: "vm.num", value: 500 } });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, "ID.1002");
      const byAdmin = await t.admin.get(`/v1/accounts/quotas?identityUuid=${a.inventory.uuid}`);
      assert.equal(byAdmin.body.inventories.find((x: { name: string }) => x.name === "vm.num").value, "5");
    });

    it("refuses an unknown quota name, a negative value and an out-of-range value with 400 SYS.1007", async () => {
      const a = await newAccount("quota");
      for (const [name, value] of [["vm.bogus", 5], ["vm.num", -1], ["vm.num", "99999999999999999999"]] as const) {
        const r = await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: a.inventory.uuid, name, value } });
        assert.equal(r.status, 400, `${name}=${value}: ${r.text}`);
        assert.equal(r.body.error.code, "SYS.1007");
      }
    });

    it("refuses a quota for an unknown account with 404", async () => {
      const r = await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: "0123456789abcdef0123456789abcdef", name: "vm.num", value: 5 } });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "SYS.1003");
    });

    it("QuotaService.check rejects a Normal caller going over its quota with ID.1003 and lets admin through", async () => {
      const a = await newAccount("quota");
      await t.admin.put("/v1/accounts/quotas/actions", { updateQuota: { identityUuid: a.inventory.uuid, name: "vm.num", value: 5 } });
      const caller = { kind: "session" as const, accountUuid: a.inventory.uuid, accountName: a.name, accountType: "Normal", isAdmin: false };
      const quotas = t.node.services.quotas;
      await assert.rejects(quotas.check(caller, "vm.num", 4n, 2n), (e: { code: string; httpStatus: number; details: string }) => {
        assert.equal(e.code, "ID.1003");
        assert.equal(e.httpStatus, 400);
        assert.match(e.details, /used 4, requested 2, quota 5/);
        return true;
      });
      await quotas.check(caller, "vm.num", 4n, 1n); // exactly at the quota is allowed
      await quotas.check({ ...caller, isAdmin: true, accountType: "SystemAdmin" }, "vm.num", 400n, 200n);
    });
  });
});
