-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "iommuEnabled" BOOLEAN,
ADD COLUMN     "iommuReady" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "PciDevice" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "hostUuid" VARCHAR(32) NOT NULL,
    "vmInstanceUuid" VARCHAR(32),
    "type" VARCHAR(64) NOT NULL,
    "state" VARCHAR(32) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "pciDeviceAddress" VARCHAR(32) NOT NULL,
    "classCode" VARCHAR(8) NOT NULL,
    "vendorId" VARCHAR(8) NOT NULL,
    "deviceId" VARCHAR(8) NOT NULL,
    "subvendorId" VARCHAR(8),
    "subdeviceId" VARCHAR(8),
    "rev" VARCHAR(8),
    "vendor" TEXT,
    "device" TEXT,
    "iommuGroup" VARCHAR(16),
    "driver" VARCHAR(64),
    "numaNode" INTEGER,
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PciDevice_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "UsbDevice" (
    "uuid" VARCHAR(32) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "hostUuid" VARCHAR(32) NOT NULL,
    "vmInstanceUuid" VARCHAR(32),
    "state" VARCHAR(32) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "busNum" VARCHAR(8) NOT NULL,
    "devNum" VARCHAR(8) NOT NULL,
    "idVendor" VARCHAR(8) NOT NULL,
    "idProduct" VARCHAR(8) NOT NULL,
    "iManufacturer" TEXT,
    "iProduct" TEXT,
    "iSerial" TEXT,
    "usbVersion" VARCHAR(8) NOT NULL,
    "speed" VARCHAR(16),
    "attachType" VARCHAR(32),
    "accountUuid" VARCHAR(32) NOT NULL,
    "createDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastOpDate" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsbDevice_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE INDEX "PciDevice_hostUuid_idx" ON "PciDevice"("hostUuid");

-- CreateIndex
CREATE INDEX "PciDevice_vmInstanceUuid_idx" ON "PciDevice"("vmInstanceUuid");

-- CreateIndex
CREATE INDEX "UsbDevice_hostUuid_idx" ON "UsbDevice"("hostUuid");

-- CreateIndex
CREATE INDEX "UsbDevice_vmInstanceUuid_idx" ON "UsbDevice"("vmInstanceUuid");

-- AddForeignKey
ALTER TABLE "PciDevice" ADD CONSTRAINT "PciDevice_hostUuid_fkey" FOREIGN KEY ("hostUuid") REFERENCES "Host"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsbDevice" ADD CONSTRAINT "UsbDevice_hostUuid_fkey" FOREIGN KEY ("hostUuid") REFERENCES "Host"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

