-- CreateIndex
CREATE INDEX "VmInstance_createDate_uuid_idx" ON "VmInstance"("createDate", "uuid");

