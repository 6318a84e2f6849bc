// src/serve/types.ts is generated from schemas/serve (test/serve/gen-types.ts) and must not be stale.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { generateServeTypes, SERVE_TYPES_FILE } from "./gen-types.ts";

it("src/serve/types.ts is what schemas/serve generate (npx tsx test/serve/gen-types.ts)", async () => {
  expect(readFileSync(SERVE_TYPES_FILE, "utf8")).toBe(await generateServeTypes());
});
