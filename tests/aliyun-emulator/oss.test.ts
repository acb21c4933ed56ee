import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EmulatorAccessKeys } from "../../connectors/aliyun/emulator/core/access-keys.ts";
import { isOssRequest } from "../../connectors/aliyun/emulator/oss/handler.ts";
import { listPage } from "../../connectors/aliyun/emulator/oss/listing.ts";
import { startEmulator, type RunningEmulator } from "../../connectors/aliyun/emulator/server.ts";

/** ali-oss ships no types: the slice of it these tests drive. */
interface OssResult {
  res: { status: number; headers: Record<string, string> };
  [field: string]: unknown;
}
interface OssObjectSummary {
  name: string;
  size: number;
  etag: string;
  type: string;
}
interface OssClient {
  options: Record<string, unknown>;
  putBucket(name: string, options?: Record<string, unknown>): Promise<OssResult & { bucket: string }>;
  listBuckets(query?: Record<string, unknown>): Promise<OssResult & { buckets: { name: string; region: string; storageClass: string }[] | null; owner: { id: string } }>;
  getBucketInfo(name: string): Promise<OssResult & { bucket: Record<string, unknown> }>;
  getBucketLocation(name: string): Promise<OssResult & { location: string }>;
  getBucketACL(name: string): Promise<OssResult & { acl: string }>;
  putBucketACL(name: string, acl: string): Promise<OssResult>;
  deleteBucket(name: string): Promise<OssResult>;
  useBucket(name: string): void;
  put(name: string, body: Buffer | string, options?: Record<string, unknown>): Promise<OssResult>;
  get(name: string, options?: Record<string, unknown>): Promise<OssResult & { content: Buffer }>;
  head(name: string): Promise<OssResult & { meta: Record<string, string> | null }>;
  delete(name: string): Promise<OssResult>;
  deleteMulti(names: string[], options?: Record<string, unknown>): Promise<OssResult & { deleted: unknown[] }>;
  copy(name: string, source: string): Promise<OssResult>;
  list(query: Record<string, unknown> | null, options?: Record<string, unknown>): Promise<OssResult & { objects?: OssObjectSummary[]; prefixes: string[] | null; isTruncated: boolean; nextMarker: string | null }>;
  listV2(query: Record<string, unknown>): Promise<OssResult & { objects: OssObjectSummary[]; isTruncated: boolean; keyCount: number; nextContinuationToken: string | null }>;
  multipartUpload(name: string, file: string | Buffer, options?: Record<string, unknown>): Promise<OssResult & { etag?: string }>;
  initMultipartUpload(name: string): Promise<OssResult & { uploadId: string }>;
  uploadPart(name: string, uploadId: string, partNo: number, file: string, start: number, end: number): Promise<OssResult & { etag: string }>;
  completeMultipartUpload(name: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<OssResult>;
  abortMultipartUpload(name: string, uploadId: string): Promise<OssResult>;
  listParts(name: string, uploadId: string): Promise<OssResult & { parts: { PartNumber: string; Size: string }[] | { PartNumber: string; Size: string } }>;
  listUploads(query: Record<string, unknown>): Promise<OssResult & { uploads: { name: string; uploadId: string }[] }>;
  getObjectMeta(name: string): Promise<OssResult>;
  putACL(name: string, acl: string): Promise<OssResult>;
  getACL(name: string): Promise<OssResult & { acl: string }>;
  signatureUrl(name: string, options?: Record<string, unknown>): string;
  /** ali-oss internals, for requests its public API will not form. */
  _objectRequestParams(method: string, name: string, options: Record<string, unknown>): Record<string, unknown>;
  request(params: Record<string, unknown>): Promise<OssResult>;
}
const OSS = createRequire(import.meta.url)("ali-oss") as new (opts: Record<string, unknown>) => OssClient;

const ID = "LTAItestkey0001";
const SECRET = "test-secret-0001";
const OTHER_ID = "LTAItestkey0002";
const OTHER_SECRET = "test-secret-0002";

/** The whole emulator (RPC and OSS on one port), over a state that may live in `dataDir`. */
async function startOss(dataDir?: string): Promise<RunningEmulator> {
  return startEmulator({ dataDir, accessKeys: EmulatorAccessKeys.parse(`${ID}:${SECRET},${OTHER_ID}:${OTHER_SECRET}`) });
}

function client(url: string, opts: Record<string, unknown> = {}): OssClient {
  return new OSS({ accessKeyId: ID, accessKeySecret: SECRET, endpoint: url, region: "oss-cn-hangzhou", timeout: 30_000, ...opts });
}

/** A GET with a chosen Host header (fetch will not send one). */
function rawGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    }).on("error", reject);
  });
}

/** The error an ali-oss call rejects with. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; status: number; message: string };
  }
  assert.fail("expected the call to fail");
}

describe("OSS emulator through ali-oss", () => {
  let dir: string;
  let oss: Awaited<ReturnType<typeof startOss>>;
  let store: OssClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "oss-emulator-"));
    oss = await startOss(dir);
    store = client(oss.url);
  });
  after(async () => {
    await oss?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates, lists, describes and deletes a bucket", async () => {
    const created = await store.putBucket("strata-basic");
    assert.equal(created.res.status, 200);
    assert.equal(created.bucket, "strata-basic");
    const listed = await store.listBuckets();
    const mine = listed.buckets?.find((b) => b.name === "strata-basic");
    assert.deepEqual(mine && { region: mine.region, storageClass: mine.storageClass }, { region: "oss-cn-hangzhou", storageClass: "Standard" });
    assert.match(listed.owner.id, /^\d{16}$/);
    const info = await store.getBucketInfo("strata-basic");
    assert.equal(info.bucket.Location, "oss-cn-hangzhou");
    assert.equal(info.bucket.ExtranetEndpoint, "oss-cn-hangzhou.aliyuncs.com");
    assert.deepEqual(info.bucket.AccessControlList, { Grant: "private" });
    assert.equal((await store.getBucketLocation("strata-basic")).location, "oss-cn-hangzhou");
    assert.equal((await store.deleteBucket("strata-basic")).res.status, 204);
    assert.equal((await store.listBuckets()).buckets?.some((b) => b.name === "strata-basic") ?? false, false);
    assert.equal((await failure(store.getBucketInfo("strata-basic"))).code, "NoSuchBucket");
  });

  it("takes the bucket's region from the ali-oss region option and its storage class from the body", async () => {
    const beijing = client(oss.url, { region: "oss-cn-beijing" });
    await beijing.putBucket("strata-beijing-ia", { StorageClass: "IA" });
    const info = await beijing.getBucketInfo("strata-beijing-ia");
    assert.equal(info.bucket.Location, "oss-cn-beijing");
    assert.equal(info.bucket.StorageClass, "IA");
    const accountId = oss.keys.lookup(ID)!.accountId;
    assert.deepEqual(
      { ...oss.state.table(accountId, "global", "OssBucket")["strata-beijing-ia"], CreationDate: "x" },
      { Name: "strata-beijing-ia", Location: "oss-cn-beijing", Region: "cn-beijing", CreationDate: "x", StorageClass: "IA", Acl: "private" },
    );
    await beijing.deleteBucket("strata-beijing-ia");
  });

  it("refuses a taken bucket name with BucketAlreadyExists 409, for the owner and for other accounts", async () => {
    await store.putBucket("strata-taken");
    const again = await failure(store.putBucket("strata-taken"));
    assert.equal(again.code, "BucketAlreadyExists");
    assert.equal(again.status, 409);
    const other = client(oss.url, { accessKeyId: OTHER_ID, accessKeySecret: OTHER_SECRET });
    assert.equal((await failure(other.putBucket("strata-taken"))).code, "BucketAlreadyExists");
    assert.equal((await other.listBuckets()).buckets, null);
    store.useBucket("strata-taken");
    await store.put("secret.txt", Buffer.from("mine"));
    other.useBucket("strata-taken");
    const denied = await failure(other.get("secret.txt"));
    assert.deepEqual([denied.code, denied.status], ["AccessDenied", 403]);
    await store.delete("secret.txt");
    await store.deleteBucket("strata-taken");
  });

  it("rejects a wrong secret with SignatureDoesNotMatch and an unknown key with InvalidAccessKeyId", async () => {
    const wrong = await failure(client(oss.url, { accessKeySecret: "not-the-secret" }).listBuckets());
    assert.deepEqual([wrong.code, wrong.status], ["SignatureDoesNotMatch", 403]);
    const unknown = await failure(client(oss.url, { accessKeyId: "LTAInobody" }).listBuckets());
    assert.deepEqual([unknown.code, unknown.status], ["InvalidAccessKeyId", 403]);
  });

  it("shows the StringToSign it expected in a SignatureDoesNotMatch body, as OSS does", async () => {
    const date = new Date().toUTCString();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${oss.url}/?acl`, { headers: { host: "strata-any.oss-cn-hangzhou.aliyuncs.com", date, authorization: `OSS ${ID}:bm90LWEtc2lnbmF0dXJl` } }, (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      }).on("error", reject);
    });
    assert.equal(res.status, 403);
    assert.ok(res.body.includes(`<StringToSign>GET\n\n\n${date}\n/strata-any/?acl</StringToSign>`), res.body);
  });

  it("rejects a request dated more than 15 minutes off with RequestTimeTooSkewed", async () => {
    const late = client(oss.url);
    late.options.amendTimeSkewed = -20 * 60 * 1000;
    const err = await failure(late.listBuckets());
    assert.deepEqual([err.code, err.status], ["RequestTimeTooSkewed", 403]);
  });

  it("puts, gets (whole and ranged), heads and deletes an object", async () => {
    await store.putBucket("strata-objects");
    store.useBucket("strata-objects");
    const body = Buffer.from("hello, object storage");
    const put = await store.put("dir/hello.txt", body, { meta: { owner: "strata" } });
    const md5 = createHash("md5").update(body).digest("hex").toUpperCase();
    assert.equal(put.res.headers.etag, `"${md5}"`);
    assert.deepEqual((await store.get("dir/hello.txt")).content, body);
    const ranged = await store.get("dir/hello.txt", { headers: { Range: "bytes=7-12" } });
    assert.equal(ranged.res.status, 206);
    assert.equal(ranged.content.toString(), "object");
    const unchanged = await store.get("dir/hello.txt", { headers: { "If-None-Match": `"${md5}"` } });
    assert.equal(unchanged.res.status, 304);
    const stale = await failure(store.get("dir/hello.txt", { headers: { "If-Match": '"0"' } }));
    assert.deepEqual([stale.code, stale.status], ["PreconditionFailed", 412]);
    const kept = await failure(store.put("dir/hello.txt", Buffer.from("other"), { headers: { "x-oss-forbid-overwrite": "true" } }));
    assert.deepEqual([kept.code, kept.status], ["FileAlreadyExists", 409]);
    const head = await store.head("dir/hello.txt");
    assert.equal(head.res.headers["content-length"], String(body.length));
    assert.equal(head.res.headers["content-type"], "text/plain");
    assert.deepEqual(head.meta, { owner: "strata" });
    const accountId = oss.keys.lookup(ID)!.accountId;
    const record = oss.state.table(accountId, "global", "OssObject")["strata-objects/dir/hello.txt"];
    assert.equal(record?.size, body.length);
    assert.equal(record?.etag, md5);
    const copied = await store.copy("copy of hello.txt", "dir/hello.txt");
    assert.equal(copied.res.status, 200);
    assert.deepEqual((await store.get("copy of hello.txt")).content, body);
    assert.deepEqual((await store.head("copy of hello.txt")).meta, { owner: "strata" });
    assert.equal((await store.getObjectMeta("copy of hello.txt")).res.headers["content-length"], String(body.length));
    await store.delete("copy of hello.txt");
    assert.equal((await store.delete("dir/hello.txt")).res.status, 204);
    const gone = await failure(store.get("dir/hello.txt"));
    assert.deepEqual([gone.code, gone.status], ["NoSuchKey", 404]);
    assert.equal((await failure(store.head("dir/hello.txt"))).code, "NoSuchKey");
    await store.deleteBucket("strata-objects");
  });

  it("signs V4 (authorizationV4), path style (sldEnable) and presigned URLs", async () => {
    await store.putBucket("strata-signing");
    const v4 = client(oss.url, { authorizationV4: true, bucket: "strata-signing" });
    await v4.put("v4 key+plus.txt", Buffer.from("v4"));
    assert.equal((await v4.get("v4 key+plus.txt")).content.toString(), "v4");
    const badV4 = client(oss.url, { authorizationV4: true, bucket: "strata-signing", accessKeySecret: "wrong" });
    assert.equal((await failure(badV4.get("v4 key+plus.txt"))).code, "SignatureDoesNotMatch");
    const pathStyle = client(oss.url, { sldEnable: true, bucket: "strata-signing" });
    assert.equal((await pathStyle.get("v4 key+plus.txt")).content.toString(), "v4");
    // ali-oss presigns only for host names; the URL's path and query go to the emulator with its Host
    const url = new URL(client("http://oss-cn-hangzhou.aliyuncs.com", { bucket: "strata-signing" }).signatureUrl("v4 key+plus.txt", { expires: 60 }));
    const presigned = await rawGet(`${oss.url}${url.pathname}${url.search}`, url.host);
    assert.deepEqual(presigned, { status: 200, body: "v4" });
    const tampered = await rawGet(`${oss.url}${url.pathname}${url.search.replace(/Expires=\d+/, "Expires=9999999999")}`, url.host);
    assert.equal(tampered.status, 403);
    assert.match(tampered.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    await v4.delete("v4 key+plus.txt");
    await store.deleteBucket("strata-signing");
  });

  it("lets anonymous readers into public-read buckets only", async () => {
    await store.putBucket("strata-acl");
    store.useBucket("strata-acl");
    await store.put("page.html", Buffer.from("<p>hi</p>"));
    const host = "strata-acl.oss-cn-hangzhou.aliyuncs.com";
    const closed = await rawGet(`${oss.url}/page.html`, host);
    assert.equal(closed.status, 403);
    assert.match(closed.body, /<Code>AccessDenied<\/Code>/);
    await store.putBucketACL("strata-acl", "public-read");
    assert.equal((await store.getBucketACL("strata-acl")).acl, "public-read");
    assert.deepEqual(await rawGet(`${oss.url}/page.html`, host), { status: 200, body: "<p>hi</p>" });
    await store.putBucketACL("strata-acl", "private");
    assert.equal((await rawGet(`${oss.url}/page.html`, host)).status, 403);
    // an object ACL overrides the bucket's
    await store.putACL("page.html", "public-read");
    assert.equal((await store.getACL("page.html")).acl, "public-read");
    assert.equal((await rawGet(`${oss.url}/page.html`, host)).status, 200);
    await store.delete("page.html");
    await store.deleteBucket("strata-acl");
  });

  it("lists objects with prefix, delimiter and paging (v1 and v2), and deletes several at once", async () => {
    await store.putBucket("strata-listing");
    store.useBucket("strata-listing");
    for (const key of ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d.txt"]) await store.put(key, Buffer.from(key));
    const top = await store.list({ delimiter: "/" });
    assert.deepEqual(top.objects?.map((o) => o.name), ["a.txt", "d.txt"]);
    assert.deepEqual(top.prefixes, ["b/"]);
    const inB = await store.list({ prefix: "b/", delimiter: "/" });
    assert.deepEqual(inB.objects?.map((o) => o.name), ["b/1.txt", "b/2.txt"]);
    assert.deepEqual(inB.prefixes, ["b/c/"]);
    const first = await store.list({ "max-keys": 2 });
    assert.equal(first.isTruncated, true);
    const second = await store.list({ "max-keys": 10, marker: first.nextMarker });
    assert.deepEqual(second.objects?.map((o) => o.name), ["b/2.txt", "b/c/3.txt", "d.txt"]);
    const v2 = await store.listV2({ "max-keys": 3 });
    assert.deepEqual([v2.keyCount, v2.isTruncated], [3, true]);
    const v2next = await store.listV2({ "max-keys": 3, "continuation-token": v2.nextContinuationToken });
    assert.deepEqual(v2next.objects.map((o) => o.name), ["b/c/3.txt", "d.txt"]);
    const deleted = await store.deleteMulti(["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d.txt"]);
    assert.equal(deleted.deleted.length, 5);
    assert.deepEqual((await store.list(null)).objects ?? [], []);
    await store.deleteBucket("strata-listing");
  });

  it("refuses to delete a bucket that holds objects or unfinished uploads with BucketNotEmpty", async () => {
    await store.putBucket("strata-full");
    store.useBucket("strata-full");
    await store.put("left.txt", Buffer.from("x"));
    const full = await failure(store.deleteBucket("strata-full"));
    assert.deepEqual([full.code, full.status], ["BucketNotEmpty", 409]);
    await store.delete("left.txt");
    const { uploadId } = await store.initMultipartUpload("pending.bin");
    assert.equal((await failure(store.deleteBucket("strata-full"))).code, "BucketNotEmpty");
    assert.deepEqual((await store.listUploads({})).uploads.map((u) => u.uploadId), [uploadId]);
    await store.abortMultipartUpload("pending.bin", uploadId);
    assert.equal((await failure(store.abortMultipartUpload("pending.bin", uploadId))).code, "NoSuchUpload");
    await store.deleteBucket("strata-full");
  });

  it("uploads a 12 MiB file in parts, reporting progress up to 1, and serves it back whole", async () => {
    await store.putBucket("strata-multipart");
    store.useBucket("strata-multipart");
    const data = randomBytes(12 * 1024 * 1024 + 12345);
    const file = join(dir, "big.bin");
    writeFileSync(file, data);
    const progress: number[] = [];
    const done = await store.multipartUpload("images/big.qcow2", file, { partSize: 1024 * 1024, progress: (p: number) => void progress.push(p) });
    assert.equal(progress.at(-1), 1);
    assert.ok(progress.length > 10, `progress reported ${progress.length} times`);
    assert.match(String(done.res.headers.etag), /^"[0-9A-F]{32}-13"$/);
    const head = await store.head("images/big.qcow2");
    assert.equal(head.res.headers["content-length"], String(data.length));
    assert.equal(head.res.headers["x-oss-object-type"], "Multipart");
    const got = await store.get("images/big.qcow2");
    assert.ok(got.content.equals(data), "downloaded bytes equal the uploaded ones");
    const accountId = oss.keys.lookup(ID)!.accountId;
    assert.equal(oss.state.table(accountId, "global", "OssObject")["strata-multipart/images/big.qcow2"]?.size, data.length);
    assert.deepEqual((await store.listUploads({})).uploads, []);
  });

  it("checks parts on CompleteMultipartUpload: InvalidPart, InvalidPartOrder, EntityTooSmall", async () => {
    store.useBucket("strata-multipart");
    const file = join(dir, "parts.bin");
    writeFileSync(file, randomBytes(300 * 1024));
    const { uploadId } = await store.initMultipartUpload("parts.bin");
    const p1 = await store.uploadPart("parts.bin", uploadId, 1, file, 0, 200 * 1024);
    const tiny = await store.uploadPart("parts.bin", uploadId, 2, file, 0, 10);
    const p3 = await store.uploadPart("parts.bin", uploadId, 3, file, 200 * 1024, 300 * 1024);
    const listed = await store.listParts("parts.bin", uploadId);
    assert.deepEqual((Array.isArray(listed.parts) ? listed.parts : [listed.parts]).map((p) => [p.PartNumber, p.Size]), [["1", "204800"], ["2", "10"], ["3", "102400"]]);
    const wrong = await failure(store.completeMultipartUpload("parts.bin", uploadId, [{ number: 1, etag: p1.etag }, { number: 3, etag: '"00000000000000000000000000000000"' }]));
    assert.deepEqual([wrong.code, wrong.status], ["InvalidPart", 400]);
    const small = await failure(store.completeMultipartUpload("parts.bin", uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: tiny.etag }, { number: 3, etag: p3.etag }]));
    assert.deepEqual([small.code, small.status], ["EntityTooSmall", 400]);
    // ali-oss sorts the parts it sends, so an out-of-order list needs a hand-made body
    const params = store._objectRequestParams("POST", "parts.bin", { subres: { uploadId } });
    const disordered = `<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>${p3.etag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${p1.etag}</ETag></Part></CompleteMultipartUpload>`;
    const order = await failure(store.request({ ...params, content: disordered, mime: "xml", successStatuses: [200] }));
    assert.deepEqual([order.code, order.status], ["InvalidPartOrder", 400]);
    // parts left out of the list (here part 2) are dropped
    await store.completeMultipartUpload("parts.bin", uploadId, [{ number: 1, etag: p1.etag }, { number: 3, etag: p3.etag }]);
    assert.equal((await store.head("parts.bin")).res.headers["content-length"], String(300 * 1024));
  });

  it("keeps buckets and objects across a restart with the same data directory", async () => {
    store.useBucket("strata-multipart");
    const before = (await store.get("images/big.qcow2")).content;
    await oss.close();
    // a body whose record never reached state.json (a crash mid-request) is swept on restart
    const stray = join(dir, "oss", "blobs", "0123456789abcdef0123456789abcdef");
    writeFileSync(stray, "orphan");
    oss = await startOss(dir);
    store = client(oss.url, { bucket: "strata-multipart" });
    assert.ok((await store.listBuckets()).buckets?.some((b) => b.name === "strata-multipart"));
    assert.equal(existsSync(stray), false);
    assert.ok((await store.get("images/big.qcow2")).content.equals(before));
    assert.deepEqual((await store.list(null)).objects?.map((o) => o.name), ["images/big.qcow2", "parts.bin"]);
  });
});

describe("OSS emulator without a data directory", () => {
  it("keeps bodies in memory, multipart included", async () => {
    const oss = await startOss();
    try {
      const store = client(oss.url, { bucket: "strata-memory" });
      await store.putBucket("strata-memory");
      const data = randomBytes(300 * 1024);
      await store.multipartUpload("m.bin", data, { partSize: 100 * 1024 });
      assert.ok((await store.get("m.bin")).content.equals(data));
      assert.equal((await store.get("m.bin", { headers: { Range: "bytes=-5" } })).content.length, 5);
    } finally {
      await oss.close();
    }
  });
});

describe("OSS emulator request routing", () => {
  const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

  it("takes OSS-signed, OSS-host and non-root requests as OSS, and RPC calls on / as not", () => {
    assert.equal(isOssRequest(req("/", { authorization: "OSS id:sig" })), true);
    assert.equal(isOssRequest(req("/", { authorization: "OSS4-HMAC-SHA256 Credential=x" })), true);
    assert.equal(isOssRequest(req("/", { host: ".oss-cn-hangzhou.aliyuncs.com" })), true);
    assert.equal(isOssRequest(req("/key.txt", { host: "127.0.0.1:8090" })), true);
    assert.equal(isOssRequest(req("/?Action=DescribeRegions&Version=2014-05-26", { host: "127.0.0.1:8090" })), false);
    assert.equal(isOssRequest(req("/", { host: "127.0.0.1:8090", "x-acs-action": "DescribeVpcs", authorization: "ACS3-HMAC-SHA256 Credential=x" })), false);
  });

  it("groups keys under common prefixes and resumes after a marker inside one", () => {
    const keys = ["a/1", "a/2", "b", "c/x/1", "c/y"];
    const opts = { prefix: "", after: "", delimiter: "/", max: 10 };
    assert.deepEqual(listPage(keys, (k) => k, opts), { items: ["b"], prefixes: ["a/", "c/"], truncated: false, last: "c/" });
    assert.deepEqual(listPage(keys, (k) => k, { ...opts, max: 1 }), { items: [], prefixes: ["a/"], truncated: true, last: "a/" });
    assert.deepEqual(listPage(keys, (k) => k, { ...opts, after: "a/" }), { items: ["b"], prefixes: ["c/"], truncated: false, last: "c/" });
    assert.deepEqual(listPage(keys, (k) => k, { ...opts, prefix: "c/" }), { items: ["c/y"], prefixes: ["c/x/"], truncated: false, last: "c/y" });
  });
});
