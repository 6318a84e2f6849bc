#!/usr/bin/env node
// The `warden` command: runs the TypeScript CLI through tsx, so `npm install` is the whole setup.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
