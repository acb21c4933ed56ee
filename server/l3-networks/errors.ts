/**
 * Errors of L2/L3 networks, IPAM and the flat network service, with stable codes. Validation
 * failures use the catalogue's SYS.1007 (400) with the offending field named in `details`.
 */
import { ApiError } from "../errors/catalogue.ts";

export const NetworkErrors = {
  /** IPAM.NO_FREE_IP, 409: every address of the L3's ranges is used or reserved (ZStack L3Errors.ALLOCATE_IP_ERROR). */
  noFreeIp: (l3NetworkUuid: string) =>
    new ApiError("IPAM.NO_FREE_IP", 409, "The L3 network has no free IP address left; add an IP range or release addresses",
      `l3NetworkUuid ${l3NetworkUuid}`),
  /** IPAM.IP_IN_USE, 409: a static or reserved address is already used, reserved or taken by the DHCP server. */
  ipInUse: (ip: string, l3NetworkUuid: string) =>
    new ApiError("IPAM.IP_IN_USE", 409, "The IP address is already used or reserved on this L3 network; pick another one",
      `${ip} on l3NetworkUuid ${l3NetworkUuid}`),
  /** IPAM.IP_NOT_IN_RANGE, 400: a static IP outside every IP range of the L3 (or its gateway). */
  ipNotInRange: (ip: string, l3NetworkUuid: string, why = "is not inside any IP range of the L3 network") =>
    new ApiError("IPAM.IP_NOT_IN_RANGE", 400, "The static IP cannot be given out on this L3 network; pick an address inside one of its IP ranges",
      `staticIp ${ip} ${why} (l3NetworkUuid ${l3NetworkUuid})`),
  /** NETWORK.HOST_FAILED, 502: a host could not realise a network (bridge, DHCP); the host agent's error is the cause. */
  hostFailed: (what: string, host: { uuid: string; name: string }, cause: unknown) => {
    const c = cause instanceof ApiError ? cause : new ApiError("HOST.AGENT_FAILED", 502, "The host agent failed", (cause as Error).message);
    return new ApiError("NETWORK.HOST_FAILED", 502, `${what} failed on host ${host.name}; fix the host (see cause) and retry`,
      `host ${host.uuid}: ${c.details ?? c.description}`, c);
  },
} as const;
