import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, readBundleArg, verifyOptionsFrom } from "../bundle-options.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { VerificationError, verifyFiles } from "../../bundle/verify.ts";

export const verify: Command = {
  summary: "verify a bundle's signature and that every file is exactly as signed",
  usage: `warden verify BUNDLE --verification-key KEY [--signing-alg ALG] [--key-id ID] [--scope S] [--json]

Checks the JWT in /.signatures.json with the key, and that the files it lists are exactly the
bundle's files with the same hashes (OPA's rules). Exit 0 when it holds; exit 1 naming each
file added, missing or changed, or the reason (no signature, wrong key, algorithm, scope).
--json prints {"bundle", "verified": true, "algorithm", "key_id", "scope", "files", "revision"},
or {"bundle", "verified": false, "problems": [...]} (exit 1).

${VERIFY_HELP}`,
  options: { ...VERIFY_OPTIONS, ...JSON_OPTION },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length !== 1) throw new UsageError("verify needs exactly one BUNDLE");
      const opts = verifyOptionsFrom(v);
      if (!opts) throw new UsageError("verify needs --verification-key");
      const b = readBundle(readBundleArg(rest[0], "verify"));
      if (v.json) {
        try {
          const sig = await verifyFiles(b.files, opts);
          console.log(JSON.stringify({ bundle: rest[0], verified: true, algorithm: sig.algorithm, key_id: sig.keyId ?? null, scope: sig.scope ?? null, files: sig.files.length, revision: b.revision }));
          return 0;
        } catch (e) {
          if (!(e instanceof VerificationError)) throw e;
          console.log(JSON.stringify({ bundle: rest[0], verified: false, problems: e.problems }));
          return 1;
        }
      }
      const sig = await verifyFiles(b.files, opts);
      console.log(
        `${rest[0]}: signature verified (${sig.algorithm}${sig.keyId ? `, key id ${sig.keyId}` : ""}${sig.scope ? `, scope ${sig.scope}` : ""}), ${sig.files.length} files, revision ${b.revision}`,
      );
      return 0;
    }),
};
