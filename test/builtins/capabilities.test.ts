// Warden's built-ins against OPA v1's capabilities file (../shared/opa/capabilities-v1.20.2.json,
// OPA's own): every name there must be Warden's with an equal declaration, except the gaps
// listed below. A new gap fails this test; so does closing one without taking it off the list.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinCapabilities } from "../../src/builtins/capabilities.ts";

const OPA_FILE = fileURLToPath(new URL("../../../shared/opa/capabilities-v1.20.2.json", import.meta.url));

/** OPA's compiler-internal names (rewrites of print, test cases, template strings), never written by users. */
const INTERNAL = ["internal.print", "internal.template_string", "internal.test_case"];

/** Built-ins Warden does not have yet (issue 14). */
const MISSING: string[] = [];

/** Built-ins whose declared types are looser or otherwise differ from OPA's (issue 14). */
const DIFFERENT: string[] = [];

/** A declaration in a comparable form: keys sorted, union members in one order, no doc text. */
function normal(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(normal);
  if (t === null || typeof t !== "object") return t;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(t).sort()) if (k !== "name" && k !== "description") o[k] = normal((t as Record<string, unknown>)[k]);
  if (o.type === "any" && Array.isArray(o.of)) o.of = o.of.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as unknown);
  return o;
}

const present = existsSync(OPA_FILE);
const suite = present ? describe : describe.skip;

suite(present ? "capabilities against OPA v1.20.2" : `capabilities against OPA v1.20.2 (skipped: ${OPA_FILE} is absent; ../shared is not beside the checkout)`, () => {
  const opa = ((present ? JSON.parse(readFileSync(OPA_FILE, "utf8")) : { builtins: [] }) as { builtins: { name: string; decl: unknown; deprecated?: boolean }[] }).builtins;
  const mine = new Map(builtinCapabilities().map((b) => [b.name, b]));

  it("has every built-in of OPA's list but the listed gaps", () => {
    const missing = opa.map((b) => b.name).filter((n) => !mine.has(n) && !INTERNAL.includes(n));
    expect(missing).toEqual(MISSING);
  });

  it("declares each one as OPA does, but the listed differences", () => {
    const differ = opa.filter((b) => mine.has(b.name) && JSON.stringify(normal(b.decl)) !== JSON.stringify(normal(mine.get(b.name)!.decl)));
    expect(differ.map((b) => b.name)).toEqual(DIFFERENT);
  });

  it("marks the deprecated ones as OPA does (callable from v0 modules only)", () => {
    const deprecated = (list: { name: string; deprecated?: boolean }[]) => list.filter((b) => b.deprecated).map((b) => b.name).sort();
    expect(deprecated([...mine.values()])).toEqual(deprecated(opa));
  });

  it("has no built-in OPA does not", () => {
    const names = new Set(opa.map((b) => b.name));
    expect([...mine.keys()].filter((n) => !names.has(n))).toEqual([]);
  });
});
