-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Account" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(32) NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "failedLoginCount" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "User" (
    "uuid" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "passwordHash" TEXT NOT NULL,
    "failedLoginCount" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Session" (
    "uuid" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "userUuid" VARCHAR(32),
    "expiredDate" TIMESTAMPTZ(3) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "AccessKey" (
    "uuid" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "userUuid" VARCHAR(32),
    "accessKeyId" VARCHAR(64) NOT NULL,
    "secretEncrypted" TEXT NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "description" TEXT,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessKey_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Quota" (
    "uuid" VARCHAR(32) NOT NULL,
    "identityUuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "value" BIGINT NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Quota_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "GlobalConfig" (
    "category" VARCHAR(64) NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "value" TEXT NOT NULL,
    "defaultValue" TEXT NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "description" TEXT,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GlobalConfig_pkey" PRIMARY KEY ("category","name")
);

-- CreateTable
CREATE TABLE "Zone" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "state" VARCHAR(32) NOT NULL,
    "type" VARCHAR(32) NOT NULL DEFAULT 'zstack',
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Zone_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Cluster" (
    "uuid" VARCHAR(32) NOT NULL,
    "zoneUuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "state" VARCHAR(32) NOT NULL,
    "hypervisorType" VARCHAR(32) NOT NULL,
    "type" VARCHAR(32) NOT NULL DEFAULT 'zstack',
    "architecture" VARCHAR(32) NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "UserTag" (
    "uuid" VARCHAR(32) NOT NULL,
    "resourceUuid" VARCHAR(32) NOT NULL,
    "resourceType" VARCHAR(64) NOT NULL,
    "tag" TEXT NOT NULL,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserTag_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "SystemTag" (
    "uuid" VARCHAR(32) NOT NULL,
    "resourceUuid" VARCHAR(32) NOT NULL,
    "resourceType" VARCHAR(64) NOT NULL,
    "tag" TEXT NOT NULL,
    "inherent" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SystemTag_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Event" (
    "uuid" VARCHAR(32) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "resourceUuid" VARCHAR(32) NOT NULL,
    "resourceType" VARCHAR(64) NOT NULL,
    "oldState" VARCHAR(64),
    "newState" VARCHAR(64),
    "accountUuid" VARCHAR(32) NOT NULL,
    "details" JSONB,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "Audit" (
    "uuid" VARCHAR(32) NOT NULL,
    "apiName" VARCHAR(128) NOT NULL,
    "requestMethod" VARCHAR(16) NOT NULL,
    "requestPath" TEXT NOT NULL,
    "accountUuid" VARCHAR(32),
    "userUuid" VARCHAR(32),
    "sourceIp" VARCHAR(64),
    "requestId" VARCHAR(64),
    "requestSummary" JSONB,
    "resourceUuid" VARCHAR(32),
    "result" VARCHAR(16) NOT NULL,
    "httpStatus" INTEGER NOT NULL,
    "errorCode" VARCHAR(64),
    "startDate" TIMESTAMPTZ(3) NOT NULL,
    "finishDate" TIMESTAMPTZ(3) NOT NULL,
    "duration" INTEGER NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Audit_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ApiJob" (
    "uuid" VARCHAR(32) NOT NULL,
    "apiName" VARCHAR(128) NOT NULL,
    "jobType" VARCHAR(128) NOT NULL,
    "state" VARCHAR(32) NOT NULL,
    "input" JSONB NOT NULL,
    "result" JSONB,
    "error" JSONB,
    "accountUuid" VARCHAR(32) NOT NULL,
    "userUuid" VARCHAR(32),
    "webHook" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "managementNodeUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishDate" TIMESTAMPTZ(3),

    CONSTRAINT "ApiJob_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ManagementNode" (
    "uuid" VARCHAR(32) NOT NULL,
    "hostName" VARCHAR(255) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ManagementNode_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_name_key" ON "Account"("name");

-- CreateIndex
CREATE UNIQUE INDEX "User_accountUuid_name_key" ON "User"("accountUuid", "name");

-- CreateIndex
CREATE INDEX "Session_accountUuid_idx" ON "Session"("accountUuid");

-- CreateIndex
CREATE INDEX "Session_expiredDate_idx" ON "Session"("expiredDate");

-- CreateIndex
CREATE UNIQUE INDEX "AccessKey_accessKeyId_key" ON "AccessKey"("accessKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "Quota_identityUuid_name_key" ON "Quota"("identityUuid", "name");

-- CreateIndex
CREATE INDEX "Zone_accountUuid_idx" ON "Zone"("accountUuid");

-- CreateIndex
CREATE INDEX "Cluster_zoneUuid_idx" ON "Cluster"("zoneUuid");

-- CreateIndex
CREATE INDEX "Cluster_accountUuid_idx" ON "Cluster"("accountUuid");

-- CreateIndex
CREATE INDEX "UserTag_tag_idx" ON "UserTag"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "UserTag_resourceUuid_tag_key" ON "UserTag"("resourceUuid", "tag");

-- CreateIndex
CREATE INDEX "SystemTag_tag_idx" ON "SystemTag"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "SystemTag_resourceUuid_tag_key" ON "SystemTag"("resourceUuid", "tag");

-- CreateIndex
CREATE INDEX "Event_resourceUuid_idx" ON "Event"("resourceUuid");

-- CreateIndex
CREATE INDEX "Event_createDate_idx" ON "Event"("createDate");

-- CreateIndex
CREATE INDEX "Audit_startDate_idx" ON "Audit"("startDate");

-- CreateIndex
CREATE INDEX "Audit_accountUuid_idx" ON "Audit"("accountUuid");

-- CreateIndex
CREATE INDEX "ApiJob_state_idx" ON "ApiJob"("state");

-- CreateIndex
CREATE INDEX "ApiJob_finishDate_idx" ON "ApiJob"("finishDate");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_accountUuid_fkey" FOREIGN KEY ("accountUuid") REFERENCES "Account"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_accountUuid_fkey" FOREIGN KEY ("accountUuid") REFERENCES "Account"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userUuid_fkey" FOREIGN KEY ("userUuid") REFERENCES "User"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessKey" ADD CONSTRAINT "AccessKey_accountUuid_fkey" FOREIGN KEY ("accountUuid") REFERENCES "Account"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessKey" ADD CONSTRAINT "AccessKey_userUuid_fkey" FOREIGN KEY ("userUuid") REFERENCES "User"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Quota" ADD CONSTRAINT "Quota_identityUuid_fkey" FOREIGN KEY ("identityUuid") REFERENCES "Account"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_zoneUuid_fkey" FOREIGN KEY ("zoneUuid") REFERENCES "Zone"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

