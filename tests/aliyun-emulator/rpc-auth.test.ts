// The emulator's RPC front door through the real clients: pop-core (signature v1, GET and POST)
// and the generated ECS SDK (ACS3-HMAC-SHA256), and the refusals Alibaba answers with.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createHmac, randomUUID } from "node:crypto";
import RPCClient from "@alicloud/pop-core";
import type { RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";
import { $Ecs, ecs, failure, KEY_ID, KEY_SECRET, pop, REGION, start, type Body } from "./harness.ts";

/**
 * A v1-signed GET URL, computed here independently of the emulator (ALIBABA.md: sorted,
 * percent-encoded params; HMAC-SHA1 with secret + "&"), for requests pop-core cannot make.
 */
function signedUrl(base: string, params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: "JSON", SignatureMethod: "HMAC-SHA1", SignatureVersion: "1.0", SignatureNonce: randomUUID(), AccessKeyId: KEY_ID,
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), ...params,
  };
  const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonical = Object.keys(all).sort().map((k) => `${enc(k)}=${enc(all[k]!)}`).join("&");
  const signature = createHmac("sha1", `${KEY_SECRET}&`).update(`GET&%2F&${enc(canonical)}`).digest("base64");
  return `${base}/?${canonical}&Signature=${enc(signature)}`;
}

describe("Aliyun emulator RPC: signatures and common errors", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await start();
  });
  after(() => emu.close());

  it("answers a pop-core GET call with { RequestId, ...fields }", async () => {
    const r = await pop(emu.url).request("DescribeRegions", { AcceptLanguage: "en-US" }) as Body & { Regions: { Region: Body[] } };
    assert.match(String(r.RequestId), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    const ids = r.Regions.Region.map((x) => x.RegionId);
    for (const id of ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-southeast-1", "us-west-1"]) assert.ok(ids.includes(id), id);
    const hz = r.Regions.Region.find((x) => x.RegionId === "cn-hangzhou")!;
    assert.equal(hz.LocalName, "China (Hangzhou)");
    assert.equal(hz.RegionEndpoint, "ecs.aliyuncs.com");
  });

  it("answers a pop-core POST (form body) call the same way", async () => {
    const r = await pop(emu.url).request("DescribeZones", { RegionId: REGION }, { method: "POST" }) as { Zones: { Zone: Body[] } };
    assert.deepEqual(r.Zones.Zone.map((z) => z.ZoneId), ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]);
    assert.equal(r.Zones.Zone[0]!.LocalName, "杭州 可用区H");
  });

  it("accepts the generated ECS SDK's ACS3 signature and fills its response models", async () => {
    const r = await ecs(emu.url).describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ instanceTypes: ["ecs.g6.large", "ecs.c6.xlarge"] }));
    assert.equal(r.statusCode, 200);
    const types = r.body!.instanceTypes!.instanceType!;
    assert.deepEqual(types.map((t) => [t.instanceTypeId, t.cpuCoreCount, t.memorySize]), [["ecs.g6.large", 2, 8], ["ecs.c6.xlarge", 4, 8]]);
  });

  it("refuses a v1 call signed with the wrong secret with SignatureDoesNotMatch and the server's string to sign", async () => {
    const err = await failure(pop(emu.url, { secret: "not-the-secret" }).request("DescribeRegions", {}));
    assert.equal(err.code, "SignatureDoesNotMatch");
    assert.match(err.message, /^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3D/);
  });

  it("refuses an ACS3 call signed with the wrong secret with HTTP 400 SignatureDoesNotMatch", async () => {
    const err = await failure(ecs(emu.url, { secret: "not-the-secret" }).describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(err.code, "SignatureDoesNotMatch");
    assert.equal(err.statusCode, 400);
    assert.match(String(err.data!.Message), /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
  });

  it("refuses an unknown AccessKeyId with HTTP 404 InvalidAccessKeyId.NotFound (both clients)", async () => {
    const v1 = await failure(pop(emu.url, { id: "LTAI5tNobodyKnowsMe" }).request("DescribeRegions", {}));
    assert.equal(v1.code, "InvalidAccessKeyId.NotFound");
    const acs3 = await failure(ecs(emu.url, { id: "LTAI5tNobodyKnowsMe" }).describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(acs3.code, "InvalidAccessKeyId.NotFound");
    assert.equal(acs3.statusCode, 404);
  });

  it("refuses a Timestamp more than 15 minutes old with InvalidTimeStamp.Expired", async () => {
    // pop-core lets params override its defaults, so it signs the stale Timestamp itself.
    const stale = new Date(Date.now() - 16 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const err = await failure(pop(emu.url).request("DescribeRegions", { Timestamp: stale }));
    assert.equal(err.code, "InvalidTimeStamp.Expired");
    const fine = new Date(Date.now() - 14 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await pop(emu.url).request("DescribeRegions", { Timestamp: fine });
  });

  it("refuses an ACS3 x-acs-date that is 20 minutes off the emulator's clock", async () => {
    const skewed = await start({ clock: () => Date.now() + 20 * 60_000 });
    try {
      const err = await failure(ecs(skewed.url).describeRegions(new $Ecs.DescribeRegionsRequest({})));
      assert.equal(err.code, "InvalidTimeStamp.Expired");
      assert.equal(err.statusCode, 400);
    } finally {
      await skewed.close();
    }
  });

  it("refuses a replayed request (same SignatureNonce) with SignatureNonceUsed", async () => {
    // Verbose mode (second constructor argument, missing from pop-core's types) returns the signed URL.
    const Verbose = RPCClient as unknown as new (config: RPCClient.Config, verbose: boolean) => RPCClient;
    const verbose = new Verbose({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET, endpoint: emu.url, apiVersion: "2014-05-26" }, true);
    const [first, entry] = await verbose.request("DescribeRegions", {}) as unknown as [Body, { url: string }];
    assert.ok(first.Regions);
    const replay = await fetch(entry.url);
    assert.equal(replay.status, 400);
    const body = await replay.json() as Body;
    assert.equal(body.Code, "SignatureNonceUsed");
    assert.deepEqual(Object.keys(body).sort(), ["Code", "HostId", "Message", "Recommend", "RequestId"]);
    assert.equal(body.HostId, "ecs.aliyuncs.com");
    assert.match(String(body.Recommend), /^https:\/\/api\.aliyun\.com\/troubleshoot\?q=SignatureNonceUsed&product=Ecs&requestId=/);
  });

  it("refuses unsigned calls with MissingSignature-style codes", async () => {
    const res = await fetch(`${emu.url}/?Action=DescribeRegions&Version=2014-05-26&AccessKeyId=${KEY_ID}&Format=JSON`);
    assert.equal(res.status, 400);
    assert.equal((await res.json() as Body).Code, "MissingSignature");
    const acs3 = await fetch(`${emu.url}/`, { method: "POST", headers: { authorization: "ACS3-HMAC-SHA256 Credential=x", "x-acs-action": "DescribeRegions", "x-acs-version": "2014-05-26" } });
    assert.equal((await acs3.json() as Body).Code, "IncompleteSignature");
  });

  it("answers an unknown action with InvalidAction.NotFound and an unknown version with InvalidVersion", async () => {
    const err = await failure(pop(emu.url).request("LaunchRockets", {}));
    assert.equal(err.code, "InvalidAction.NotFound");
    const v = await failure(pop(emu.url, { apiVersion: "2099-01-01" }).request("DescribeRegions", {}));
    assert.equal(v.code, "InvalidVersion");
  });

  it("answers Format=XML with an XML document whose lists repeat their element", async () => {
    const res = await fetch(signedUrl(emu.url, { Action: "DescribeZones", Version: "2014-05-26", RegionId: REGION, Format: "XML" }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/xml;charset=utf-8");
    const xml = await res.text();
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeZonesResponse><RequestId>/);
    assert.equal(xml.match(/<Zone><ZoneId>/g)?.length, 4);
  });
});
