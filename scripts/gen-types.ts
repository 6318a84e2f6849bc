// Generates src/schemas/types.ts from the JSON Schemas in schemas/ (json-schema-to-typescript),
// so every type that crosses a boundary is written once, as a schema.
// `npm run gen:types` rewrites the file; `--check` exits 1 if it is stale (run by the tests).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type JSONSchema } from "json-schema-to-typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMAS = join(ROOT, "schemas");
export const TYPES_FILE = join(ROOT, "src/schemas/types.ts");

/** The generated TypeScript for every schema in schemas/, each type declared once. */
export async function generateTypes(): Promise<string> {
  const files = readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")).sort();
  // One root that references every schema: shared definitions come out once, not per file.
  const root: JSONSchema = {
    title: "WardenSchemas",
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(files.map((f) => [f.replace(/\.schema\.json$/, ""), { $ref: f }])),
  };
  const ts = await compile(root, "WardenSchemas", {
    cwd: SCHEMAS,
    bannerComment: "// Generated from schemas/*.schema.json by scripts/gen-types.ts. Do not edit: run `npm run gen:types`.",
    format: false,
    unreachableDefinitions: true,
  });
  return ts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ts = await generateTypes();
  if (process.argv.includes("--check")) {
    const current = readFileSync(TYPES_FILE, "utf8");
    if (current !== ts) {
      console.error("src/schemas/types.ts is stale: run `npm run gen:types`");
      process.exit(1);
    }
  } else {
    writeFileSync(TYPES_FILE, ts);
    console.log(`wrote ${TYPES_FILE}`);
  }
}
