-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "webhookUrl" TEXT;

-- AlterTable
ALTER TABLE "Arm" ADD COLUMN     "stopReason" TEXT,
ADD COLUMN     "stoppedAt" TIMESTAMP(3),
ADD COLUMN     "verdict" TEXT,
ADD COLUMN     "verdictAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "OfflineEvaluation" (
    "id" UUID NOT NULL,
    "policyVersionId" UUID NOT NULL,
    "baselineVersionId" UUID,
    "baselineLabel" TEXT NOT NULL,
    "scenario" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "jobId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OfflineEvaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" UUID NOT NULL,
    "experimentId" UUID,
    "event" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "responseStatus" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OfflineEvaluation_policyVersionId_baselineVersionId_created_idx" ON "OfflineEvaluation"("policyVersionId", "baselineVersionId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_experimentId_createdAt_idx" ON "WebhookDelivery"("experimentId", "createdAt");

-- AddForeignKey
ALTER TABLE "OfflineEvaluation" ADD CONSTRAINT "OfflineEvaluation_policyVersionId_fkey" FOREIGN KEY ("policyVersionId") REFERENCES "PolicyVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

