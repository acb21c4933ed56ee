-- AlterTable
ALTER TABLE "VmInstance" ADD COLUMN     "provider" VARCHAR(16) NOT NULL DEFAULT 'KVM',
ALTER COLUMN "zoneUuid" DROP NOT NULL;

-- CreateTable
CREATE TABLE "AliyunKey" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "akey" VARCHAR(128) NOT NULL,
    "secretEncrypted" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunKey_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "DataCenter" (
    "uuid" VARCHAR(32) NOT NULL,
    "regionId" VARCHAR(64) NOT NULL,
    "regionName" VARCHAR(255),
    "dcType" VARCHAR(32) NOT NULL DEFAULT 'aliyun',
    "description" TEXT,
    "endpoint" VARCHAR(255),
    "keyUuid" VARCHAR(32),
    "lastSyncDate" TIMESTAMPTZ(3),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DataCenter_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "IdentityZone" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "zoneId" VARCHAR(64) NOT NULL,
    "zoneName" VARCHAR(255),
    "type" VARCHAR(32) NOT NULL DEFAULT 'aliyun',
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdentityZone_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsVpc" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "ecsVpcId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "cidrBlock" VARCHAR(64) NOT NULL,
    "vRouterId" VARCHAR(64),
    "status" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsVpc_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsVSwitch" (
    "uuid" VARCHAR(32) NOT NULL,
    "ecsVpcUuid" VARCHAR(32) NOT NULL,
    "identityZoneUuid" VARCHAR(32),
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "vSwitchId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "cidrBlock" VARCHAR(64) NOT NULL,
    "availableIpAddressCount" INTEGER,
    "status" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsVSwitch_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcVirtualRouter" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "vpcUuid" VARCHAR(32),
    "vrId" VARCHAR(64) NOT NULL,
    "routeTableId" VARCHAR(64),
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVirtualRouter_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcVirtualRouteEntry" (
    "uuid" VARCHAR(32) NOT NULL,
    "virtualRouterUuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "routeEntryId" VARCHAR(64),
    "routeTableId" VARCHAR(64) NOT NULL,
    "destinationCidrBlock" VARCHAR(64) NOT NULL,
    "nextHopType" VARCHAR(64),
    "nextHopId" VARCHAR(64),
    "type" VARCHAR(32) NOT NULL,
    "vRouterType" VARCHAR(16) NOT NULL DEFAULT 'vrouter',
    "status" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVirtualRouteEntry_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsSecurityGroup" (
    "uuid" VARCHAR(32) NOT NULL,
    "ecsVpcUuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "securityGroupId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsSecurityGroup_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsSecurityGroupRule" (
    "uuid" VARCHAR(32) NOT NULL,
    "ecsSecurityGroupUuid" VARCHAR(32) NOT NULL,
    "direction" VARCHAR(16) NOT NULL,
    "protocol" VARCHAR(16) NOT NULL,
    "portRange" VARCHAR(32) NOT NULL,
    "cidrIp" VARCHAR(64) NOT NULL,
    "policy" VARCHAR(16) NOT NULL,
    "priority" INTEGER NOT NULL,
    "nicType" VARCHAR(16) NOT NULL DEFAULT 'intranet',
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsSecurityGroupRule_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsImage" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "ecsImageId" VARCHAR(128) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(16) NOT NULL,
    "platform" VARCHAR(64),
    "osType" VARCHAR(16),
    "architecture" VARCHAR(16),
    "ecsImageSize" BIGINT,
    "status" VARCHAR(32) NOT NULL,
    "progress" VARCHAR(16),
    "localImageUuid" VARCHAR(32),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsImage_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "EcsInstance" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "identityZoneUuid" VARCHAR(32),
    "ecsInstanceId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "ecsStatus" VARCHAR(32) NOT NULL,
    "ecsInstanceType" VARCHAR(64) NOT NULL,
    "cpuCores" INTEGER NOT NULL,
    "memorySize" BIGINT NOT NULL,
    "ecsBandWidth" INTEGER,
    "ecsRootVolumeId" VARCHAR(64),
    "ecsRootVolumeCategory" VARCHAR(32),
    "ecsRootVolumeSize" BIGINT,
    "privateIpAddress" VARCHAR(64),
    "publicIpAddress" VARCHAR(64),
    "ecsVpcUuid" VARCHAR(32),
    "ecsVSwitchUuid" VARCHAR(32),
    "ecsImageUuid" VARCHAR(32),
    "ecsSecurityGroupUuid" VARCHAR(32),
    "regionId" VARCHAR(64) NOT NULL,
    "zoneId" VARCHAR(64),
    "vpcId" VARCHAR(64),
    "vSwitchId" VARCHAR(64),
    "chargeType" VARCHAR(32),
    "internetChargeType" VARCHAR(32),
    "expireDate" TIMESTAMPTZ(3),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EcsInstance_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunDisk" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "identityZoneUuid" VARCHAR(32),
    "diskId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "ecsInstanceUuid" VARCHAR(32),
    "diskType" VARCHAR(16) NOT NULL,
    "diskCategory" VARCHAR(32) NOT NULL,
    "sizeWithGB" INTEGER NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "deviceInfo" VARCHAR(64),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunDisk_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "HybridEipAddress" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "eipId" VARCHAR(64) NOT NULL,
    "eipAddress" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "bandWidth" INTEGER NOT NULL,
    "chargeType" VARCHAR(32),
    "status" VARCHAR(32) NOT NULL,
    "allocateResourceUuid" VARCHAR(32),
    "allocateResourceType" VARCHAR(64),
    "eipType" VARCHAR(16) NOT NULL DEFAULT 'aliyun',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HybridEipAddress_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "OssBucket" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "bucketName" VARCHAR(64) NOT NULL,
    "regionName" VARCHAR(64) NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OssBucket_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "AliyunKey_accountUuid_akey_key" ON "AliyunKey"("accountUuid", "akey");

-- CreateIndex
CREATE UNIQUE INDEX "DataCenter_accountUuid_regionId_key" ON "DataCenter"("accountUuid", "regionId");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityZone_dataCenterUuid_zoneId_key" ON "IdentityZone"("dataCenterUuid", "zoneId");

-- CreateIndex
CREATE UNIQUE INDEX "EcsVpc_dataCenterUuid_ecsVpcId_key" ON "EcsVpc"("dataCenterUuid", "ecsVpcId");

-- CreateIndex
CREATE INDEX "EcsVSwitch_ecsVpcUuid_idx" ON "EcsVSwitch"("ecsVpcUuid");

-- CreateIndex
CREATE UNIQUE INDEX "EcsVSwitch_dataCenterUuid_vSwitchId_key" ON "EcsVSwitch"("dataCenterUuid", "vSwitchId");

-- CreateIndex
CREATE UNIQUE INDEX "VpcVirtualRouter_dataCenterUuid_vrId_key" ON "VpcVirtualRouter"("dataCenterUuid", "vrId");

-- CreateIndex
CREATE INDEX "VpcVirtualRouteEntry_virtualRouterUuid_idx" ON "VpcVirtualRouteEntry"("virtualRouterUuid");

-- CreateIndex
CREATE UNIQUE INDEX "VpcVirtualRouteEntry_dataCenterUuid_routeTableId_destinatio_key" ON "VpcVirtualRouteEntry"("dataCenterUuid", "routeTableId", "destinationCidrBlock");

-- CreateIndex
CREATE UNIQUE INDEX "EcsSecurityGroup_dataCenterUuid_securityGroupId_key" ON "EcsSecurityGroup"("dataCenterUuid", "securityGroupId");

-- CreateIndex
CREATE UNIQUE INDEX "EcsSecurityGroupRule_ecsSecurityGroupUuid_direction_protoco_key" ON "EcsSecurityGroupRule"("ecsSecurityGroupUuid", "direction", "protocol", "portRange", "cidrIp", "policy", "priority", "nicType");

-- CreateIndex
CREATE UNIQUE INDEX "EcsImage_dataCenterUuid_ecsImageId_key" ON "EcsImage"("dataCenterUuid", "ecsImageId");

-- CreateIndex
CREATE UNIQUE INDEX "EcsInstance_dataCenterUuid_ecsInstanceId_key" ON "EcsInstance"("dataCenterUuid", "ecsInstanceId");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunDisk_dataCenterUuid_diskId_key" ON "AliyunDisk"("dataCenterUuid", "diskId");

-- CreateIndex
CREATE UNIQUE INDEX "HybridEipAddress_dataCenterUuid_eipId_key" ON "HybridEipAddress"("dataCenterUuid", "eipId");

-- CreateIndex
CREATE UNIQUE INDEX "OssBucket_dataCenterUuid_bucketName_key" ON "OssBucket"("dataCenterUuid", "bucketName");

-- AddForeignKey
ALTER TABLE "IdentityZone" ADD CONSTRAINT "IdentityZone_dataCenterUuid_fkey" FOREIGN KEY ("dataCenterUuid") REFERENCES "DataCenter"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EcsSecurityGroupRule" ADD CONSTRAINT "EcsSecurityGroupRule_ecsSecurityGroupUuid_fkey" FOREIGN KEY ("ecsSecurityGroupUuid") REFERENCES "EcsSecurityGroup"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EcsInstance" ADD CONSTRAINT "EcsInstance_uuid_fkey" FOREIGN KEY ("uuid") REFERENCES "VmInstance"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

