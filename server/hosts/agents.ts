import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { startHostd, type RunningHostd } from "../../hostd/app.ts";
import { SimDriver } from "../../hostd/drivers/sim.ts";
import { ApiError } from "../errors/catalogue.ts";
import { DeployError, HostDeployer, type SshTarget } from "./deployer.ts";

/** What an installer needs to know about a host. */
export interface AgentTarget {
  uuid: string;
  hypervisorType: string;
  managementIp: string;
  hostdPort: number;
  secret: string;
  ssh?: SshTarget;
  /** Cluster architecture the host must have (KVM). */
  architecture?: string;
  /** Simulated capacity (Simulator). */
  simulated?: { cpuNum: number; totalMemory: number };
}

/**
 * Puts a host's agent (hostd) in place and takes it away. KVM hosts get it over SSH; simulator
 * hosts get an in-process hostd with the simulator driver. Both clean up after a failed install.
 */
export interface AgentInstaller {
  /** Installs (or upgrades) and starts the agent. Returns the port it listens on. @throws ApiError HOST.* */
  install(t: AgentTarget): Promise<{ hostdPort: number }>;
  /** Stops and removes the agent; no error when it is already gone. */
  remove(t: AgentTarget): Promise<void>;
}

/** Maps the deployer's failures to API errors with their own codes. */
function deployFailure(err: unknown): ApiError {
  if (err instanceof DeployError) {
    const status = err.code === "HOST.DEPLOY_FAILED" ? 502 : 400;
    const what: Record<string, string> = {
      "HOST.AUTH_FAILED": "SSH login to the host failed: check username, password or private key",
      "HOST.UNREACHABLE": "The host cannot be reached over SSH: check managementIp, sshPort and the network",
      "HOST.PREREQUISITE_MISSING": "The host lacks what a KVM host needs: install the listed packages and add it again",
      "HOST.ARCH_MISMATCH": "The host's CPU architecture differs from its cluster's: add it to a cluster of its architecture",
      "HOST.DEPLOY_FAILED": "Installing or starting the agent (hostd) on the host failed",
    };
    return new ApiError(err.code, status, what[err.code] ?? err.message, err.details ?? err.message);
  }
  if (err instanceof ApiError) return err;
  return new ApiError("HOST.DEPLOY_FAILED", 502, "Installing or starting the agent (hostd) on the host failed", (err as Error).message);
}

/** Installs hostd on KVM hosts over SSH (ZStack's KVM host deployment). */
export class SshAgentInstaller implements AgentInstaller {
  constructor(private readonly deployer: HostDeployer) {}

  async install(t: AgentTarget): Promise<{ hostdPort: number }> {
    try {
      await this.deployer.deploy({
        target: t.ssh!, hostdPort: t.hostdPort, secret: t.secret, hostUuid: t.uuid, expectedArchitecture: t.architecture,
      });
      return { hostdPort: t.hostdPort };
    } catch (err) {
      throw deployFailure(err);
    }
  }

  async remove(t: AgentTarget): Promise<void> {
    try {
      await this.deployer.remove(t.ssh!, t.hostdPort);
    } catch (err) {
      throw deployFailure(err);
    }
  }
}

/**
 * Runs simulator hosts' agents inside the management node (hostd's sim driver on a loopback
 * port). They are restarted at every management-node start, on a new port, with the state
 * kept under `<dataDir>/simulators/<host uuid>`.
 */
export class SimulatorAgentInstaller implements AgentInstaller {
  private readonly running = new Map<string, RunningHostd>();
  /** Hypervisors of isolated hosts: their domains keep running until the agent is installed again. */
  private readonly isolated = new Map<string, SimDriver>();
  /**
   * Recorded sysfs tree simulated hosts report pass-through devices from (hostd --device-root);
   * a host's own `<dataDir>/simulators/<uuid>/device-root` wins. Unset: no devices.
   */
  defaultDeviceRoot: string | undefined;

  constructor(private readonly dataDir: string, private readonly log: Logger) {}

  async install(t: AgentTarget): Promise<{ hostdPort: number }> {
    await this.running.get(t.uuid)?.close();
    const deviceRoot = join(this.dataDir, "simulators", t.uuid, "device-root");
    const agent = await startHostd({
      port: 0, listen: "127.0.0.1", secret: t.secret, hostUuid: t.uuid, driver: this.isolated.get(t.uuid) ?? "sim",
      dataDir: join(this.dataDir, "simulators", t.uuid),
      sim: { cpuNum: t.simulated?.cpuNum ?? 32, cpuSockets: 1, cpuThreads: 1, totalMemory: t.simulated?.totalMemory, domainType: "kvm" },
      deviceRoot: existsSync(deviceRoot) ? deviceRoot : this.defaultDeviceRoot,
      logger: this.log.child({ simulatorHost: t.uuid }, { level: "warn" }),
    });
    this.isolated.delete(t.uuid);
    this.running.set(t.uuid, agent);
    return { hostdPort: agent.port };
  }

  async remove(t: AgentTarget): Promise<void> {
    await this.running.get(t.uuid)?.close();
    this.running.delete(t.uuid);
    this.isolated.delete(t.uuid);
    await rm(join(this.dataDir, "simulators", t.uuid), { recursive: true, force: true });
  }

  /**
   * Stops one simulated agent as a crash would (its state stays): the host stops answering
   * pings until it is reconnected. For fault drills and tests.
   */
  async crash(hostUuid: string): Promise<void> {
    await this.running.get(hostUuid)?.close();
    this.running.delete(hostUuid);
  }

  /**
   * Cuts one simulated host off the management network (a partition, or a hung agent): its
   * agent stops answering while its domains keep running. The next install (reconnectHost)
   * brings the agent back over the same hypervisor, so the host returns with those domains,
   * possibly stale. For fault drills and tests (tests/faults/host-loss-ha.test.ts).
   */
  async isolate(hostUuid: string): Promise<void> {
    const agent = this.running.get(hostUuid);
    if (!agent) return;
    this.running.delete(hostUuid);
    await agent.close();
    if (agent.driver instanceof SimDriver) this.isolated.set(hostUuid, agent.driver);
  }

  /** Stops every simulated agent (management-node shutdown); their state stays on disk. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((a) => a.close()));
    this.running.clear();
  }
}
