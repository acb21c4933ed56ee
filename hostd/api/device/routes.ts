/**
 * Pass-through commands:
 * - POST /host/devices/scan → `{ pciDevices, usbDevices, iommu: { enabled, ready } }`;
 * - POST /host/iommu/set `{ enabled }` → `{ method, kernelArgs, changed, rebootNeeded, grubConfigRegenerated }`;
 * - POST /vm/hostdev/attach|detach `{ vmInstanceUuid, hostDevices }` → `{ attached }` / `{ detached }`
 *   (hot-plug; false when the VM is not running);
 * - POST /vm/hostdev/list `{ vmInstanceUuid }` → `{ hostDevices }` as the domain has them.
 */
import { Router } from "express";
import type { DeviceService } from "../../devices/service.ts";
import type { TaskRunner } from "../../tasks.ts";
import { parseBody } from "../validate.ts";
import { HostdevCmd, ListHostdevCmd, ScanDevicesCmd, SetIommuCmd } from "./schema.ts";

/** Routes for device discovery, the IOMMU switch and device hot-plug. */
export function deviceRoutes(devices: DeviceService, tasks: TaskRunner): Router {
  const router = Router();

  router.post("/host/devices/scan", async (req, res) => {
    parseBody(ScanDevicesCmd, req.body);
    res.json({ success: true, ...(await devices.scan()) });
  });

  router.post("/host/iommu/set", async (req, res) => {
    const cmd = parseBody(SetIommuCmd, req.body);
    res.json({ success: true, ...(await devices.setIommu(cmd.enabled)) });
  });

  router.post("/vm/hostdev/attach", async (req, res) => {
    const cmd = parseBody(HostdevCmd, req.body);
    res.json(await tasks.run("vm.hostdev.attach", cmd, () => devices.attach(cmd.vmInstanceUuid, cmd.hostDevices)));
  });

  router.post("/vm/hostdev/detach", async (req, res) => {
    const cmd = parseBody(HostdevCmd, req.body);
    res.json(await tasks.run("vm.hostdev.detach", cmd, () => devices.detach(cmd.vmInstanceUuid, cmd.hostDevices)));
  });

  router.post("/vm/hostdev/list", async (req, res) => {
    const cmd = parseBody(ListHostdevCmd, req.body);
    res.json({ success: true, ...(await devices.list(cmd.vmInstanceUuid)) });
  });

  return router;
}
