-- CreateTable
CREATE TABLE "InstanceOffering" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "cpuNum" INTEGER NOT NULL,
    "memorySize" BIGINT NOT NULL,
    "allocatorStrategy" VARCHAR(64) NOT NULL DEFAULT 'DefaultHostAllocatorStrategy',
    "type" VARCHAR(32) NOT NULL DEFAULT 'UserVm',
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InstanceOffering_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "DiskOffering" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "diskSize" BIGINT NOT NULL,
    "allocatorStrategy" VARCHAR(64) NOT NULL DEFAULT 'DefaultPrimaryStorageAllocationStrategy',
    "type" VARCHAR(32) NOT NULL DEFAULT 'DefaultDiskOfferingType',
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DiskOffering_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "SharedResource" (
    "uuid" VARCHAR(32) NOT NULL,
    "ownerAccountUuid" VARCHAR(32) NOT NULL,
    "receiverAccountUuid" VARCHAR(32),
    "toPublic" BOOLEAN NOT NULL DEFAULT false,
    "resourceType" VARCHAR(64) NOT NULL,
    "resourceUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SharedResource_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "BackupStorage" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL,
    "url" TEXT NOT NULL,
    "hostname" VARCHAR(255),
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL DEFAULT 'Connected',
    "totalCapacity" BIGINT NOT NULL DEFAULT 0,
    "availableCapacity" BIGINT NOT NULL DEFAULT 0,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupStorage_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "BackupStorageZoneRef" (
    "backupStorageUuid" VARCHAR(32) NOT NULL,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BackupStorageZoneRef_pkey" PRIMARY KEY ("backupStorageUuid","zoneUuid")
);

-- CreateTable
CREATE TABLE "Image" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "url" TEXT NOT NULL,
    "format" VARCHAR(16) NOT NULL,
    "mediaType" VARCHAR(32) NOT NULL,
    "platform" VARCHAR(16) NOT NULL,
    "guestOsType" VARCHAR(64),
    "architecture" VARCHAR(16) NOT NULL DEFAULT 'x86_64',
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "actualSize" BIGINT NOT NULL DEFAULT 0,
    "md5sum" VARCHAR(32),
    "sha256" VARCHAR(64),
    "progress" INTEGER NOT NULL DEFAULT 0,
    "system" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "deletedDate" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Image_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ImageBackupStorageRef" (
    "imageUuid" VARCHAR(32) NOT NULL,
    "backupStorageUuid" VARCHAR(32) NOT NULL,
    "installPath" TEXT NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImageBackupStorageRef_pkey" PRIMARY KEY ("imageUuid","backupStorageUuid")
);

-- CreateTable
CREATE TABLE "PrimaryStorage" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL,
    "url" TEXT NOT NULL,
    "mountPath" TEXT,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL DEFAULT 'Connected',
    "totalCapacity" BIGINT NOT NULL DEFAULT 0,
    "availableCapacity" BIGINT NOT NULL DEFAULT 0,
    "totalPhysicalCapacity" BIGINT NOT NULL DEFAULT 0,
    "availablePhysicalCapacity" BIGINT NOT NULL DEFAULT 0,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PrimaryStorage_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "PrimaryStorageClusterRef" (
    "primaryStorageUuid" VARCHAR(32) NOT NULL,
    "clusterUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PrimaryStorageClusterRef_pkey" PRIMARY KEY ("primaryStorageUuid","clusterUuid")
);

-- CreateTable
CREATE TABLE "LocalStorageHostRef" (
    "primaryStorageUuid" VARCHAR(32) NOT NULL,
    "hostUuid" VARCHAR(32) NOT NULL,
    "totalCapacity" BIGINT NOT NULL DEFAULT 0,
    "availableCapacity" BIGINT NOT NULL DEFAULT 0,
    "totalPhysicalCapacity" BIGINT NOT NULL DEFAULT 0,
    "availablePhysicalCapacity" BIGINT NOT NULL DEFAULT 0,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocalStorageHostRef_pkey" PRIMARY KEY ("primaryStorageUuid","hostUuid")
);

-- CreateTable
CREATE TABLE "ImageCache" (
    "id" SERIAL NOT NULL,
    "primaryStorageUuid" VARCHAR(32) NOT NULL,
    "hostUuid" VARCHAR(32) NOT NULL DEFAULT '',
    "imageUuid" VARCHAR(32) NOT NULL,
    "installUrl" TEXT NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "md5sum" VARCHAR(32),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImageCache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "L2Network" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL,
    "physicalInterface" VARCHAR(64) NOT NULL,
    "vlan" INTEGER,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "L2Network_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "L2NetworkClusterRef" (
    "l2NetworkUuid" VARCHAR(32) NOT NULL,
    "clusterUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "L2NetworkClusterRef_pkey" PRIMARY KEY ("l2NetworkUuid","clusterUuid")
);

-- CreateTable
CREATE TABLE "L3Network" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL DEFAULT 'L3BasicNetwork',
    "category" VARCHAR(32) NOT NULL,
    "l2NetworkUuid" VARCHAR(32) NOT NULL,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "system" BOOLEAN NOT NULL DEFAULT false,
    "dnsDomain" VARCHAR(255),
    "dns" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "L3Network_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "IpRange" (
    "uuid" VARCHAR(32) NOT NULL,
    "l3NetworkUuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "startIp" VARCHAR(64) NOT NULL,
    "endIp" VARCHAR(64) NOT NULL,
    "netmask" VARCHAR(64) NOT NULL,
    "gateway" VARCHAR(64) NOT NULL,
    "networkCidr" VARCHAR(64) NOT NULL,
    "ipVersion" INTEGER NOT NULL DEFAULT 4,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IpRange_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "UsedIp" (
    "uuid" VARCHAR(32) NOT NULL,
    "ipRangeUuid" VARCHAR(32),
    "l3NetworkUuid" VARCHAR(32) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "ipInLong" BIGINT NOT NULL,
    "usedFor" VARCHAR(32) NOT NULL,
    "vmNicUuid" VARCHAR(32),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsedIp_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "NetworkServiceProvider" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL,
    "networkServiceTypes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NetworkServiceProvider_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "NetworkServiceL3NetworkRef" (
    "l3NetworkUuid" VARCHAR(32) NOT NULL,
    "networkServiceProviderUuid" VARCHAR(32) NOT NULL,
    "networkServiceType" VARCHAR(32) NOT NULL,

    CONSTRAINT "NetworkServiceL3NetworkRef_pkey" PRIMARY KEY ("l3NetworkUuid","networkServiceType")
);

-- CreateTable
CREATE TABLE "VmInstance" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "clusterUuid" VARCHAR(32),
    "hostUuid" VARCHAR(32),
    "lastHostUuid" VARCHAR(32),
    "instanceOfferingUuid" VARCHAR(32),
    "imageUuid" VARCHAR(32),
    "rootVolumeUuid" VARCHAR(32),
    "defaultL3NetworkUuid" VARCHAR(32),
    "type" VARCHAR(32) NOT NULL DEFAULT 'UserVm',
    "hypervisorType" VARCHAR(32) NOT NULL DEFAULT 'KVM',
    "cpuNum" INTEGER NOT NULL,
    "memorySize" BIGINT NOT NULL,
    "allocatorStrategy" VARCHAR(64) NOT NULL DEFAULT 'DefaultHostAllocatorStrategy',
    "platform" VARCHAR(16) NOT NULL DEFAULT 'Linux',
    "architecture" VARCHAR(16) NOT NULL DEFAULT 'x86_64',
    "state" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "destroyedDate" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VmInstance_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VmNic" (
    "uuid" VARCHAR(32) NOT NULL,
    "vmInstanceUuid" VARCHAR(32) NOT NULL,
    "l3NetworkUuid" VARCHAR(32) NOT NULL,
    "l2NetworkUuid" VARCHAR(32) NOT NULL,
    "usedIpUuid" VARCHAR(32),
    "ip" VARCHAR(64),
    "netmask" VARCHAR(64),
    "gateway" VARCHAR(64),
    "mac" VARCHAR(17) NOT NULL,
    "deviceId" INTEGER NOT NULL,
    "internalName" VARCHAR(64) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VmNic_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Volume" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "primaryStorageUuid" VARCHAR(32),
    "hostUuid" VARCHAR(32),
    "vmInstanceUuid" VARCHAR(32),
    "diskOfferingUuid" VARCHAR(32),
    "rootImageUuid" VARCHAR(32),
    "installPath" TEXT,
    "type" VARCHAR(16) NOT NULL,
    "format" VARCHAR(16) NOT NULL DEFAULT 'qcow2',
    "size" BIGINT NOT NULL,
    "actualSize" BIGINT NOT NULL DEFAULT 0,
    "deviceId" INTEGER,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL,
    "isShareable" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "deletedDate" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Volume_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE INDEX "SharedResource_receiverAccountUuid_idx" ON "SharedResource"("receiverAccountUuid");

-- CreateIndex
CREATE UNIQUE INDEX "SharedResource_resourceUuid_receiverAccountUuid_toPublic_key" ON "SharedResource"("resourceUuid", "receiverAccountUuid", "toPublic");

-- CreateIndex
CREATE UNIQUE INDEX "ImageCache_primaryStorageUuid_hostUuid_imageUuid_key" ON "ImageCache"("primaryStorageUuid", "hostUuid", "imageUuid");

-- CreateIndex
CREATE UNIQUE INDEX "UsedIp_l3NetworkUuid_ip_key" ON "UsedIp"("l3NetworkUuid", "ip");

-- CreateIndex
CREATE UNIQUE INDEX "NetworkServiceProvider_type_key" ON "NetworkServiceProvider"("type");

-- CreateIndex
CREATE INDEX "VmInstance_hostUuid_idx" ON "VmInstance"("hostUuid");

-- CreateIndex
CREATE INDEX "VmInstance_accountUuid_idx" ON "VmInstance"("accountUuid");

-- CreateIndex
CREATE INDEX "VmNic_vmInstanceUuid_idx" ON "VmNic"("vmInstanceUuid");

-- CreateIndex
CREATE UNIQUE INDEX "VmNic_l2NetworkUuid_mac_key" ON "VmNic"("l2NetworkUuid", "mac");

-- CreateIndex
CREATE INDEX "Volume_vmInstanceUuid_idx" ON "Volume"("vmInstanceUuid");

-- CreateIndex
CREATE INDEX "Volume_primaryStorageUuid_idx" ON "Volume"("primaryStorageUuid");

-- AddForeignKey
ALTER TABLE "BackupStorageZoneRef" ADD CONSTRAINT "BackupStorageZoneRef_backupStorageUuid_fkey" FOREIGN KEY ("backupStorageUuid") REFERENCES "BackupStorage"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageBackupStorageRef" ADD CONSTRAINT "ImageBackupStorageRef_imageUuid_fkey" FOREIGN KEY ("imageUuid") REFERENCES "Image"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageBackupStorageRef" ADD CONSTRAINT "ImageBackupStorageRef_backupStorageUuid_fkey" FOREIGN KEY ("backupStorageUuid") REFERENCES "BackupStorage"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PrimaryStorageClusterRef" ADD CONSTRAINT "PrimaryStorageClusterRef_primaryStorageUuid_fkey" FOREIGN KEY ("primaryStorageUuid") REFERENCES "PrimaryStorage"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocalStorageHostRef" ADD CONSTRAINT "LocalStorageHostRef_primaryStorageUuid_fkey" FOREIGN KEY ("primaryStorageUuid") REFERENCES "PrimaryStorage"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "L2NetworkClusterRef" ADD CONSTRAINT "L2NetworkClusterRef_l2NetworkUuid_fkey" FOREIGN KEY ("l2NetworkUuid") REFERENCES "L2Network"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "L3Network" ADD CONSTRAINT "L3Network_l2NetworkUuid_fkey" FOREIGN KEY ("l2NetworkUuid") REFERENCES "L2Network"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IpRange" ADD CONSTRAINT "IpRange_l3NetworkUuid_fkey" FOREIGN KEY ("l3NetworkUuid") REFERENCES "L3Network"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NetworkServiceL3NetworkRef" ADD CONSTRAINT "NetworkServiceL3NetworkRef_l3NetworkUuid_fkey" FOREIGN KEY ("l3NetworkUuid") REFERENCES "L3Network"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VmNic" ADD CONSTRAINT "VmNic_vmInstanceUuid_fkey" FOREIGN KEY ("vmInstanceUuid") REFERENCES "VmInstance"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Volume" ADD CONSTRAINT "Volume_vmInstanceUuid_fkey" FOREIGN KEY ("vmInstanceUuid") REFERENCES "VmInstance"("uuid") ON DELETE SET NULL ON UPDATE CASCADE;

