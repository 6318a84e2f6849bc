// YAML as Go's yaml.v2 reads it, for OPA's data loader (sigs.k8s.io/yaml) and yaml.unmarshal:
// YAML 1.1 (`yes` and `on` are booleans), integers read exactly (BigInt), and only the first
// document of a stream. Go's decoder reads no further, except that its scanner looks ahead into
// the start of the next document, so an error there (a tab as indentation, say) fails too.
import * as YAML from "yaml";

export const YAML_OPTIONS = { version: "1.1", intAsBigInt: true } as const;

/** A stream that does not parse: the first error (its first line, as the library words it), where it is (1-based). */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** The first document of `text` as plain JavaScript (an empty stream is null). */
export function firstYamlDocument(text: string): unknown {
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
  const first = docs[0] ?? YAML.parseDocument(text, YAML_OPTIONS);
  const next = docs[1];
  const nextStart = next?.contents?.range[0] ?? next?.range[1];
  const error = first.errors[0] ?? next?.errors.find((e) => e.pos[0] <= nextStart!);
  if (error) {
    const at = error.linePos?.[0] ?? { line: 1, col: 1 };
    throw new YamlSyntaxError(error.message.split("\n")[0]!, at.line, at.col);
  }
  return first.toJS();
}
