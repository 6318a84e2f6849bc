import { UsageError, type Command } from "../command.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, readBundleArg, verifyOptionsFrom } from "../../bundle/cli.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { verifyFiles } from "../../bundle/verify.ts";

export const verify: Command = {
  summary: "verify a bundle's signature and that every file is exactly as signed",
  usage: `warden verify BUNDLE --verification-key KEY [--signing-alg ALG] [--key-id ID] [--scope S]

Checks the JWT in /.signatures.json with the key, and that the files it lists are exactly the
bundle's files with the same hashes (OPA's rules). Exit 0 when it holds; exit 1 naming each
file added, missing or changed, or the reason (no signature, wrong key, algorithm, scope).

${VERIFY_HELP}`,
  options: { ...VERIFY_OPTIONS },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length !== 1) throw new UsageError("verify needs exactly one BUNDLE");
      const opts = verifyOptionsFrom(v);
      if (!opts) throw new UsageError("verify needs --verification-key");
      const b = readBundle(readBundleArg(rest[0], "verify"));
      const sig = await verifyFiles(b.files, opts);
      console.log(
        `${rest[0]}: signature verified (${sig.algorithm}${sig.keyId ? `, key id ${sig.keyId}` : ""}${sig.scope ? `, scope ${sig.scope}` : ""}), ${sig.files.length} files, revision ${b.revision}`,
      );
      return 0;
    }),
};
