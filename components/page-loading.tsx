/** The loading state of a page while its server component fetches (loading.tsx of each segment). */
export function PageLoading({ what = "page" }: { what?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden />
      Loading {what}…
    </div>
  );
}
