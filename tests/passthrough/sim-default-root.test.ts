/**
 * STRATA_SIMULATOR_DEVICE_ROOT: every simulator host reports the devices of one recorded sysfs
 * tree (for demos and load tests), unless the host has its own `device-root` directory.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { settle } from "../support/jobs.ts";
import { startNode, type TestNode } from "../support/node.ts";

const GPU_HOST = resolve(import.meta.dirname, "../fixtures/sysfs/gpu-host");

describe("simulator hosts with STRATA_SIMULATOR_DEVICE_ROOT", () => {
  let t: TestNode;
  before(async () => {
    t = await startNode({ env: { STRATA_SIMULATOR_DEVICE_ROOT: GPU_HOST } });
  });
  after(async () => {
    await t.destroy();
  });

  it("gives every new simulator host the recorded GPUs and USB devices", async () => {
    const zone = await t.admin.post("/v1/zones", { params: { name: "z" } });
    const cluster = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: "c", hypervisorType: "Simulator" } });
    const host = await settle(t.admin, await t.admin.post("/v1/hosts/simulators",
      { params: { clusterUuid: cluster.body.inventory.uuid, name: "s", cpuCapacity: 4, memoryCapacity: 8 * 1024 ** 3 } }));
    assert.equal(host.status, 200, host.text);
    const uuid = host.body.inventory.uuid;
    const gpus = await t.admin.get(`/v1/pci-device/pci-devices?q=hostUuid=${uuid}&q=type?=GPU_Video_Controller,GPU_3D_Controller`);
    assert.deepEqual(gpus.body.inventories.map((d: { pciDeviceAddress: string }) => d.pciDeviceAddress).sort(),
      ["0000:01:00.0", "0000:02:00.0", "0000:03:00.0"]);
    const usb = await t.admin.get(`/v1/usb-device/usb-devices?q=hostUuid=${uuid}&count=true`);
    assert.equal(usb.body.total, 3);
    assert.deepEqual((await t.admin.get(`/v1/pci-device/hosts/${uuid}/status`)).body, { status: "Active" });
  });
});
