"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action-result";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";

export async function registerFixedPolicyAction(raw: unknown) {
  return runAction(async () => {
    const v = await registerFixedPolicyVersion(await requireActionActor("editor"), raw);
    revalidatePath("/policies");
    revalidatePath(`/policies/${v.policyKey}`);
    return v;
  });
}
