import { BUCKET_COUNT } from "@/lib/assignment";

export interface BarSegment {
  start: number;
  end: number;
  /** Null: free. */
  label: string | null;
  color?: string;
  /** Hatched: planned (a draft) or the edit being previewed. */
  pattern?: "planned" | "conflict";
}

export const PALETTE = [
  "#3b5bdb",
  "#e8590c",
  "#2b8a3e",
  "#ae3ec9",
  "#1098ad",
  "#f08c00",
  "#c2255c",
  "#5c940d",
  "#364fc7",
  "#d9480f",
];

/** The same colour for an experiment on every bar and page (derived from its key). */
export function colorFor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/**
 * The 10,000-bucket bar: consecutive segments, each as wide as its share, labelled with its owner
 * and range (title and screen-reader list), free ones left light.
 */
export function BucketBar({
  segments,
  label,
  size = BUCKET_COUNT,
  legend = true,
  freeLabel = "free",
}: {
  segments: BarSegment[];
  label: string;
  size?: number;
  legend?: boolean;
  /** What unowned space means here: "free" buckets of a layer, or users "not in the experiment". */
  freeLabel?: string;
}) {
  const owners = [...new Map(segments.filter((s) => s.label).map((s) => [s.label!, s])).values()];
  return (
    <figure className="bucket-figure">
      <div
        className="bucket-bar"
        role="img"
        aria-label={`${label}: ${segments.map((s) => `${s.label ?? freeLabel} ${s.start}–${s.end}`).join(", ")}`}
      >
        {segments
          .filter((s) => s.end > s.start)
          .map((s) => ({ ...s, percent: ((s.end - s.start) / size) * 100 }))
          .map((s) => (
            <div
              key={`${s.start}-${s.end}-${s.label}`}
              className={`bucket-seg ${s.label ? "" : "free"} ${s.pattern ?? ""}`}
              style={{
                width: `${s.percent}%`,
                background: s.label && !s.pattern ? s.color : undefined,
                color: s.color,
              }}
              title={`${s.label ?? freeLabel}: buckets ${s.start}–${s.end} (${s.percent.toFixed(1)}%)`}
            />
          ))}
      </div>
      <div className="bucket-scale" aria-hidden>
        <span>0</span>
        <span>{size / 2}</span>
        <span>{size}</span>
      </div>
      {legend && (
        <figcaption className="legend">
          {owners.map((o) => (
            <span key={o.label} className="legend-item">
              <span
                className={`swatch ${o.pattern ?? ""}`}
                style={{ background: o.pattern ? undefined : o.color, color: o.color }}
              />
              {o.label}
            </span>
          ))}
          {segments.some((s) => !s.label) && (
            <span className="legend-item">
              <span className="swatch free" /> {freeLabel}
            </span>
          )}
        </figcaption>
      )}
    </figure>
  );
}
