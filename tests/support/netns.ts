/**
 * Test hosts at their own addresses: a network namespace joined to this machine by a veth pair
 * (10.250.<n>.1 here, 10.250.<n>.2 inside). Test traffic goes only to these addresses, which
 * exist only while the namespace does. Needs root and iproute2.
 */
import { execFileSync } from "node:child_process";

export interface TestNetns {
  name: string;
  /** The host's address, inside the namespace. */
  address: string;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] });

/** Creates namespace `strata-t<n>` with address 10.250.<n>.2 reachable from here. */
export function createNetns(n: number): TestNetns {
  const name = `strata-t${n}`;
  const outside = `stv${n}o`;
  const inside = `stv${n}i`;
  removeNetns(n);
  ip("netns", "add", name);
  ip("link", "add", outside, "type", "veth", "peer", "name", inside);
  ip("link", "set", inside, "netns", name);
  ip("addr", "add", `10.250.${n}.1/30`, "dev", outside);
  ip("link", "set", outside, "up");
  ip("-n", name, "addr", "add", `10.250.${n}.2/30`, "dev", inside);
  ip("-n", name, "link", "set", inside, "up");
  ip("-n", name, "link", "set", "lo", "up");
  return { name, address: `10.250.${n}.2`, remove: () => removeNetns(n) };
}

function removeNetns(n: number): void {
  try { ip("link", "del", `stv${n}o`); } catch { /* absent */ }
  try { ip("netns", "del", `strata-t${n}`); } catch { /* absent */ }
}
