import { z } from "zod";
import { safeString } from "@/lib/validation";
import { ROLES } from "@/lib/auth/roles";

export const emailSchema = z.email("must be an email address").transform((s) => s.trim().toLowerCase());
export const passwordSchema = safeString().min(8, "must be at least 8 characters").max(200, "is too long");

export const createUserInput = z.object({
  email: emailSchema,
  name: safeString().trim().min(1, "is required").max(100),
  password: passwordSchema,
  role: z.enum(ROLES),
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const setRoleInput = z.object({ userId: z.uuid(), role: z.enum(ROLES) });

export const setDisabledInput = z.object({ userId: z.uuid(), disabled: z.boolean() });
export const resetPasswordInput = z.object({ userId: z.uuid(), password: passwordSchema });
