-- Report health checks and segments (issue 14): the attribution window per experiment, segment
-- keys on decisions, and what the rollups need to apply the data-quality rules (first exposure,
-- segment keys, excluded events). Existing rollups are dropped so the next rollup rebuilds them
-- under the new rules (rollups are derived data; the watermark restarts from scratch).

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN "attributionWindowDays" INTEGER;

-- AlterTable
ALTER TABLE "Decision" ADD COLUMN "activity" TEXT,
ADD COLUMN "platform" TEXT;

-- AlterTable
ALTER TABLE "ReportUserDay" ADD COLUMN "activity" TEXT,
ADD COLUMN "firstTs" TIMESTAMP(3),
ADD COLUMN "lateEvents" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "platform" TEXT,
ADD COLUMN "preExposureEvents" INTEGER NOT NULL DEFAULT 0;

DELETE FROM "ReportUserDay";
DELETE FROM "ReportPrePeriod";
DELETE FROM "ReportWatermark";
