/**
 * Percentages as forms show and read them: a fraction 0.125 is the text "12.5", and what a person
 * types ("12.5", "12,5") goes back to 0.125. Empty or unreadable text is NaN, which the zod rules
 * then name next to the field.
 */
export const percentText = (x: number | null | undefined): string =>
  x === null || x === undefined ? "" : String(Math.round(x * 10000) / 100);

export const fraction = (text: string): number =>
  text.trim() === "" ? NaN : Number(text.trim().replace(",", ".")) / 100;
