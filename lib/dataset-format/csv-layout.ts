/**
 * CSV logs in the KuaiRand layout: ONE ROW PER SHOWN ITEM, rows of a request contiguous and in
 * rank order, requests of a session contiguous and in step order.
 *
 * Columns (any order; unknown columns such as KuaiRand's `date`, `hourmin` or `tab` are ignored):
 *   required  user_id, video_id, time_ms, is_click, long_view, is_like, is_follow, is_comment,
 *             is_forward, is_hate, play_time_ms, duration_ms, session_id, step,
 *             pClick, pLongView, pLike, pFollow, pComment, pForward, pWatchTime
 *   optional  position (checked to be 0, 1, … within the request), viewed (default 1),
 *             done (default: 1 on the last request of each session),
 *             u_<name>   static user feature   (must be the same on every row of a user)
 *             s_<name>   in-session user feature (same on every row of a request)
 *             c_<name>   context feature       (same on every row of a request)
 *             i_<name>   item feature          (must be the same on every row of a video)
 *             req_act_<w_…|b_…>, req_beh_<…>   one fusion action per request (same on its rows)
 *             act_<w_…|b_…>, beh_<…>           one fusion action per shown item
 *   (all 14 action columns of a kind or none; behaviour defaults to the action taken.)
 * Rewards are not read: they are recomputed from the responses with the given reward weights,
 * exactly as the simulator computes them.
 *
 * `exportCsv` (csv-export.ts) writes a dataset in this layout and `importCsv` (csv-import.ts) reads
 * it back into identical training tensors. This file holds the layout: column names and the header.
 */
import { ACTION_DIM, ACTION_NAMES } from "@/lib/fusion/action";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion/tasks";
import type { ActionMode } from "@/lib/simulator/simulator-policy";
import { FLAG_FIELDS, REQUEST_COLUMNS, actionWidth, type DatasetDims } from "./format";

export const FLAG_COLUMNS = FLAG_FIELDS.map((f) => REQUEST_COLUMNS[f].name);
export const LEADING = [
  "user_id",
  "video_id",
  "time_ms",
  ...FLAG_COLUMNS,
  "play_time_ms",
  "duration_ms",
  "session_id",
  "step",
] as const;
const REQUIRED = [...LEADING, ...SCORE_NAMES];
export const FEATURE_PREFIXES = { userStatic: "u_", userSession: "s_", context: "c_", item: "i_" } as const;
export const ACTION_PREFIXES = {
  request: { taken: "req_act_", behaviour: "req_beh_" },
  candidate: { taken: "act_", behaviour: "beh_" },
} as const;

/** A rejected CSV row: `line` is 1-based and counts the header. */
export class CsvImportError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvImportError";
  }
}

export interface Layout {
  index: Map<string, number>;
  dims: DatasetDims;
  actionMode: ActionMode;
  names: { userStatic: string[]; userSession: string[]; context: string[]; item: string[] };
  featureCols: { userStatic: number[]; userSession: number[]; context: number[]; item: number[] };
  actionCols: { taken: number[]; behaviour: number[] };
}

export function parseHeader(header: string[], slate: number): Layout {
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (index.has(h)) throw new CsvImportError(1, `duplicate column ${h}`);
    index.set(h, i);
  });
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length) throw new CsvImportError(1, `missing required column(s): ${missing.join(", ")}`);
  const byPrefix = (prefix: string) => header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith(prefix));
  const features = Object.fromEntries(Object.entries(FEATURE_PREFIXES).map(([k, p]) => [k, byPrefix(p)])) as Record<
    keyof typeof FEATURE_PREFIXES,
    (readonly [string, number])[]
  >;
  const actionsOf = (prefix: string) => {
    const found = ACTION_NAMES.filter((n) => index.has(prefix + n));
    if (found.length && found.length !== ACTION_DIM)
      throw new CsvImportError(1, `columns ${prefix}*: need all of ${ACTION_NAMES.map((n) => prefix + n).join(", ")}`);
    return found.length ? ACTION_NAMES.map((n) => index.get(prefix + n) as number) : [];
  };
  const req = {
    taken: actionsOf(ACTION_PREFIXES.request.taken),
    behaviour: actionsOf(ACTION_PREFIXES.request.behaviour),
  };
  const cand = {
    taken: actionsOf(ACTION_PREFIXES.candidate.taken),
    behaviour: actionsOf(ACTION_PREFIXES.candidate.behaviour),
  };
  if (req.taken.length && cand.taken.length)
    throw new CsvImportError(1, "both per-request (req_act_*) and per-item (act_*) action columns present");
  if ((req.behaviour.length && !req.taken.length) || (cand.behaviour.length && !cand.taken.length)) {
    throw new CsvImportError(1, "behaviour action columns without the taken action columns");
  }
  const actionMode: ActionMode = req.taken.length ? "request" : cand.taken.length ? "candidate" : "none";
  const actions = actionMode === "request" ? req : cand;
  const strip = (list: (readonly [string, number])[], prefix: string) => list.map(([h]) => h.slice(prefix.length));
  return {
    index,
    actionMode,
    dims: {
      slate,
      tasks: NUM_TASKS,
      userStatic: features.userStatic.length,
      userSession: features.userSession.length,
      context: features.context.length,
      item: features.item.length,
      actionWidth: actionWidth(actionMode, slate),
    },
    names: {
      userStatic: strip(features.userStatic, FEATURE_PREFIXES.userStatic),
      userSession: strip(features.userSession, FEATURE_PREFIXES.userSession),
      context: strip(features.context, FEATURE_PREFIXES.context),
      item: strip(features.item, FEATURE_PREFIXES.item),
    },
    featureCols: {
      userStatic: features.userStatic.map(([, i]) => i),
      userSession: features.userSession.map(([, i]) => i),
      context: features.context.map(([, i]) => i),
      item: features.item.map(([, i]) => i),
    },
    actionCols: { taken: actions.taken, behaviour: actions.behaviour.length ? actions.behaviour : actions.taken },
  };
}
