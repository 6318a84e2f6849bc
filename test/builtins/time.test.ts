import { describe, expect, it } from "vitest";
import { call, context, failure, n, text } from "./call.ts";

const NOV_14_2023 = n("1700000000123456789"); // 2023-11-14T22:13:20.123456789Z, a Tuesday

describe("time", () => {
  it("returns the evaluation's clock", () => {
    expect(call("time.now_ns", [], context({ nowNs: 42n }))).toBe(42);
  });

  it("parses RFC 3339", () => {
    expect(text("time.parse_rfc3339_ns", "2017-06-02T19:00:00.000000000-07:00")).toBe("1496455200000000000");
    expect(text("time.parse_rfc3339_ns", "1970-01-01T00:00:00Z")).toBe("0");
    expect(text("time.parse_rfc3339_ns", "2020-01-01T00:00:00.123456789123Z")).toBe("1577836800123456789");
    expect(failure("time.parse_rfc3339_ns", "foo")).toBe(
      'eval_builtin_error: parsing time "foo" as "2006-01-02T15:04:05Z07:00": cannot parse "foo" as "2006"',
    );
    expect(failure("time.parse_rfc3339_ns", "2021-02-29T00:00:00Z")).toBe('eval_builtin_error: parsing time "2021-02-29T00:00:00Z": day out of range');
  });

  it("parses Go layouts", () => {
    expect(text("time.parse_ns", "2006-01-02", "2022-12-25")).toBe("1671926400000000000");
    expect(text("time.parse_ns", "01/02/06 3:04PM", "12/25/22 1:30PM")).toBe("1671975000000000000");
    expect(text("time.parse_ns", "Jan _2 2006 15:04:05.000 -0700", "Feb  7 2023 10:04:05.250 +0100")).toBe("1675760645250000000");
    expect(failure("time.parse_ns", "2006-01-02", "2022-12-25x")).toBe('eval_builtin_error: parsing time "2022-12-25x": extra text: "x"');
    expect(failure("time.parse_ns", "2006-01-02", "2022-13-01")).toBe('eval_builtin_error: parsing time "2022-13-01": month out of range');
  });

  it("parses durations", () => {
    expect(text("time.parse_duration_ns", "1h30m")).toBe("5400000000000");
    expect(text("time.parse_duration_ns", "1.5s")).toBe("1500000000");
    expect(text("time.parse_duration_ns", "-2µs")).toBe("-2000");
    expect(text("time.parse_duration_ns", "0")).toBe("0");
    expect(failure("time.parse_duration_ns", "3")).toBe('eval_builtin_error: time: missing unit in duration "3"');
    expect(failure("time.parse_duration_ns", "3x")).toBe('eval_builtin_error: time: unknown unit "x" in duration "3x"');
    expect(failure("time.parse_duration_ns", "")).toBe('eval_builtin_error: time: invalid duration ""');
  });

  it("formats in zones and layouts", () => {
    expect(text("time.format", NOV_14_2023)).toBe('"2023-11-14T22:13:20.123456789Z"');
    expect(text("time.format", [NOV_14_2023, "America/New_York"])).toBe('"2023-11-14T17:13:20.123456789-05:00"');
    expect(text("time.format", [NOV_14_2023, "Europe/Paris", "RFC1123"])).toBe('"Tue, 14 Nov 2023 23:13:20 CET"');
    expect(text("time.format", [0, "UTC", "Monday, 02-Jan-06 3:04:05.000 PM MST"])).toBe('"Thursday, 01-Jan-70 12:00:00.000 AM UTC"');
    expect(text("time.format", [-1, ""])).toBe('"1969-12-31T23:59:59.999999999Z"');
  });

  it("reads dates, clocks and weekdays", () => {
    expect(text("time.date", NOV_14_2023)).toBe("[2023, 11, 14]");
    expect(text("time.clock", [NOV_14_2023, "Asia/Kolkata"])).toBe("[3, 43, 20]");
    expect(text("time.weekday", NOV_14_2023)).toBe('"Tuesday"');
    expect(text("time.weekday", 0)).toBe('"Thursday"');
  });

  it("adds dates with Go's normalisation and takes differences", () => {
    // 2024-01-31 plus one month is "February 31", which is March 2 in a leap year.
    expect(text("time.format", n(text("time.add_date", n("1706659200000000000"), 0, 1, 0)))).toBe('"2024-03-02T00:00:00Z"');
    expect(text("time.diff", n("1700000000000000000"), 0)).toBe("[53, 10, 13, 22, 13, 20]");
    expect(text("time.diff", 0, 0)).toBe("[0, 0, 0, 0, 0, 0]");
  });

  it("rejects bad operands", () => {
    expect(failure("time.date", [0, "Foo/Bar"])).toBe("eval_builtin_error: unknown time zone Foo/Bar");
    expect(failure("time.date", "x")).toBe("eval_type_error: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string");
    expect(failure("time.date", 1.5)).toBe("eval_builtin_error: timestamp too big");
  });
});
