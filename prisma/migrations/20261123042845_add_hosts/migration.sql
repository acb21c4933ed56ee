-- CreateTable
CREATE TABLE "Host" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "clusterUuid" VARCHAR(32) NOT NULL,
    "managementIp" VARCHAR(255) NOT NULL,
    "hypervisorType" VARCHAR(32) NOT NULL,
    "state" VARCHAR(32) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "architecture" VARCHAR(32),
    "sshPort" INTEGER NOT NULL DEFAULT 22,
    "username" VARCHAR(255) NOT NULL DEFAULT 'root',
    "credentialsEncrypted" TEXT NOT NULL,
    "hostdPort" INTEGER NOT NULL DEFAULT 7070,
    "agentAddress" VARCHAR(300),
    "hostdSecretEncrypted" TEXT NOT NULL,
    "domainType" VARCHAR(16),
    "cpuModelName" TEXT,
    "cpuSockets" INTEGER,
    "cpuNum" INTEGER NOT NULL DEFAULT 0,
    "totalPhysicalMemory" BIGINT NOT NULL DEFAULT 0,
    "allocatedCpu" INTEGER NOT NULL DEFAULT 0,
    "allocatedMemory" BIGINT NOT NULL DEFAULT 0,
    "facts" JSONB,
    "lastConnectError" TEXT,
    "pingFailures" INTEGER NOT NULL DEFAULT 0,
    "lastPingDate" TIMESTAMPTZ(3),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_agentAddress_key" ON "Host"("agentAddress");

-- CreateIndex
CREATE INDEX "Host_clusterUuid_idx" ON "Host"("clusterUuid");

-- CreateIndex
CREATE INDEX "Host_zoneUuid_idx" ON "Host"("zoneUuid");

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_clusterUuid_fkey" FOREIGN KEY ("clusterUuid") REFERENCES "Cluster"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

