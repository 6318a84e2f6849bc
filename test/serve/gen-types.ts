// Generates src/serve/types.ts from schemas/serve/*.schema.json with the project's
// json-schema-to-typescript setup (the options of scripts/gen-types.ts), so the service's request
// types are written once, as schemas. `npx tsx test/serve/gen-types.ts` rewrites the file;
// test/serve/types.test.ts fails when it is stale.
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type JSONSchema } from "json-schema-to-typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCHEMAS = join(ROOT, "schemas", "serve");
export const SERVE_TYPES_FILE = join(ROOT, "src/serve/types.ts");

export async function generateServeTypes(): Promise<string> {
  const files = readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json")).sort();
  const root: JSONSchema = {
    title: "ServeSchemas",
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(files.map((f) => [f.replace(/\.schema\.json$/, ""), { $ref: f }])),
  };
  return compile(root, "ServeSchemas", {
    cwd: SCHEMAS,
    bannerComment: "// Generated from schemas/serve/*.schema.json by test/serve/gen-types.ts. Do not edit: run `npx tsx test/serve/gen-types.ts`.",
    format: false,
    unreachableDefinitions: true,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(SERVE_TYPES_FILE, await generateServeTypes());
  console.log(`wrote ${SERVE_TYPES_FILE}`);
}
