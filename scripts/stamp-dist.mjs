// Marks dist/ as a complete build of src/ (`npm run build`): bin/warden.mjs runs dist/ only while
// no file under src/ is newer than this mark. `--clear` removes it before a build starts.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

const STAMP = new URL("../dist/.built", import.meta.url);
if (process.argv.includes("--clear")) rmSync(STAMP, { force: true });
else {
  mkdirSync(new URL("../dist/", import.meta.url), { recursive: true });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
