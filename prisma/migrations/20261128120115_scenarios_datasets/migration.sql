-- CreateEnum
CREATE TYPE "DatasetStatus" AS ENUM ('building', 'ready', 'failed');

-- CreateEnum
CREATE TYPE "DatasetOrigin" AS ENUM ('simulated', 'imported');

-- CreateTable
CREATE TABLE "Scenario" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "config" JSONB NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Scenario_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "origin" "DatasetOrigin" NOT NULL,
    "status" "DatasetStatus" NOT NULL DEFAULT 'building',
    "scenarioId" UUID,
    "seed" TEXT,
    "sessions" INTEGER,
    "behaviour" JSONB,
    "exploration" JSONB,
    "storagePath" TEXT,
    "manifest" JSONB,
    "requests" INTEGER,
    "bytes" BIGINT,
    "error" TEXT,
    "jobId" UUID,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Scenario_key_key" ON "Scenario"("key");

-- CreateIndex
CREATE INDEX "Dataset_createdAt_idx" ON "Dataset"("createdAt");

-- AddForeignKey
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_scenarioId_fkey" FOREIGN KEY ("scenarioId") REFERENCES "Scenario"("id") ON DELETE SET NULL ON UPDATE CASCADE;

