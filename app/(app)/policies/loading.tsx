import { PageLoading } from "@/components/page-loading";

// Only on segments without role-gated pages below: once streaming starts, a page cannot answer 403.
export default function Loading() {
  return <PageLoading what="policies" />;
}
