import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";
import type { ApiReply } from "../http/api.ts";
import { newUuid } from "../ids.ts";
import type { JobService } from "../jobs/service.ts";
import { commandHostd } from "../hosts/hostd-client.ts";
import type { HostService, JobRequest } from "../hosts/service.ts";
import type { SecretCipher } from "../secrets/cipher.ts";
import { assertVmState } from "./extra-states.ts";
import type { VmInstanceService } from "./service.ts";

/** Job type names of the console APIs. */
export const CONSOLE_JOBS = { setPassword: "SetVmConsolePassword", deletePassword: "DeleteVmConsolePassword" } as const;

/** System tag prefix of the console password; the value is sealed with the node's SecretCipher. */
const PASSWORD_TAG = "consolePassword::";

/** ZStack APISetVmConsolePasswordMsg. */
export const SetConsolePasswordBody = z.object({
  /** VNC password: VNC authentication uses at most 8 characters, printable ASCII. */
  consolePassword: z.string().min(1).max(8).regex(/^[\x20-\x7e]+$/, "must be printable ASCII"),
}).strict();

/** Reply of APIGetVmConsoleAddressMsg. */
export const ConsoleAddressReply = z.object({
  hostIp: z.string().describe("The VM's host; VNC listens on the host's loopback, reach it through an SSH tunnel"),
  port: z.number().describe("TCP port of the VNC server"),
  protocol: z.literal("vnc"),
});

/**
 * The VM console (ZStack VmInstanceConsole APIs): where the VNC server of a running VM listens,
 * and its password. The password is kept as an inherent system tag `consolePassword::<sealed>`
 * (AES-GCM with the node's secret key), never returned by any API; hostd puts it in the domain
 * XML's graphics `passwd` at each start and changes it live (`virsh update-device`) when the VM
 * runs with a password already — QEMU cannot turn VNC password authentication on in a running
 * VM, so a first password for a running VM takes effect at its next start.
 */
export class VmConsoleService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly vms: VmInstanceService,
    private readonly hosts: HostService,
    private readonly jobs: JobService,
    private readonly cipher: SecretCipher,
  ) {
    for (const name of Object.values(CONSOLE_JOBS)) {
      jobs.register<{ vmUuid: string }>({ name, resumable: true, perform: (i) => this.performApply(i.vmUuid) });
    }
    vms.startOptionProviders.push(async (vm) => {
      const password = await this.password(vm.uuid);
      return password ? { consolePassword: password } : {};
    });
  }

  /**
   * Where the VM's VNC console listens (APIGetVmConsoleAddressMsg), asked of hostd.
   * @throws SYS.1003, SYS.1006 (409) unless Running or Paused, HOST.AGENT_* from hostd.
   */
  async address(caller: Caller, uuid: string): Promise<z.infer<typeof ConsoleAddressReply>> {
    const vm = await this.vms.get(caller, uuid);
    assertVmState("getVmConsoleAddress", vm.state);
    const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid! } });
    const r = await commandHostd<{ port: number }>(this.hosts.endpoint(host), "/vm/console/address", { vmInstanceUuid: vm.uuid }, 30_000);
    return { hostIp: host.managementIp, port: r.port, protocol: "vnc" };
  }

  /**
   * Sets (APISetVmConsolePasswordMsg) or, with undefined, removes (APIDeleteVmConsolePasswordMsg)
   * the console password; a job that applies it live when the running VM's console already has
   * a password, otherwise at the VM's next start.
   * @throws SYS.1003, SYS.1006 (409) for a state that does not allow it.
   */
  async setPassword(caller: Caller, req: JobRequest, uuid: string, password: string | undefined): Promise<ApiReply> {
    const vm = await this.vms.get(caller, uuid);
    assertVmState("setVmConsolePassword", vm.state);
    await this.prisma.$transaction(async (tx) => {
      await tx.systemTag.deleteMany({ where: { resourceUuid: uuid, tag: { startsWith: PASSWORD_TAG } } });
      if (password !== undefined) {
        await tx.systemTag.create({
          data: { uuid: newUuid(), resourceUuid: uuid, resourceType: "VmInstance", accountUuid: vm.accountUuid, inherent: true,
            tag: `${PASSWORD_TAG}${this.cipher.encrypt(password)}` },
        });
      }
    });
    return this.jobs.submit(caller, req, password === undefined ? CONSOLE_JOBS.deletePassword : CONSOLE_JOBS.setPassword, { vmUuid: uuid });
  }

  /** The VM's console password in clear, for hostd; undefined when none is set. */
  private async password(vmUuid: string): Promise<string | undefined> {
    const t = await this.prisma.systemTag.findFirst({ where: { resourceUuid: vmUuid, tag: { startsWith: PASSWORD_TAG } } });
    return t ? this.cipher.decrypt(t.tag.slice(PASSWORD_TAG.length)) : undefined;
  }

  private async performApply(vmUuid: string) {
    const vm = (await this.vms.load(vmUuid))!;
    if (vm.hostUuid && (vm.state === "Running" || vm.state === "Paused")) {
      const host = await this.prisma.host.findUniqueOrThrow({ where: { uuid: vm.hostUuid } });
      const password = await this.password(vmUuid);
      await commandHostd(this.hosts.endpoint(host), "/vm/console/password",
        { vmInstanceUuid: vmUuid, ...(password ? { consolePassword: password } : {}) }, 60_000);
    }
    return { inventory: this.vms.inventory((await this.vms.load(vmUuid))!) };
  }
}
