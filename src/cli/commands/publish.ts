import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, human, readBundleArg, verifyOptionsFrom } from "../bundle-options.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { openStore } from "../../bundle/store.ts";
import { verifyFiles } from "../../bundle/verify.ts";

export const publish: Command = {
  summary: "store a bundle by revision in a bundle store (never overwrites)",
  usage: `warden publish BUNDLE [--store DIR] [--verification-key KEY ...] [--json]

Copies BUNDLE to DIR/<revision>.tar.gz (default DIR: bundles/) and records it in
DIR/index.json with its entrypoints, signer key id, size and publish time. The manifest's
revision must be the bundle's content hash. Publishing the same bytes again does nothing;
other bytes under a stored revision are refused: stored bundles are never replaced.
With --verification-key, the signature is verified first. --json prints {"added", "revision",
"path", "size", "signed", "signer"}.

${VERIFY_HELP}`,
  options: { store: { type: "string" }, ...VERIFY_OPTIONS, ...JSON_OPTION },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length !== 1) throw new UsageError("publish needs exactly one BUNDLE");
      const bytes = readBundleArg(rest[0], "publish");
      const opts = verifyOptionsFrom(v);
      if (opts) await verifyFiles(readBundle(bytes).files, opts);
      const store = openStore((v.store as string | undefined) ?? "bundles");
      const { entry, added } = store.put(bytes);
      if (v.json) {
        console.log(JSON.stringify({ added, revision: entry.revision, path: `${store.dir}/${entry.revision}.tar.gz`, size: entry.size, signed: entry.signed, signer: entry.signer ?? null }));
        return 0;
      }
      console.log(`${added ? "published" : "already published"}: ${store.dir}/${entry.revision}.tar.gz (${human(entry.size)}${entry.signed ? `, signed${entry.signer ? ` by ${entry.signer}` : ""}` : ", unsigned"})`);
      return 0;
    }),
};
