-- CreateTable
CREATE TABLE "SnsTopic" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "locale" VARCHAR(8) NOT NULL DEFAULT 'en_US',
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SnsTopic_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "SnsEndpoint" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "type" VARCHAR(16) NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "connectionStatus" VARCHAR(32) NOT NULL DEFAULT 'Unknown',
    "config" JSONB NOT NULL,
    "secretsEncrypted" TEXT,
    "lastError" TEXT,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SnsEndpoint_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "SnsSubscription" (
    "topicUuid" VARCHAR(32) NOT NULL,
    "endpointUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SnsSubscription_pkey" PRIMARY KEY ("topicUuid","endpointUuid")
);

-- CreateTable
CREATE TABLE "SnsDelivery" (
    "uuid" VARCHAR(32) NOT NULL,
    "endpointUuid" VARCHAR(32) NOT NULL,
    "topicUuid" VARCHAR(32),
    "channel" VARCHAR(16) NOT NULL,
    "dedupKey" VARCHAR(200) NOT NULL,
    "message" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "httpCode" INTEGER,
    "errcode" INTEGER,
    "response" TEXT,
    "error" TEXT,
    "deliveredDate" TIMESTAMPTZ(3),
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SnsDelivery_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ZwatchAlarm" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "namespace" VARCHAR(128) NOT NULL,
    "metricName" VARCHAR(128) NOT NULL,
    "comparisonOperator" VARCHAR(32) NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "period" INTEGER NOT NULL,
    "repeatInterval" INTEGER NOT NULL,
    "repeatCount" INTEGER NOT NULL,
    "emergencyLevel" VARCHAR(16) NOT NULL,
    "enableRecovery" BOOLEAN NOT NULL DEFAULT false,
    "labels" JSONB NOT NULL,
    "actions" JSONB NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "status" VARCHAR(32) NOT NULL DEFAULT 'InsufficientData',
    "lastEvaluateDate" TIMESTAMPTZ(3),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ZwatchAlarm_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ZwatchAlarmSeries" (
    "alarmUuid" VARCHAR(32) NOT NULL,
    "seriesKey" VARCHAR(1000) NOT NULL,
    "labels" JSONB NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "conditionSince" TIMESTAMPTZ(3),
    "lastValue" DOUBLE PRECISION,
    "notifyCount" INTEGER NOT NULL DEFAULT 0,
    "lastNotifyDate" TIMESTAMPTZ(3),
    "alarmSince" TIMESTAMPTZ(3),
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ZwatchAlarmSeries_pkey" PRIMARY KEY ("alarmUuid","seriesKey")
);

-- CreateTable
CREATE TABLE "ZwatchAlarmHistory" (
    "uuid" VARCHAR(32) NOT NULL,
    "alarmUuid" VARCHAR(32) NOT NULL,
    "labels" JSONB NOT NULL,
    "oldStatus" VARCHAR(32) NOT NULL,
    "newStatus" VARCHAR(32) NOT NULL,
    "value" DOUBLE PRECISION,
    "repeat" BOOLEAN NOT NULL DEFAULT false,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ZwatchAlarmHistory_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ZwatchEventSubscription" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255),
    "namespace" VARCHAR(128) NOT NULL,
    "eventName" VARCHAR(128) NOT NULL,
    "labels" JSONB NOT NULL,
    "actions" JSONB NOT NULL,
    "state" VARCHAR(32) NOT NULL DEFAULT 'Enabled',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ZwatchEventSubscription_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "ZwatchEventRecord" (
    "uuid" VARCHAR(32) NOT NULL,
    "subscriptionUuid" VARCHAR(32) NOT NULL,
    "sourceEventUuid" VARCHAR(32) NOT NULL,
    "namespace" VARCHAR(128) NOT NULL,
    "eventName" VARCHAR(128) NOT NULL,
    "resourceUuid" VARCHAR(32),
    "resourceType" VARCHAR(64),
    "labels" JSONB NOT NULL,
    "readStatus" VARCHAR(16) NOT NULL DEFAULT 'Unread',
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ZwatchEventRecord_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE INDEX "SnsSubscription_endpointUuid_idx" ON "SnsSubscription"("endpointUuid");

-- CreateIndex
CREATE INDEX "SnsDelivery_status_nextAttemptDate_idx" ON "SnsDelivery"("status", "nextAttemptDate");

-- CreateIndex
CREATE UNIQUE INDEX "SnsDelivery_endpointUuid_dedupKey_key" ON "SnsDelivery"("endpointUuid", "dedupKey");

-- CreateIndex
CREATE INDEX "ZwatchAlarmHistory_alarmUuid_createDate_idx" ON "ZwatchAlarmHistory"("alarmUuid", "createDate");

-- CreateIndex
CREATE INDEX "ZwatchEventRecord_createDate_idx" ON "ZwatchEventRecord"("createDate");

-- CreateIndex
CREATE UNIQUE INDEX "ZwatchEventRecord_subscriptionUuid_sourceEventUuid_key" ON "ZwatchEventRecord"("subscriptionUuid", "sourceEventUuid");

