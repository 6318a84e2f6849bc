// semver.is_valid and semver.compare on SemVer 2.0.0 as OPA's current cases pin it: major, minor
// and patch, and numeric pre-release identifiers, have no leading zero; a `-` or `+` is followed
// by at least one identifier; identifiers are [0-9A-Za-z-] runs separated by dots (build
// metadata may keep leading zeros). Earlier OPA releases (coreos/go-semver) accepted leading zeros.
import type { Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, str } from "./args.ts";
import { goQuote } from "./gofmt.ts";
import { T } from "./types.ts";

interface Version {
  core: [bigint, bigint, bigint];
  pre: string[];
}

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const NUMBER = /^(0|[1-9][0-9]*)$/;
/** A numeric identifier with a leading zero (`01`); `0alpha` is alphanumeric and fine. */
const LEADING_ZERO = /^0[0-9]+$/;

function parseVersion(s: string): Version | undefined {
  const plus = s.indexOf("+");
  const metadata = plus < 0 ? "" : s.slice(plus + 1);
  const rest = plus < 0 ? s : s.slice(0, plus);
  const dash = rest.indexOf("-");
  const pre = dash < 0 ? "" : rest.slice(dash + 1);
  const parts = (dash < 0 ? rest : rest.slice(0, dash)).split(".");
  if (parts.length !== 3 || !parts.every((p) => NUMBER.test(p) && BigInt(p) < 1n << 63n)) return undefined;
  if ((dash >= 0 && !IDENTIFIERS.test(pre)) || (plus >= 0 && !IDENTIFIERS.test(metadata))) return undefined;
  const identifiers = pre === "" ? [] : pre.split(".");
  if (identifiers.some((id) => LEADING_ZERO.test(id))) return undefined;
  return { core: parts.map((p) => BigInt(p)) as Version["core"], pre: identifiers };
}

const sign = (n: number | bigint) => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Semver precedence: core numbers, then a pre-release sorts before the release itself. */
function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return sign(a.core[i]! - b.core[i]!);
  if (a.pre.length === 0 || b.pre.length === 0) return sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = compareIdentifiers(a.pre[i]!, b.pre[i]!);
    if (c !== 0) return c;
  }
  return sign(a.pre.length - b.pre.length);
}

/** Numeric identifiers compare as numbers and sort before alphanumeric ones. */
function compareIdentifiers(x: string, y: string): number {
  const xn = /^[0-9]+$/.test(x);
  const yn = /^[0-9]+$/.test(y);
  if (xn && yn) return sign(BigInt(x) - BigInt(y));
  if (xn !== yn) return xn ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function version(args: Value[], i: number): Version {
  const s = str(args, i);
  const v = parseVersion(s);
  // OPA formats the operand as a Rego string, quoted.
  if (v === undefined) throw builtinError(`operand ${i + 1}: string ${goQuote(s)} is not a valid SemVer`);
  return v;
}

export const SEMVER: BuiltinDef[] = [
  {
    name: "semver.is_valid",
    signature: fn([T.any], T.boolean),
    impl: ([v]) => typeof v === "string" && parseVersion(v) !== undefined,
  },
  {
    name: "semver.compare",
    signature: fn([T.string, T.string], T.number),
    impl: (args) => {
      const a = version(args, 0);
      return compareVersions(a, version(args, 1));
    },
  },
];
