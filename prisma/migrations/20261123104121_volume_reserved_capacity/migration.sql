-- AlterTable
ALTER TABLE "Volume" ADD COLUMN     "reservedCapacity" BIGINT;

