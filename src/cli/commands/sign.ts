import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { SIGNING_HELP, SIGNING_OPTIONS, bundleCommand, readBundleArg, signOptionsFrom, writeFileAtomic } from "../bundle-options.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { signBundle } from "../../bundle/sign.ts";

export const sign: Command = {
  summary: "sign a bundle (OPA-compatible .signatures.json)",
  usage: `warden sign BUNDLE --signing-key KEY [--signing-alg ALG] [--key-id ID] [--scope S] [--claims-file F] [-o OUT] [--json]

Adds (or replaces) /.signatures.json: one JWT whose payload lists every file of the bundle
with its SHA-256 (JSON and YAML data and the manifest hashed in OPA's canonical form), as
OPA's bundle signing specifies. Writes OUT (default: BUNDLE itself, replaced atomically).
--json prints {"output", "algorithm", "key_id", "scope"}.

${SIGNING_HELP}`,
  options: { ...SIGNING_OPTIONS, output: { type: "string", short: "o" }, ...JSON_OPTION },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length !== 1) throw new UsageError("sign needs exactly one BUNDLE");
      const opts = signOptionsFrom(v);
      if (!opts) throw new UsageError("sign needs --signing-key");
      const bytes = readBundleArg(rest[0], "sign");
      readBundle(bytes); // refuse to sign a malformed bundle
      const out = (v.output as string | undefined) ?? rest[0]!;
      writeFileAtomic(out, await signBundle(bytes, opts));
      if (v.json) {
        console.log(JSON.stringify({ output: out, algorithm: opts.algorithm, key_id: opts.keyId ?? null, scope: opts.scope ?? null }));
        return 0;
      }
      console.log(`${out}: signed (${opts.algorithm}${opts.keyId ? `, key id ${opts.keyId}` : ""}${opts.scope ? `, scope ${opts.scope}` : ""})`);
      return 0;
    }),
};
