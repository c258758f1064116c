-- CreateEnum
CREATE TYPE "MetricKind" AS ENUM ('mean', 'proportion', 'ratio', 'session_mean');

-- CreateEnum
CREATE TYPE "MetricDirection" AS ENUM ('higher', 'lower');

-- CreateEnum
CREATE TYPE "MetricCap" AS ENUM ('none', 'fixed', 'percentile');

-- CreateTable
CREATE TABLE "Metric" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "kind" "MetricKind" NOT NULL,
    "numerator" JSONB NOT NULL,
    "denominator" JSONB,
    "direction" "MetricDirection" NOT NULL DEFAULT 'higher',
    "cap" "MetricCap" NOT NULL DEFAULT 'none',
    "capValue" DOUBLE PRECISION,
    "allowedHarm" DOUBLE PRECISION,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Metric_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportUserDay" (
    "experimentId" UUID NOT NULL,
    "userId" TEXT NOT NULL,
    "armKey" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "sessions" INTEGER NOT NULL DEFAULT 0,
    "impression_n" INTEGER NOT NULL DEFAULT 0,
    "impression_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "play_n" INTEGER NOT NULL DEFAULT 0,
    "play_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "valid_play_n" INTEGER NOT NULL DEFAULT 0,
    "valid_play_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "long_view_n" INTEGER NOT NULL DEFAULT 0,
    "long_view_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "like_n" INTEGER NOT NULL DEFAULT 0,
    "like_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "follow_n" INTEGER NOT NULL DEFAULT 0,
    "follow_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "comment_n" INTEGER NOT NULL DEFAULT 0,
    "comment_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "forward_n" INTEGER NOT NULL DEFAULT 0,
    "forward_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "hate_n" INTEGER NOT NULL DEFAULT 0,
    "hate_v" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "ReportUserDay_pkey" PRIMARY KEY ("experimentId","userId","armKey","day")
);

-- CreateTable
CREATE TABLE "ReportPrePeriod" (
    "experimentId" UUID NOT NULL,
    "userId" TEXT NOT NULL,
    "impression_n" INTEGER NOT NULL DEFAULT 0,
    "impression_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "play_n" INTEGER NOT NULL DEFAULT 0,
    "play_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "valid_play_n" INTEGER NOT NULL DEFAULT 0,
    "valid_play_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "long_view_n" INTEGER NOT NULL DEFAULT 0,
    "long_view_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "like_n" INTEGER NOT NULL DEFAULT 0,
    "like_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "follow_n" INTEGER NOT NULL DEFAULT 0,
    "follow_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "comment_n" INTEGER NOT NULL DEFAULT 0,
    "comment_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "forward_n" INTEGER NOT NULL DEFAULT 0,
    "forward_v" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "hate_n" INTEGER NOT NULL DEFAULT 0,
    "hate_v" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "ReportPrePeriod_pkey" PRIMARY KEY ("experimentId","userId")
);

-- CreateTable
CREATE TABLE "ReportWatermark" (
    "experimentId" UUID NOT NULL,
    "exposureThrough" DATE NOT NULL,
    "feedbackBefore" TIMESTAMP(3) NOT NULL,
    "preRolledAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReportWatermark_pkey" PRIMARY KEY ("experimentId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Metric_key_key" ON "Metric"("key");

-- CreateIndex
CREATE INDEX "Event_experimentId_receivedAt_idx" ON "Event"("experimentId", "receivedAt");



-- The built-in catalogue: the four metrics every report computed before metrics were data.
INSERT INTO "Metric" ("id", "key", "name", "description", "kind", "numerator", "denominator", "direction", "builtIn", "updatedAt") VALUES
  (gen_random_uuid(), 'valid_consumption', 'Valid consumption', 'Valid plays (at least 10 s or the whole video) per exposed user.', 'mean', '{"source":"events","eventTypes":["valid_play"],"aggregate":"count"}', NULL, 'higher', true, CURRENT_TIMESTAMP),
  (gen_random_uuid(), 'duration', 'Duration (s)', 'Watch time in seconds (sum of play values) per exposed user.', 'mean', '{"source":"events","eventTypes":["play"],"aggregate":"sum"}', NULL, 'higher', true, CURRENT_TIMESTAMP),
  (gen_random_uuid(), 'interactions', 'Interactions', 'Likes, follows, comments and forwards per exposed user.', 'mean', '{"source":"events","eventTypes":["like","follow","comment","forward"],"aggregate":"count"}', NULL, 'higher', true, CURRENT_TIMESTAMP),
  (gen_random_uuid(), 'session_depth', 'Session depth', 'Rank requests per session (ratio of per-user sums).', 'ratio', '{"source":"requests"}', '{"source":"sessions"}', 'higher', true, CURRENT_TIMESTAMP);
