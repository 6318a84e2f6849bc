// Generates a large policy of realistic rule shapes, for compile-time benchmarks.

/** About `lines` lines of Rego in one package, mixing every common rule shape. */
export function generatePolicy(lines: number): string {
  const out = ["package generated", "", "import rego.v1", ""];
  for (let i = 0; out.length < lines; i++) {
    switch (i % 6) {
      case 0:
        out.push(`allow_${i} if {`, `\tinput.user.role == "role_${i % 13}"`, `\tinput.action in {"read", "list"}`, `\tnot deny_${i - (i % 6) + 1}`, "}", "");
        break;
      case 1:
        out.push(`deny_${i} if {`, `\tsome r in input.resources`, `\tr.owner != input.user.name`, `\tcount(r.tags) > ${i % 5}`, "}", "");
        break;
      case 2:
        out.push(`names_${i} contains name if {`, `\tsome item in data.items_${i % 7}`, `\tname := lower(item.name)`, `\tstartswith(name, "n${i % 10}")`, "}", "");
        break;
      case 3:
        out.push(`limits_${i}[k] := v if {`, `\tsome k, v in data.limits`, `\tv > ${i}`, "}", "");
        break;
      case 4:
        out.push(`score_${i}(x) := y if {`, `\ty := (x * ${i % 9}) + ${i}`, "}", "", `total_${i} := sum([score_${i}(n) | some n in input.values])`, "");
        break;
      case 5:
        out.push(`level_${i} := "high" if input.amount > ${i * 10}`, `else := "medium" if input.amount > ${i}`, `else := "low"`, "");
        break;
    }
  }
  return out.join("\n");
}
