import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_CLOCK_SKEW_MS, parseAccessKeyAuthorization, signaturesEqual, signRequest } from "../../server/access-keys/signature.ts";

describe("signRequest", () => {
  it("matches base64 HMAC-SHA1 of METHOD\\nDate\\npath computed independently (openssl)", () => {
    // printf 'GET\nMon, 23 Nov 2026 04:00:00 GMT\n/v1/zones' | openssl dgst -sha1 -hmac my-secret -binary | base64
    assert.equal(signRequest("my-secret", "GET", "Mon, 23 Nov 2026 04:00:00 GMT", "/v1/zones"), "8t5z2uS2irAYuF89dhJMU3F1P5U=");
  });

  it("upper-cases the method, so 'get' signs like 'GET'", () => {
    const date = "Mon, 23 Nov 2026 04:00:00 GMT";
    assert.equal(signRequest("my-secret", "get", date, "/v1/zones"), signRequest("my-secret", "GET", date, "/v1/zones"));
  });

  it("changes when the secret, method, date or path changes", () => {
    const base = signRequest("s", "GET", "d", "/v1/zones");
    assert.notEqual(signRequest("t", "GET", "d", "/v1/zones"), base);
    assert.notEqual(signRequest("s", "POST", "d", "/v1/zones"), base);
    assert.notEqual(signRequest("s", "GET", "e", "/v1/zones"), base);
    assert.notEqual(signRequest("s", "GET", "d", "/v1/zones/x"), base);
  });
});

describe("parseAccessKeyAuthorization", () => {
  it("splits 'ZStack <id>:<signature>' and keeps '=' and '/' of base64", () => {
    assert.deepEqual(parseAccessKeyAuthorization("ZStack ABCDEF123:8t5z2uS2/rAYuF89dhJMU3F1P5U="),
      { accessKeyId: "ABCDEF123", signature: "8t5z2uS2/rAYuF89dhJMU3F1P5U=" });
  });

  it("tolerates surrounding whitespace", () => {
    assert.deepEqual(parseAccessKeyAuthorization("  ZStack  ID:sig  "), { accessKeyId: "ID", signature: "sig" });
  });

  for (const header of ["OAuth 0123", "Bearer abc", "ZStack", "ZStack ID", "ZStack ID:", "ZStack :sig", "ZStack ID:a b", "Basic ID:sig"]) {
    it(`returns undefined for ${JSON.stringify(header)}`, () => {
      assert.equal(parseAccessKeyAuthorization(header), undefined);
    });
  }
});

describe("signaturesEqual", () => {
  it("is true only for identical strings, including different lengths", () => {
    assert.equal(signaturesEqual("abc=", "abc="), true);
    assert.equal(signaturesEqual("abc=", "abd="), false);
    assert.equal(signaturesEqual("abc=", "abc"), false);
    assert.equal(signaturesEqual("", "a"), false);
  });
});

describe("MAX_CLOCK_SKEW_MS", () => {
  it("is 15 minutes", () => {
    assert.equal(MAX_CLOCK_SKEW_MS, 15 * 60 * 1000);
  });
});
