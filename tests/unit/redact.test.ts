import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { redact } from "../../server/audits/recorder.ts";

describe("redact", () => {
  it("replaces password fields of a login body with *****", () => {
    assert.deepEqual(redact({ logInByAccount: { accountName: "admin", password: "hunter22" } }),
      { logInByAccount: { accountName: "admin", password: "*****" } });
  });

  it("replaces every secret-looking key whatever its case", () => {
    const r = redact({ Password: "a", passwd: "b", pass: "c", AccessKeySecret: "d", token: "e", privateKey: "f", credentials: "g", name: "n" });
    assert.deepEqual(r, { Password: "*****", passwd: "*****", pass: "*****", AccessKeySecret: "*****", token: "*****", privateKey: "*****", credentials: "*****", name: "n" });
  });

  it("redacts a secret whose value is an object or array, not just a string", () => {
    assert.deepEqual(redact({ secret: { a: 1 }, tokens: ["x"] }), { secret: "*****", tokens: "*****" });
  });

  it("redacts inside arrays of objects", () => {
    assert.deepEqual(redact({ hosts: [{ name: "h1", password: "p1" }, { name: "h2", password: "p2" }] }),
      { hosts: [{ name: "h1", password: "*****" }, { name: "h2", password: "*****" }] });
  });

  it("leaves scalars, null and non-secret fields alone and does not modify its input", () => {
    const input = { params: { name: "zone", count: 3, on: true, nothing: null }, password: "x" };
    const copy = structuredClone(input);
    assert.deepEqual(redact(input), { params: { name: "zone", count: 3, on: true, nothing: null }, password: "*****" });
    assert.deepEqual(input, copy);
    assert.equal(redact(null), null);
    assert.equal(redact("password"), "password");
    assert.equal(redact(7), 7);
  });

  it("never returns a secret nested deeper than it walks", () => {
    let deep: Record<string, unknown> = { password: "deep-secret" };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    assert.doesNotMatch(JSON.stringify(redact(deep)), /deep-secret/);
  });
});
