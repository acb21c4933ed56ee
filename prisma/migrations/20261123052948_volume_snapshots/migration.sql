-- CreateTable
CREATE TABLE "VolumeSnapshot" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "volumeUuid" VARCHAR(32) NOT NULL,
    "volumeType" VARCHAR(16) NOT NULL,
    "primaryStorageUuid" VARCHAR(32),
    "hostUuid" VARCHAR(32),
    "type" VARCHAR(32) NOT NULL DEFAULT 'Hypervisor',
    "format" VARCHAR(16) NOT NULL DEFAULT 'qcow2',
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "parentUuid" VARCHAR(32),
    "latest" BOOLEAN NOT NULL DEFAULT false,
    "primaryStorageInstallPath" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VolumeSnapshot_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE INDEX "VolumeSnapshot_volumeUuid_idx" ON "VolumeSnapshot"("volumeUuid");

-- CreateIndex
CREATE INDEX "VolumeSnapshot_accountUuid_idx" ON "VolumeSnapshot"("accountUuid");

