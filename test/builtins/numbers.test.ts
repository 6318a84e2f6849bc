import { describe, expect, it } from "vitest";
import { call, context, failure, n, set, text } from "./call.ts";

describe("arithmetic", () => {
  it("adds, subtracts and multiplies exactly", () => {
    expect(text("plus", 49649733057, 1)).toBe("49649733058");
    expect(text("plus", 0.1, 0.2)).toBe("0.3");
    expect(text("minus", 1, 3)).toBe("-2");
    expect(text("mul", 1.1, 1.1)).toBe("1.21");
    expect(text("mul", 2.5, 2)).toBe("5");
  });

  it("keeps big integers exact", () => {
    expect(text("plus", n("9007199254740993"), 1)).toBe("9007199254740994");
    expect(text("mul", n("123456789123456789"), 1000)).toBe("123456789123456789000");
    expect(text("minus", n("28857836529306024611913"), n("28857836529306024611912"))).toBe("1");
  });

  it("divides, failing on zero", () => {
    expect(text("div", 7, 2)).toBe("3.5");
    expect(text("div", 6, 3)).toBe("2");
    expect(text("div", 0.3, 0.1)).toBe("3");
    expect(text("div", 1, 3)).toBe("0.3333333333333333");
    expect(failure("div", 1, 0)).toBe("eval_builtin_error: divide by zero");
  });

  it("takes remainders of integers only", () => {
    expect(text("rem", 7, 4)).toBe("3");
    expect(text("rem", -7, 4)).toBe("-3");
    expect(failure("rem", 7, 0)).toBe("eval_builtin_error: modulo by zero");
    expect(failure("rem", 1.1, 1)).toBe("eval_builtin_error: modulo on floating-point number");
  });

  it("reports operand types", () => {
    expect(failure("plus", "a", 1)).toBe("eval_type_error: operand 1 must be number but got string");
    expect(failure("mul", 1, null)).toBe("eval_type_error: operand 2 must be number but got null");
  });
});

describe("minus on sets", () => {
  it("is set difference", () => {
    expect(text("minus", set(1, 2, 3, 4), set(1, 3))).toBe("{2, 4}");
  });

  it("names the operand that does not match the first", () => {
    expect(failure("minus", set(1), 1)).toBe("eval_type_error: operand 2 must be set but got number");
    expect(failure("minus", 1, set(1))).toBe("eval_type_error: operand 2 must be number but got set");
    expect(failure("minus", "a", 1)).toBe("eval_type_error: operand 1 must be one of {number, set} but got string");
  });
});

describe("rounding", () => {
  it("rounds halves away from zero", () => {
    expect(text("round", 2.5)).toBe("3");
    expect(text("round", -2.5)).toBe("-3");
    expect(text("round", 1.4)).toBe("1");
  });

  it("takes ceilings, floors and absolute values", () => {
    expect(text("ceil", 1.01)).toBe("2");
    expect(text("ceil", -1.99999)).toBe("-1");
    expect(text("floor", -1.001)).toBe("-2");
    expect(text("floor", 99.99999)).toBe("99");
    expect(text("abs", -10)).toBe("10");
    expect(text("abs", n("-123456789123456789123"))).toBe("123456789123456789123");
  });
});

describe("numbers.range", () => {
  it("counts up or down, inclusively", () => {
    expect(text("numbers.range", 1, 4)).toBe("[1, 2, 3, 4]");
    expect(text("numbers.range", 2, -1)).toBe("[2, 1, 0, -1]");
    expect(text("numbers.range_step", 0, 10, 4)).toBe("[0, 4, 8]");
    expect(text("numbers.range_step", 10, 0, 4)).toBe("[10, 6, 2]");
  });

  it("wants integers and a positive step", () => {
    expect(failure("numbers.range", 1.5, 2)).toBe("eval_type_error: operand 1 must be integer number but got floating-point number");
    expect(failure("numbers.range", "1", 2)).toBe("eval_type_error: operand 1 must be integer but got string");
    expect(failure("numbers.range_step", 1, 2, 0)).toBe("eval_builtin_error: step must be a positive integer");
    expect(failure("numbers.range_step", 0, 10, -2)).toBe("eval_builtin_error: step must be a positive integer");
  });
});

describe("rand.intn", () => {
  it("is in range and the same for the same arguments within an evaluation", () => {
    const ctx = context();
    const a = call("rand.intn", ["x", 10], ctx) as number;
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(10);
    expect(call("rand.intn", ["x", 10], ctx)).toBe(a);
    expect(call("rand.intn", ["x", 0], ctx)).toBe(0);
  });
});
