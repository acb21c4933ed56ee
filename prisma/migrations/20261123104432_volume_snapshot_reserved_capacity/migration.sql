-- AlterTable
ALTER TABLE "VolumeSnapshot" ADD COLUMN     "reservedCapacity" BIGINT NOT NULL DEFAULT 0;

