import type { DiskOffering, Host, Image, InstanceOffering, Prisma, Volume } from "../../generated/prisma/client.ts";
import type { Caller } from "../auth/context.ts";

/**
 * What the VM orchestration needs from the other private-cloud modules. Declared here, by the
 * consumer, so each module can be tested with its own collaborators and wired in app.ts.
 */
export interface VmDependencies {
  offerings: {
    getInstanceOfferingForUse(caller: Caller, uuid: string): Promise<InstanceOffering>;
    getDiskOfferingForUse(caller: Caller, uuid: string): Promise<DiskOffering>;
  };
  images: {
    /** A Ready RootVolumeTemplate image the caller may use. @throws SYS.1003 / SYS.1006 */
    getImageForVm(caller: Caller, uuid: string): Promise<Image>;
  };
  ipam: {
    allocate(tx: Prisma.TransactionClient, p: { l3NetworkUuid: string; strategy?: string; staticIp?: string; vmNicUuid?: string }):
      Promise<{ usedIpUuid: string; ip: string; netmask: string; gateway: string }>;
    release(tx: Prisma.TransactionClient, usedIpUuid: string): Promise<void>;
  };
  generateMac(): string;
  flat: {
    prepareHostNetworks(hostUuid: string, l3NetworkUuids: string[]): Promise<Record<string, string>>;
    applyDhcp(hostUuid: string, entries: { l3NetworkUuid: string; mac: string; ip: string; hostname?: string }[]): Promise<void>;
    releaseDhcp(hostUuid: string, entries: { l3NetworkUuid: string; mac: string }[]): Promise<void>;
  };
  volumes: {
    createRootVolume(p: { caller: Caller; vmInstanceUuid: string; hostUuid: string; imageUuid: string; baseUrl: string;
      primaryStorageUuid?: string; name: string }): Promise<Volume>;
    createDataVolume(p: { caller: Caller; vmInstanceUuid?: string; hostUuid: string; size: bigint; diskOfferingUuid?: string; name: string }): Promise<Volume>;
    expungeVolume(volumeUuid: string): Promise<void>;
    /** Refuses `count` more data volumes / `bytes` more volume capacity beyond the caller's quotas. */
    checkQuotas(caller: Caller, count: number, bytes: bigint): Promise<void>;
    /** Creates the file of a NotInstantiated data volume on the host's storage. */
    instantiateDataVolume(volumeUuid: string, hostUuid: string, vmInstanceUuid?: string): Promise<Volume>;
  };
}

export type { Host };
