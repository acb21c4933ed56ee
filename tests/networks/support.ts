/** Shared set-up of the network tests: a zone, a Simulator cluster with hosts, and hostd calls to them. */
import { commandHostd } from "../../server/hosts/hostd-client.ts";
import { settle } from "../support/jobs.ts";
import type { TestNode } from "../support/node.ts";

/** Creates a zone and a Simulator cluster; returns their uuids. */
export async function simZone(t: TestNode, name = "net"): Promise<{ zoneUuid: string; clusterUuid: string }> {
  const zone = await t.admin.post("/v1/zones", { params: { name: `${name}-zone` } });
  const cluster = await t.admin.post("/v1/clusters", { params: { zoneUuid: zone.body.inventory.uuid, name: `${name}-sim`, hypervisorType: "Simulator" } });
  return { zoneUuid: zone.body.inventory.uuid, clusterUuid: cluster.body.inventory.uuid };
}

/** Adds a simulator host and waits until it is Connected; returns its uuid. */
export async function addSimHost(t: TestNode, clusterUuid: string, name: string): Promise<string> {
  const r = await settle(t.admin, await t.admin.post("/v1/hosts/simulators", { params: { clusterUuid, name, cpuCapacity: 8, memoryCapacity: 8 * 1024 ** 3 } }));
  if (r.status !== 200) throw new Error(`adding ${name} failed: ${r.text}`);
  return r.body.inventory.uuid as string;
}

/** Sends one command to a host's hostd (its simulated agent here). */
export async function hostd<T = Record<string, unknown>>(t: TestNode, hostUuid: string, path: string, body: unknown = {}): Promise<T> {
  const h = await t.node.services.db.prisma.host.findUniqueOrThrow({ where: { uuid: hostUuid } });
  return commandHostd<T>(t.node.services.hosts.endpoint(h), path, body);
}

/** Bridges a host's hostd has: name → enslaved interfaces. */
export async function bridgesOn(t: TestNode, hostUuid: string): Promise<Record<string, string[]>> {
  const r = await hostd<{ bridges: Array<{ bridgeName: string; interfaces: string[] }> }>(t, hostUuid, "/network/bridge/list");
  return Object.fromEntries(r.bridges.map((b) => [b.bridgeName, b.interfaces]));
}
