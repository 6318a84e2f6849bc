// Runs the CLI in this process and captures what it prints: console.log and stdout as `out`,
// console.error and stderr as `err`, with the exit code main() returns.
import { vi } from "vitest";
import { main } from "../src/cli/main.ts";

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  vi.spyOn(console, "log").mockImplementation((...a) => void (out += a.join(" ") + "\n"));
  vi.spyOn(console, "error").mockImplementation((...a) => void (err += a.join(" ") + "\n"));
  try {
    return { code: await main(args), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}
