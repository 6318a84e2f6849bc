// Entrypoints named in the policies themselves: a `# METADATA` block with `entrypoint: true`
// before a rule makes the rule's document an entrypoint (its package path plus the rule's
// ground ref, as OPA derives it); before a package, the package's document.
import type { Module } from "../syntax/ast.ts";

/** `data.a.b`, `a.b` or `/a/b/` to OPA's entrypoint form `a/b`. */
export function normalizeEntrypoint(e: string): string {
  const dotted = e.startsWith("data.") ? e.slice(5) : e === "data" ? "" : undefined;
  const parts = dotted !== undefined ? dotted.split(".") : e.includes("/") ? e.split("/") : e.split(".");
  return parts.filter((p) => p !== "").join("/");
}

/** Entrypoints annotated in the modules, in source order, each once. */
export function annotatedEntrypoints(modules: Module[]): string[] {
  const out = new Set<string>();
  for (const m of modules) {
    if (m.package.annotations?.data.entrypoint === true) out.add(m.package.path.join("/"));
    for (const r of m.rules) {
      if (r.annotations?.data.entrypoint !== true) continue;
      const path = [...m.package.path];
      for (const [i, t] of r.head.ref.entries()) {
        if (i === 0 && t.type === "var") path.push(t.name);
        else if (i > 0 && t.type === "string") path.push(t.value);
        else break;
      }
      out.add(path.join("/"));
    }
  }
  return [...out];
}
