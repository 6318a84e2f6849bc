// The evaluator's fast input writer against the exact path: it writes exactly JSON.stringify's
// UTF-8 bytes or declines, it writes every ordinary input within the limits, and it never takes
// an input the exact path would refuse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeInputJSON } from "../../src/evaluator/input-bytes.ts";
import { DEFAULT_INPUT_LIMITS, inputText, InputRefused, type InputLimits } from "../../src/evaluator/input.ts";

const buffer = new Uint8Array(1 << 20);
const written = (v: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS) => {
  const n = writeInputJSON(v, limits, buffer);
  return n < 0 ? undefined : Buffer.from(buffer.subarray(0, n)).toString("utf8");
};
/** What the exact path makes of `v`: its text, or "refused". */
const exact = (v: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS) => {
  try {
    return inputText(v, limits);
  } catch (e) {
    if (e instanceof InputRefused) return "refused";
    throw e;
  }
};

// Strings of every kind: ASCII, escapes, controls, non-BMP characters, lone surrogates.
const anyString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom("\"", "\\", "\u0000", "\u001f", "\u007f", "é", "\ud800", "\udc00", "𝄞", "\u2028") }));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    anyString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie("v"), { maxLength: 5 }),
    fc.dictionary(anyString, tie("v"), { maxKeys: 5 }),
  ),
})).v;

describe("the fast input writer", () => {
  it("writes JSON.stringify's bytes, or declines, for any value", () => {
    fc.assert(
      fc.property(value, (v) => {
        if (!v) return;
        const w = written(v);
        const e = exact(v);
        if (w !== undefined) expect(w).toBe(e);
      }),
      { numRuns: 3000 },
    );
  });

  it("writes every JSON document within the limits (the exact path is the exception)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        if (!v) return;
        expect(written(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 3000 },
    );
  });

  it("declines what the exact path refuses or encodes otherwise", () => {
    class Box {
      constructor(readonly v: unknown) {}
    }
    const cases: unknown[] = [
      { n: NaN },
      [Infinity],
      { b: 1n },
      { at: new Date(0) },
      { box: new Box(1) },
      { custom: { toJSON: () => "x" } },
      Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, undefined])),
    ];
    const limits = { ...DEFAULT_INPUT_LIMITS, maxKeys: 10 };
    for (const c of cases) expect(written(c, limits)).toBeUndefined();
    // At the limits exactly: taken; one over: declined (and refused by the exact path).
    const text = JSON.stringify({ s: "x".repeat(90) });
    expect(written({ s: "x".repeat(90) }, { ...DEFAULT_INPUT_LIMITS, maxBytes: text.length })).toBe(text);
    expect(written({ s: "x".repeat(91) }, { ...DEFAULT_INPUT_LIMITS, maxBytes: text.length })).toBeUndefined();
    expect(exact({ s: "x".repeat(91) }, { ...DEFAULT_INPUT_LIMITS, maxBytes: text.length })).toBe("refused");
    // Depth: taken up to the depth the exact path takes, declined beyond it.
    for (const levels of [63, 64, 65]) {
      let nested: unknown = 1;
      for (let i = 0; i < levels; i++) nested = i % 2 ? [nested] : { d: nested };
      const e = exact(nested);
      expect(written(nested)).toBe(e === "refused" ? undefined : e);
      expect(e === "refused").toBe(levels > 64);
    }
    // An input larger than the buffer is left to the exact path.
    expect(writeInputJSON({ s: "y".repeat(buffer.length) }, DEFAULT_INPUT_LIMITS, buffer)).toBe(-1);
  });

  it("declines while Object.prototype has an enumerable key (for-in would list it)", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      expect(written({ a: 1 })).toBeUndefined();
      expect(exact({ a: 1 })).toBe('{"a":1}');
    } finally {
      delete proto.polluted;
    }
    expect(written({ a: 1 })).toBe('{"a":1}');
  });
});
