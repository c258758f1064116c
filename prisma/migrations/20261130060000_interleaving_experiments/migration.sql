-- CreateEnum
CREATE TYPE "ExperimentType" AS ENUM ('ab', 'interleaving');

-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "type" "ExperimentType" NOT NULL DEFAULT 'ab';

-- AlterTable (the partitioned parent: every day partition gets the column)
ALTER TABLE "Decision" ADD COLUMN     "teams" JSONB;
