import { Prisma } from "@prisma/client";
import { AppError } from "@/lib/errors";

/** Dataset names are unique (pickers list datasets by name): a taken one is a 409 naming the field. */
export const datasetNameTaken = (name: string) =>
  new AppError("conflict", `a dataset named "${name}" already exists`, [
    { path: "name", message: "is taken: choose another name" },
  ]);

/** Turns the unique index's violation into that 409; other errors pass through. */
export function nameTaken(name: string) {
  return (err: unknown): never => {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw datasetNameTaken(name);
    throw err;
  };
}
