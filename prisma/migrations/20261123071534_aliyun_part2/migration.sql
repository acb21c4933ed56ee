-- CreateTable
CREATE TABLE "VpcVpnGateway" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "gatewayId" VARCHAR(64) NOT NULL,
    "ecsVpcId" VARCHAR(64) NOT NULL,
    "vpcUuid" VARCHAR(32),
    "vSwitchUuid" VARCHAR(32),
    "publicIp" VARCHAR(64),
    "spec" VARCHAR(32),
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "status" VARCHAR(32) NOT NULL,
    "businessStatus" VARCHAR(32),
    "endDate" TIMESTAMPTZ(3),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVpnGateway_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcUserVpnGateway" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "gatewayId" VARCHAR(64) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcUserVpnGateway_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcVpnIkeConfig" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "pskEncrypted" TEXT NOT NULL,
    "version" VARCHAR(16) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "encodeAlgorithm" VARCHAR(16) NOT NULL,
    "authAlgorithm" VARCHAR(16) NOT NULL,
    "pfs" VARCHAR(16) NOT NULL,
    "lifetime" INTEGER NOT NULL,
    "localIp" VARCHAR(100),
    "remoteIp" VARCHAR(100),
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVpnIkeConfig_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcVpnIpSecConfig" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "encodeAlgorithm" VARCHAR(16) NOT NULL,
    "authAlgorithm" VARCHAR(16) NOT NULL,
    "pfs" VARCHAR(16) NOT NULL,
    "lifetime" INTEGER NOT NULL,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVpnIpSecConfig_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VpcVpnConnection" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "connectionId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "status" VARCHAR(32) NOT NULL,
    "userGatewayUuid" VARCHAR(32),
    "vpnGatewayUuid" VARCHAR(32),
    "localSubnet" TEXT NOT NULL,
    "remoteSubnet" TEXT NOT NULL,
    "ikeConfigUuid" VARCHAR(32),
    "ipsecConfigUuid" VARCHAR(32),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VpcVpnConnection_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "IPsecConnection" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "l3NetworkUuid" VARCHAR(32),
    "vpcVpnConnectionUuid" VARCHAR(32),
    "localAddress" VARCHAR(64) NOT NULL,
    "peerAddress" VARCHAR(64) NOT NULL,
    "peerCidrs" TEXT NOT NULL,
    "authMode" VARCHAR(16) NOT NULL DEFAULT 'psk',
    "authKeyEncrypted" TEXT NOT NULL,
    "ikeVersion" VARCHAR(16) NOT NULL,
    "ikeAuthAlgorithm" VARCHAR(16) NOT NULL,
    "ikeEncryptionAlgorithm" VARCHAR(16) NOT NULL,
    "ikeDhGroup" INTEGER NOT NULL,
    "ikeLifeTime" INTEGER NOT NULL,
    "policyAuthAlgorithm" VARCHAR(16) NOT NULL,
    "policyEncryptionAlgorithm" VARCHAR(16) NOT NULL,
    "pfs" VARCHAR(16) NOT NULL,
    "policyMode" VARCHAR(16) NOT NULL DEFAULT 'tunnel',
    "transformProtocol" VARCHAR(16) NOT NULL DEFAULT 'esp',
    "lifeTime" INTEGER NOT NULL,
    "localId" VARCHAR(100),
    "remoteId" VARCHAR(100),
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IPsecConnection_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "VirtualBorderRouter" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "vbrId" VARCHAR(64) NOT NULL,
    "vlanInterfaceId" VARCHAR(64),
    "status" VARCHAR(32) NOT NULL,
    "vlanId" VARCHAR(16),
    "physicalConnectionId" VARCHAR(64),
    "physicalConnectionStatus" VARCHAR(32),
    "circuitCode" VARCHAR(128),
    "localGatewayIp" VARCHAR(64),
    "peerGatewayIp" VARCHAR(64),
    "peeringSubnetMask" VARCHAR(64),
    "accessPointId" VARCHAR(64),
    "routeTableId" VARCHAR(64),
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VirtualBorderRouter_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunRouterInterface" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "routerInterfaceId" VARCHAR(64) NOT NULL,
    "virtualRouterUuid" VARCHAR(32),
    "routerId" VARCHAR(64) NOT NULL,
    "vRouterType" VARCHAR(16) NOT NULL,
    "accessPointId" VARCHAR(64),
    "role" VARCHAR(32) NOT NULL,
    "spec" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "status" VARCHAR(32) NOT NULL,
    "oppositeInterfaceId" VARCHAR(64),
    "oppositeInterfaceUuid" VARCHAR(32),
    "oppositeRouterId" VARCHAR(64),
    "oppositeRouterType" VARCHAR(16),
    "oppositeRegionId" VARCHAR(64),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunRouterInterface_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "HybridThirdPartyConnection" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "provider" VARCHAR(128) NOT NULL,
    "bandwidthMbps" INTEGER NOT NULL,
    "localCidrs" TEXT NOT NULL,
    "remoteCidrs" TEXT NOT NULL,
    "localEndpointId" VARCHAR(128),
    "remoteEndpointId" VARCHAR(128),
    "dataCenterUuid" VARCHAR(32),
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HybridThirdPartyConnection_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "HybridLocalRouteEntry" (
    "uuid" VARCHAR(32) NOT NULL,
    "destinationCidrBlock" VARCHAR(64) NOT NULL,
    "nextHopType" VARCHAR(64) NOT NULL,
    "nextHopUuid" VARCHAR(32) NOT NULL,
    "l3NetworkUuid" VARCHAR(32),
    "description" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HybridLocalRouteEntry_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunNasFileSystem" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "fileSystemId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "protocol" VARCHAR(16) NOT NULL,
    "storageType" VARCHAR(32) NOT NULL,
    "type" VARCHAR(32) NOT NULL DEFAULT 'AliyunNAS',
    "status" VARCHAR(32) NOT NULL,
    "zoneId" VARCHAR(64),
    "capacity" BIGINT,
    "meteredSize" BIGINT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunNasFileSystem_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunNasAccessGroup" (
    "uuid" VARCHAR(32) NOT NULL,
    "dataCenterUuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(16) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunNasAccessGroup_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunNasAccessRule" (
    "uuid" VARCHAR(32) NOT NULL,
    "accessGroupUuid" VARCHAR(32) NOT NULL,
    "ruleId" VARCHAR(32) NOT NULL,
    "sourceCidr" VARCHAR(64) NOT NULL,
    "rule" VARCHAR(16) NOT NULL,
    "userAccess" VARCHAR(32) NOT NULL,
    "priority" INTEGER NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunNasAccessRule_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunNasMountTarget" (
    "uuid" VARCHAR(32) NOT NULL,
    "nasFileSystemUuid" VARCHAR(32) NOT NULL,
    "mountDomain" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "accessGroupUuid" VARCHAR(32),
    "vSwitchUuid" VARCHAR(32),
    "status" VARCHAR(32) NOT NULL,
    "type" VARCHAR(32) NOT NULL DEFAULT 'AliyunNAS',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunNasMountTarget_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AliyunNasPrimaryStorage" (
    "primaryStorageUuid" VARCHAR(32) NOT NULL,
    "nasFileSystemUuid" VARCHAR(32) NOT NULL,
    "accessGroupUuid" VARCHAR(32) NOT NULL,
    "mountTargetUuid" VARCHAR(32),
    "vSwitchUuid" VARCHAR(32),
    "mountSourceType" VARCHAR(16) NOT NULL,
    "mountSource" TEXT NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AliyunNasPrimaryStorage_pkey" PRIMARY KEY ("primaryStorageUuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "VpcVpnGateway_dataCenterUuid_gatewayId_key" ON "VpcVpnGateway"("dataCenterUuid", "gatewayId");

-- CreateIndex
CREATE UNIQUE INDEX "VpcUserVpnGateway_dataCenterUuid_gatewayId_key" ON "VpcUserVpnGateway"("dataCenterUuid", "gatewayId");

-- CreateIndex
CREATE UNIQUE INDEX "VpcVpnConnection_dataCenterUuid_connectionId_key" ON "VpcVpnConnection"("dataCenterUuid", "connectionId");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualBorderRouter_dataCenterUuid_vbrId_key" ON "VirtualBorderRouter"("dataCenterUuid", "vbrId");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunRouterInterface_dataCenterUuid_routerInterfaceId_key" ON "AliyunRouterInterface"("dataCenterUuid", "routerInterfaceId");

-- CreateIndex
CREATE INDEX "HybridLocalRouteEntry_nextHopUuid_idx" ON "HybridLocalRouteEntry"("nextHopUuid");

-- CreateIndex
CREATE UNIQUE INDEX "HybridLocalRouteEntry_l3NetworkUuid_destinationCidrBlock_key" ON "HybridLocalRouteEntry"("l3NetworkUuid", "destinationCidrBlock");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunNasFileSystem_dataCenterUuid_fileSystemId_key" ON "AliyunNasFileSystem"("dataCenterUuid", "fileSystemId");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunNasAccessGroup_dataCenterUuid_name_key" ON "AliyunNasAccessGroup"("dataCenterUuid", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunNasAccessRule_accessGroupUuid_ruleId_key" ON "AliyunNasAccessRule"("accessGroupUuid", "ruleId");

-- CreateIndex
CREATE INDEX "AliyunNasMountTarget_nasFileSystemUuid_idx" ON "AliyunNasMountTarget"("nasFileSystemUuid");

-- CreateIndex
CREATE UNIQUE INDEX "AliyunNasMountTarget_mountDomain_key" ON "AliyunNasMountTarget"("mountDomain");

-- AddForeignKey
ALTER TABLE "AliyunNasAccessRule" ADD CONSTRAINT "AliyunNasAccessRule_accessGroupUuid_fkey" FOREIGN KEY ("accessGroupUuid") REFERENCES "AliyunNasAccessGroup"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

