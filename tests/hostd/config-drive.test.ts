import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDomainXml } from "../../hostd/domain-xml.ts";
import { startHostd, type RunningHostd } from "../../hostd/app.ts";
import { metaDataYaml } from "../../hostd/services/vm-service.ts";

const SECRET = "config-drive-test-secret";

describe("NoCloud config drives", () => {
  let hostd: RunningHostd;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "hostd-cd-"));
    hostd = await startHostd({ port: 0, listen: "127.0.0.1", secret: SECRET, dataDir: join(dir, "data"), driver: "virsh", stateIntervalMs: 0, logLevel: "silent" });
  });
  after(async () => {
    await hostd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes an ISO labelled cidata with meta-data as YAML and user-data verbatim", async () => {
    const installPath = join(dir, "vm", "cidata.iso");
    const r = await fetch(`${hostd.url}/vm/configdrive/create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({
        installPath,
        metaData: { "instance-id": "0123456789abcdef0123456789abcdef", "local-hostname": "web-1", "public-keys": ["ssh-ed25519 AAAAC3Nza test@x"] },
        userData: "#!/bin/sh\necho hello\n",
      }),
    });
    const body = await r.json() as { success: boolean; installPath: string };
    assert.equal(body.success, true, JSON.stringify(body));
    const info = execFileSync("isoinfo", ["-d", "-i", installPath]).toString();
    assert.match(info, /Volume id: cidata/);
    const meta = execFileSync("isoinfo", ["-R", "-i", installPath, "-x", "/meta-data"]).toString();
    assert.equal(meta, "instance-id: 0123456789abcdef0123456789abcdef\nlocal-hostname: web-1\npublic-keys:\n  - ssh-ed25519 AAAAC3Nza test@x\n");
    assert.equal(execFileSync("isoinfo", ["-R", "-i", installPath, "-x", "/user-data"]).toString(), "#!/bin/sh\necho hello\n");
  });

  it("refuses a host name that is not one", async () => {
    const r = await fetch(`${hostd.url}/vm/configdrive/create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ installPath: join(dir, "x.iso"), metaData: { "instance-id": "i", "local-hostname": "bad name\nx: y" } }),
    });
    assert.equal(r.status, 400);
  });

  it("attaches the drive to the domain as a read-only virtio disk after the volumes", () => {
    const xml = buildDomainXml({
      vmInstanceUuid: "0123456789abcdef0123456789abcdef", cpuNum: 1, memorySize: 64 * 1024 * 1024, domainType: "qemu",
      rootDisk: { path: "/var/lib/x/root.qcow2" }, configDrivePath: "/var/lib/x/cidata.iso", consoleLogPath: "/var/log/x.log",
    });
    assert.match(xml, /<disk type='file' device='disk'>\s*<driver name='qemu' type='raw'\/>\s*<source file='\/var\/lib\/x\/cidata.iso'\/>\s*<target dev='vdb' bus='virtio'\/>\s*<readonly\/>/);
  });

  it("writes YAML list items for keys", () => {
    assert.equal(metaDataYaml({ a: "1", b: undefined, c: ["x", "y"] }), "a: 1\nc:\n  - x\n  - y\n");
  });
});
