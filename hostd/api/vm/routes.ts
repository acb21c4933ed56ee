/**
 * /vm/* commands. Each runs synchronously, or in the background when the body carries
 * taskUuid + callbackUrl (tasks.ts).
 */
import { Router } from "express";
import type { VmService } from "../../services/vm-service.ts";
import type { TaskRunner } from "../../tasks.ts";
import { parseBody } from "../validate.ts";
import {
  AttachNicCmd, AttachVolumeCmd, ConsoleAddressCmd, ConsolePasswordCmd, CreateConfigDriveCmd, DetachNicCmd, DetachVolumeCmd, CreateVolumeCmd, DeleteVolumeCmd,
  HotplugCpuMemoryCmd, MigrateVmCmd, PrepareMigrationCmd, StartVmCmd, StopVmCmd, VmCmd, VmSyncCmd,
} from "./schema.ts";

/** Routes for VM and volume commands. */
export function vmRoutes(vms: VmService, tasks: TaskRunner): Router {
  const router = Router();

  router.post("/vm/start", async (req, res) => {
    const cmd = parseBody(StartVmCmd, req.body);
    const input = {
      vmInstanceUuid: cmd.vmInstanceUuid,
      cpuNum: cmd.cpuNum,
      memorySize: cmd.memorySize,
      maxCpuNum: cmd.maxCpuNum,
      maxMemorySize: cmd.maxMemorySize,
      domainType: cmd.domainType,
      rootDisk: { path: cmd.rootVolume.installPath, format: cmd.rootVolume.format },
      dataDisks: cmd.dataVolumes?.map((v) => ({ path: v.installPath, format: v.format })),
      nics: cmd.nics,
      configDrivePath: cmd.configDrive?.installPath,
      consolePassword: cmd.consolePassword,
      hostDevices: cmd.hostDevices,
    };
    res.json(await tasks.run("vm.start", cmd, () => vms.start(input)));
  });

  router.post("/vm/configdrive/create", async (req, res) => {
    const cmd = parseBody(CreateConfigDriveCmd, req.body);
    res.json(await tasks.run("vm.configdrive", cmd, () => vms.createConfigDrive(cmd)));
  });

  router.post("/vm/volume/attach", async (req, res) => {
    const cmd = parseBody(AttachVolumeCmd, req.body);
    res.json(await tasks.run("vm.volume.attach", cmd, () => vms.attachVolume(cmd)));
  });

  router.post("/vm/volume/detach", async (req, res) => {
    const cmd = parseBody(DetachVolumeCmd, req.body);
    res.json(await tasks.run("vm.volume.detach", cmd, () => vms.detachVolume(cmd)));
  });

  router.post("/vm/console/address", async (req, res) => {
    const cmd = parseBody(ConsoleAddressCmd, req.body);
    res.json(await tasks.run("vm.console.address", cmd, () => vms.consoleAddress(cmd.vmInstanceUuid)));
  });

  router.post("/vm/console/password", async (req, res) => {
    const cmd = parseBody(ConsolePasswordCmd, req.body);
    res.json(await tasks.run("vm.console.password", cmd, () => vms.setConsolePassword(cmd)));
  });

  router.post("/vm/nic/attach", async (req, res) => {
    const cmd = parseBody(AttachNicCmd, req.body);
    res.json(await tasks.run("vm.nic.attach", cmd, () => vms.attachNic(cmd)));
  });

  router.post("/vm/nic/detach", async (req, res) => {
    const cmd = parseBody(DetachNicCmd, req.body);
    res.json(await tasks.run("vm.nic.detach", cmd, () => vms.detachNic(cmd)));
  });

  router.post("/vm/stop", async (req, res) => {
    const cmd = parseBody(StopVmCmd, req.body);
    res.json(await tasks.run("vm.stop", cmd, () => vms.stop(cmd)));
  });

  router.post("/vm/reboot", async (req, res) => {
    const cmd = parseBody(StopVmCmd, req.body);
    res.json(await tasks.run("vm.reboot", cmd, () => vms.reboot(cmd)));
  });

  router.post("/vm/pause", async (req, res) => {
    const cmd = parseBody(VmCmd, req.body);
    res.json(await tasks.run("vm.pause", cmd, () => vms.pause(cmd.vmInstanceUuid)));
  });

  router.post("/vm/resume", async (req, res) => {
    const cmd = parseBody(VmCmd, req.body);
    res.json(await tasks.run("vm.resume", cmd, () => vms.resume(cmd.vmInstanceUuid)));
  });

  router.post("/vm/destroy", async (req, res) => {
    const cmd = parseBody(VmCmd, req.body);
    res.json(await tasks.run("vm.destroy", cmd, () => vms.destroy(cmd.vmInstanceUuid)));
  });

  /** Online CPU/memory growth of a running or paused VM (see VmService.hotplugCpuMemory). */
  router.post("/vm/cpu-memory/hotplug", async (req, res) => {
    const cmd = parseBody(HotplugCpuMemoryCmd, req.body);
    res.json(await tasks.run("vm.hotplug", cmd, () => vms.hotplugCpuMemory(cmd)));
  });

  /** Destination side of a live migration: where this host takes the domain (see VmService.prepareMigration). */
  router.post("/vm/migrate/prepare", async (req, res) => {
    const cmd = parseBody(PrepareMigrationCmd, req.body);
    res.json(await tasks.run("vm.migrate.prepare", cmd, () => vms.prepareMigration(cmd.vmInstanceUuid)));
  });

  /** Source side of a live migration: sends the running domain to the destination. */
  router.post("/vm/migrate", async (req, res) => {
    const cmd = parseBody(MigrateVmCmd, req.body);
    res.json(await tasks.run("vm.migrate", cmd, () => vms.migrate({
      vmInstanceUuid: cmd.vmInstanceUuid,
      target: { uri: cmd.destinationUri, dataUri: cmd.dataUri, consoleLogPath: cmd.consoleLogPath, sharedStorage: cmd.sharedStorage, timeoutMs: (cmd.timeout ?? 1800) * 1000 },
    })));
  });

  router.post("/vm/vmsync", async (req, res) => {
    const cmd = parseBody(VmSyncCmd, req.body);
    res.json(await tasks.run("vm.sync", cmd, () => vms.sync()));
  });

  router.post("/vm/volume/create", async (req, res) => {
    const cmd = parseBody(CreateVolumeCmd, req.body);
    const spec = { installPath: cmd.installPath, size: cmd.size, backingFile: cmd.backingFile };
    res.json(await tasks.run("volume.create", cmd, async () => ({ ...(await vms.createVolume(spec)) })));
  });

  router.post("/vm/volume/delete", async (req, res) => {
    const cmd = parseBody(DeleteVolumeCmd, req.body);
    res.json(await tasks.run("volume.delete", cmd, () => vms.deleteVolume(cmd.installPath)));
  });

  return router;
}
