// `# METADATA` comment blocks: the comment lines right after `# METADATA` hold YAML that
// annotates the package or rule that follows the block.
import { parseDocument } from "yaml";
import type { Annotation, Comment, Location, Package, Rule } from "./ast.ts";
import { RegoError } from "../errors.ts";

const SCOPES: ReadonlySet<string> = new Set(["rule", "document", "package", "subpackages"]);

interface MetadataBlock {
  loc: Location;
  /** The comments after the `# METADATA` line, one per YAML line. */
  lines: Comment[];
}

/**
 * Parses the module's metadata blocks and attaches each one to the package or rule that starts
 * after it (setting its `annotations`). Returns every annotation, in source order, and the errors.
 */
export function attachAnnotations(
  comments: Comment[],
  pkg: Package,
  rules: Rule[],
): { annotations: Annotation[]; errors: RegoError[] } {
  const annotations: Annotation[] = [];
  const errors: RegoError[] = [];
  const targets: (Package | Rule)[] = [pkg, ...rules];
  let next = 0;
  for (const block of metadataBlocks(comments)) {
    const endRow = block.lines.length > 0 ? block.lines[block.lines.length - 1]!.loc.row : block.loc.row;
    while (next < targets.length && targets[next]!.loc.row <= endRow) next++;
    const target = targets[next];
    try {
      const annotation = parseBlock(block, target === pkg ? "package" : "rule");
      if (target) checkScope(annotation, target === pkg ? "package" : "rule");
      if (target) target.annotations = annotation;
      annotations.push(annotation);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      errors.push(e);
    }
  }
  return { annotations, errors };
}

/** Groups comments into blocks: a `# METADATA` line and the column-1 comments on the lines below. */
function metadataBlocks(comments: Comment[]): MetadataBlock[] {
  const blocks: MetadataBlock[] = [];
  let current: MetadataBlock | null = null;
  let prevRow = 0;
  for (const c of comments) {
    if (current && c.loc.row === prevRow + 1 && c.loc.col === 1) {
      current.lines.push(c);
    } else if (c.text.trim().startsWith("METADATA")) {
      current = { loc: c.loc, lines: [] };
      blocks.push(current);
    } else {
      current = null;
    }
    prevRow = c.loc.row;
  }
  return blocks;
}

function parseBlock(block: MetadataBlock, defaultScope: Annotation["scope"]): Annotation {
  // `# title: x` is written with a space after `#`; that space is not part of the YAML.
  const text = block.lines.map((c) => (c.text.startsWith(" ") ? c.text.slice(1) : c.text)).join("\n");
  if (text.trim() === "") throw new RegoError("rego_parse_error", "expected METADATA block, found whitespace", block.loc);
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0].line ?? 1;
    const loc = block.lines[Math.min(line, block.lines.length) - 1]?.loc ?? block.loc;
    throw new RegoError("rego_parse_error", `invalid METADATA block: ${yamlReason(yamlError.message)}`, loc);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // Alias errors (unknown anchors, too many expansions) surface only when converting.
    throw new RegoError("rego_parse_error", `invalid METADATA block: ${(e as Error).message}`, block.loc);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new RegoError("rego_parse_error", "invalid METADATA block: expected a YAML mapping", block.loc);
  }
  const record = data as Record<string, unknown>;
  const scope = record.scope ?? defaultScope;
  if (typeof scope !== "string" || !SCOPES.has(scope)) {
    throw new RegoError(
      "rego_parse_error",
      `invalid annotation scope '${String(scope)}'. Use one of 'rule', 'document', 'package' or 'subpackages'`,
      block.loc,
    );
  }
  return { loc: block.loc, scope: scope as Annotation["scope"], data: record };
}

/** `package`/`subpackages` annotations belong before a package, `rule`/`document` ones before a rule. */
function checkScope(a: Annotation, target: "package" | "rule"): void {
  const wanted = a.scope === "package" || a.scope === "subpackages" ? "package" : "rule";
  if (wanted !== target) {
    throw new RegoError(
      "rego_parse_error",
      `annotation scope '${a.scope}' must be applied to ${wanted} (have ${target})`,
      a.loc,
    );
  }
}

/** The YAML library's reason, without its excerpt and its position (given as the error's location). */
function yamlReason(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
