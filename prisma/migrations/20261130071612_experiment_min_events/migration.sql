-- AlterTable
ALTER TABLE "Experiment" ADD COLUMN     "minEventsPerArm" INTEGER NOT NULL DEFAULT 0;

