"use client";

import { useSyncExternalStore } from "react";

const NARROW = "(max-width: 640px)";
const subscribeNarrow = (notify: () => void) => {
  const q = window.matchMedia(NARROW);
  q.addEventListener("change", notify);
  return () => q.removeEventListener("change", notify);
};
/** True on phone-width screens (after hydration; the server renders for a wide one). */
export function useNarrowScreen(): boolean {
  return useSyncExternalStore(
    subscribeNarrow,
    () => window.matchMedia(NARROW).matches,
    () => false,
  );
}
