"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action-result";
import { createUser } from "@/lib/users/create-user";
import { resetPassword } from "@/lib/users/reset-password";
import { setUserDisabled } from "@/lib/users/set-user-disabled";
import { setUserRole } from "@/lib/users/set-user-role";

export async function createUserAction(input: { email: string; name: string; password: string; role: string }) {
  return runAction(async () => {
    const user = await createUser(await requireActionActor("admin"), input);
    revalidatePath("/admin/users");
    return { id: user.id };
  });
}

export async function setUserRoleAction(userId: string, role: string) {
  return runAction(async () => {
    await setUserRole(await requireActionActor("admin"), { userId, role });
    revalidatePath("/admin/users");
  });
}

export async function setUserDisabledAction(userId: string, disabled: boolean) {
  return runAction(async () => {
    await setUserDisabled(await requireActionActor("admin"), { userId, disabled });
    revalidatePath("/admin/users");
  });
}

export async function resetPasswordAction(userId: string, password: string) {
  return runAction(async () => {
    await resetPassword(await requireActionActor("admin"), { userId, password });
  });
}
