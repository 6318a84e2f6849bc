import { existsSync, readFileSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, human, verifyOptionsFrom } from "../bundle-options.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { hashFile, sha256Hex } from "../../bundle/hash.ts";
import { openStore } from "../../bundle/store.ts";
import { BundleError } from "../../bundle/errors.ts";
import { describeSignature, verifyFiles } from "../../bundle/verify.ts";

export const inspect: Command = {
  summary: "show a bundle's manifest, files, entrypoints and signature",
  usage: `warden inspect BUNDLE [--json] [--verification-key KEY ...]
warden inspect REVISION --store DIR

Prints the manifest, each file with its size, SHA-256 and (where it differs) OPA's canonical
signature hash, the entrypoints, and the signature: absent, present (unverified), verified
(with --verification-key) or failing (exit 1).

${VERIFY_HELP}`,
  options: { json: { type: "boolean" }, store: { type: "string" }, ...VERIFY_OPTIONS },
  run: (v, rest) =>
    bundleCommand(async () => {
      if (rest.length !== 1) throw new UsageError("inspect needs exactly one BUNDLE");
      const arg = rest[0]!;
      let bytes: Uint8Array;
      if (existsSync(arg)) bytes = new Uint8Array(readFileSync(arg));
      else if (v.store !== undefined) bytes = openStore(v.store as string).get(arg);
      else throw new UsageError(`no such file: ${arg}`);
      const b = readBundle(bytes);
      const opts = verifyOptionsFrom(v);
      let signature: Record<string, unknown>;
      let failed = false;
      if (!b.signed) signature = { status: "unsigned" };
      else {
        const d = describeSignature(b.files);
        signature = { status: "signed, not verified", algorithm: d.algorithm, key_id: d.keyId, scope: d.scope, files: d.files };
        if (opts) {
          try {
            await verifyFiles(b.files, opts);
            signature.status = "verified";
          } catch (e) {
            if (!(e instanceof BundleError)) throw e;
            signature.status = "verification failed";
            signature.error = e.message;
            failed = true;
          }
        }
      }
      const files = [...b.files].map(([name, data]) => {
        const sha256 = sha256Hex(data);
        let opa: string;
        try {
          opa = hashFile(name, data);
        } catch {
          opa = "(unhashable)";
        }
        return { name, size: data.length, sha256, ...(opa !== sha256 ? { signature_hash: opa } : {}) };
      });
      const report = {
        revision: b.revision,
        content_revision: b.contentRevision,
        revision_matches_content: b.revision === b.contentRevision,
        entrypoints: b.entrypoints,
        manifest: b.manifest,
        files,
        size: bytes.length,
        signature,
      };
      if (v.json) console.log(JSON.stringify(report, null, 2));
      else {
        console.log(`revision     ${b.revision}${b.revision === b.contentRevision ? " (content hash)" : ` (content hash is ${b.contentRevision})`}`);
        console.log(`entrypoints  ${b.entrypoints.join(", ") || "(none)"}`);
        console.log(`roots        ${b.manifest.roots.map((r) => JSON.stringify(r)).join(", ")}`);
        console.log(`size         ${human(bytes.length)}`);
        console.log(`signature    ${signature.status}${signature.algorithm ? ` (${signature.algorithm}${signature.key_id ? `, key id ${signature.key_id}` : ""}${signature.scope ? `, scope ${signature.scope}` : ""})` : ""}`);
        if (signature.error) console.log(`             ${String(signature.error).replace(/\n/g, "\n             ")}`);
        console.log("files");
        for (const f of files) console.log(`  ${String(f.size).padStart(10)}  ${f.sha256}  ${f.name}`);
        console.log(`manifest\n${JSON.stringify(b.manifest, null, 2).replace(/^/gm, "  ")}`);
      }
      return failed ? 1 : 0;
    }),
};
