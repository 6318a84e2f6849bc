// The API reference of the package's entries, generated from the sources' doc comments:
// `npm run docs` writes docs/api/ (git-ignored). test/package/api-docs.test.ts runs it with
// warnings treated as errors, so an exported symbol whose type is not exported fails the tests.
import { OptionDefaults } from "typedoc";

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  entryPoints: ["src/index.ts", "src/compiler.ts", "src/integrations/ai-sdk.ts", "src/integrations/openai-agents.ts", "src/integrations/mcp.ts"],
  tsconfig: "tsconfig.build.json",
  out: "docs/api",
  name: "Warden",
  readme: "none",
  excludePrivate: true,
  excludeInternal: true,
  // No git remote to link to from a packed or CI checkout.
  disableSources: true,
  // json-schema-to-typescript writes the schemas' bounds as tags in src/schemas/types.ts.
  blockTags: [...OptionDefaults.blockTags, "@minItems", "@maxItems"],
  // The compiler's syntax tree and plan IR, and the store's SQL plumbing, show up in signatures
  // (parseAll, planSources, AuditLog.db) but are not a supported API: named, not documented.
  intentionallyNotExported: [
    "LocalNames", "Needs", "RuleNode", "RuleDef", "Func", "Plan",
    "Annotation", "Comment", "Import", "Package", "Rule",
    "Dialect", "Row", "TxMode",
    // The C2SP signature-type bytes behind SignatureType.
    "ED25519", "COSIGNATURE_V1",
  ],
  validation: { notExported: true, invalidLink: true, notDocumented: false },
};
