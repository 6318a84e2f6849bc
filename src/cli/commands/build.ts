import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { packFiles } from "../../bundle/archive.ts";
import { SIGNING_HELP, SIGNING_OPTIONS, bundleCommand, human, signOptionsFrom, writeFileAtomic } from "../bundle-options.ts";
import { signBundleFiles } from "../../bundle/sign.ts";
import { V0_OPTION, regoVersionOf } from "../files.ts";

export const build: Command = {
  summary: "build a bundle (.tar.gz with policy.wasm, data, sources), optionally signed",
  usage: `warden build [DIR...] [-e ENTRYPOINT]... [-o FILE] [--bundle-dir] [signing options]

Compiles the .rego files under DIR (default: policy/; _test.rego files are left out) to one
WebAssembly module and writes an OPA-format bundle: /.manifest, /data.json (every data.json
and data.yaml under DIR merged at its directory's path), /policy.wasm and the sources at their
paths relative to DIR. Entrypoints (authz/allow or data.authz.allow) come from -e and from
rules annotated \`# METADATA\` with \`entrypoint: true\`.

The manifest's revision is the bundle's content hash: SHA-256 over the lines
"<path>\\0<sha256 of the file>\\n", sorted by path, of every file but .manifest and
.signatures.json. Builds are deterministic: same sources, same revision, same bytes.

options:
  -e, --entrypoint E   an entrypoint (repeatable)
  -o, --output FILE    where to write (default bundle.tar.gz)
  --json               print {"output", "revision", "entrypoints", "files", "size", "signed"}
  --bundle-dir         write the bundle unpacked into the directory -o names (which must be
                       empty or absent) instead of a .tar.gz
  --v0-compatible      read the policies as Rego v0 (the manifest says rego_version 0)
  -t, --target wasm    the only target (accepted for opa build's command line)

${SIGNING_HELP}

The first build compiles the WebAssembly runtime (about 40 s, cached under build/).`,
  options: {
    entrypoint: { type: "string", short: "e", multiple: true },
    output: { type: "string", short: "o" },
    "bundle-dir": { type: "boolean" },
    target: { type: "string", short: "t" },
    ...V0_OPTION,
    ...SIGNING_OPTIONS,
    ...JSON_OPTION,
  },
  run: (v, paths) =>
    bundleCommand(async () => {
      const target = (v.target as string | undefined) ?? "wasm";
      if (target !== "wasm") throw new UsageError(`unsupported target ${JSON.stringify(target)}: Warden builds wasm bundles (-t wasm)`);
      const sign = signOptionsFrom(v);
      const out = (v.output as string | undefined) ?? (v["bundle-dir"] ? "bundle" : "bundle.tar.gz");
      if (v["bundle-dir"] && existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--bundle-dir: ${out} is not empty`);
      // Loaded here, not at startup: the compiler pulls in binaryen, which other commands do without.
      const { buildBundle } = await import("../../bundle/build.ts");
      const r = await buildBundle({
        paths,
        entrypoints: (v.entrypoint as string[] | undefined) ?? [],
        progress: (m) => console.error(`warden: ${m}`),
        regoVersion: regoVersionOf(v),
      });
      const files = sign ? await signBundleFiles(r.files, sign) : r.files;
      let size: number;
      if (v["bundle-dir"]) {
        size = 0;
        for (const [name, bytes] of files) {
          mkdirSync(dirname(join(out, name)), { recursive: true });
          writeFileSync(join(out, name), bytes);
          size += bytes.length;
        }
      } else {
        const bytes = packFiles(files);
        writeFileAtomic(out, bytes);
        size = bytes.length;
      }
      if (v.json) {
        console.log(JSON.stringify({ output: out, revision: r.revision, entrypoints: r.entrypoints, files: files.size, size, signed: sign !== undefined }));
        return 0;
      }
      console.log(`${out}: revision ${r.revision}, ${r.entrypoints.length} entrypoint(s) (${r.entrypoints.join(", ")}), ${files.size} files, ${human(size)}${sign ? ", signed" : ""}`);
      return 0;
    }),
};
