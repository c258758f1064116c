-- CreateEnum
CREATE TYPE "ExperimentDecision" AS ENUM ('ship', 'ship_nothing', 'rerun');

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "decision" "ExperimentDecision",
ADD COLUMN     "decisionArm" TEXT,
ADD COLUMN     "decisionNote" TEXT;

