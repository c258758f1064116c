import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeShownItems, encodeShownItems, type ShownItems } from "@/lib/serving/shown-items";

const float = fc.double({ noNaN: true, min: -1e30, max: 1e30 });
const shownItems: fc.Arbitrary<ShownItems> = fc
  .record({ n: fc.nat(40), actionDim: fc.nat(30), mode: fc.constantFrom("request", "item", "none") })
  .chain(({ n, actionDim, mode }) =>
    fc.record({
      itemIds: fc.uniqueArray(fc.string({ unit: "grapheme", maxLength: 50 }), { minLength: n, maxLength: n }),
      scores: fc.array(float, { minLength: n, maxLength: n }),
      requestAction:
        mode === "request" ? fc.array(float, { minLength: actionDim, maxLength: actionDim }) : fc.constant(null),
      itemActions:
        mode === "item" ? fc.array(float, { minLength: n * actionDim, maxLength: n * actionDim }) : fc.constant(null),
      actionDim: fc.constant(actionDim),
    }),
  );

const f32 = (a: ArrayLike<number> | null) => (a ? Array.from(a, Math.fround) : null);

describe("shown-items codec", () => {
  it("round-trips ids exactly and numbers as float32", () => {
    fc.assert(
      fc.property(shownItems, (items) => {
        const back = decodeShownItems(encodeShownItems(items));
        expect(back.itemIds).toEqual(items.itemIds);
        expect(back.actionDim).toBe(items.actionDim);
        expect(Array.from(back.scores)).toEqual(f32(items.scores));
        expect(back.requestAction && Array.from(back.requestAction)).toEqual(f32(items.requestAction));
        expect(back.itemActions && Array.from(back.itemActions)).toEqual(f32(items.itemActions));
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it("writes the documented big-endian layout (golden bytes)", () => {
    const bytes = encodeShownItems({
      itemIds: ["a", "é"],
      scores: [1, -2],
      requestAction: null,
      itemActions: [0.5, 0, 0.25, 1],
      actionDim: 2,
    });
    expect(bytes.toString("hex")).toBe(
      "01" +
        "02" +
        "0002" +
        "00000002" +
        "3f800000" +
        "c0000000" +
        "3f000000" +
        "00000000" +
        "3e800000" +
        "3f800000" +
        "0001" +
        "0002" +
        "61" +
        "c3a9",
    );
  });

  it("refuses a record that is not one", () => {
    expect(() => decodeShownItems(Buffer.from("7b7d", "hex"))).toThrow(/version-1/);
    const ok = encodeShownItems({ itemIds: ["x"], scores: [1], requestAction: [1], itemActions: null, actionDim: 1 });
    expect(() => decodeShownItems(Buffer.concat([ok, Buffer.from([0])]))).toThrow(/stray/);
    expect(() =>
      encodeShownItems({ itemIds: ["x"], scores: [1, 2], requestAction: null, itemActions: null, actionDim: 0 }),
    ).toThrow(RangeError);
  });
});
