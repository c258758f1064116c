"use server";

import { revalidatePath } from "next/cache";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { requireActionActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action-result";

export async function createApiKeyAction(input: { name: string; scopes: string[] }) {
  return runAction(async () => {
    const key = await createApiKey(await requireActionActor("admin"), input);
    revalidatePath("/admin/api-keys");
    return { key: key.key, name: key.name };
  });
}

export async function revokeApiKeyAction(id: string) {
  return runAction(async () => {
    await revokeApiKey(await requireActionActor("admin"), id);
    revalidatePath("/admin/api-keys");
  });
}
