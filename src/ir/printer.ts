// Renders plan IR as indented text, for debugging and `warden plan`.
import type { Block, Operand, Policy, Stmt } from "./ir.ts";

export function printPolicy(p: Policy): string {
  const out: string[] = [];
  const op = (o: Operand): string =>
    o.kind === "local" ? `l${o.local}` : o.kind === "bool" ? String(o.value) : JSON.stringify(p.strings[o.index]);
  const block = (b: Block, depth: number): void => {
    out.push(`${"  ".repeat(depth)}block`);
    for (const s of b.stmts) stmt(s, depth + 1);
  };
  const stmt = (s: Stmt, d: number): void => {
    const pad = "  ".repeat(d);
    switch (s.type) {
      case "block":
        out.push(`${pad}BlockStmt`);
        s.blocks.forEach((b) => block(b, d + 1));
        return;
      case "scan":
        out.push(`${pad}ScanStmt l${s.source} key=l${s.key} value=l${s.value}`);
        block(s.block, d + 1);
        return;
      default: {
        const fields = Object.entries(s)
          .filter(([k]) => k !== "type" && k !== "loc")
          .map(([k, v]) => `${k}=${format(v)}`);
        out.push(`${pad}${s.type} ${fields.join(" ")}`);
      }
    }
  };
  const format = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(format).join(", ")}]`;
    if (v && typeof v === "object" && "kind" in v) return op(v as Operand);
    return typeof v === "string" ? v : JSON.stringify(v);
  };
  for (const f of p.funcs) {
    out.push(`func ${f.name}(${f.params.map((l) => `l${l}`).join(", ")}) -> l${f.result}`);
    f.blocks.forEach((b) => block(b, 1));
  }
  for (const pl of p.plans) {
    out.push(`plan ${pl.name}`);
    pl.blocks.forEach((b) => block(b, 1));
  }
  return out.join("\n");
}
