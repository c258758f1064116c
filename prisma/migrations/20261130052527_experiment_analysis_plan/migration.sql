-- CreateEnum
CREATE TYPE "AnalysisPlan" AS ENUM ('sequential', 'fixed_horizon');

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "analysisPlan" "AnalysisPlan" NOT NULL DEFAULT 'sequential',
ADD COLUMN     "guardrailHarm" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "minUsersPerArm" INTEGER NOT NULL DEFAULT 100,
ADD COLUMN     "plannedUsers" INTEGER;

