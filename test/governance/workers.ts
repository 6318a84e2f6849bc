// Worker processes over a shared store (fixtures/worker.ts), for races and crashes across processes.
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./fixtures/worker.ts", import.meta.url));

export class Worker {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (results: string[]) => void>();
  private next = 0;
  readonly ready: Promise<void>;

  constructor(store: string, bundleFile: string, stateDir: string, opts: { stdout?: (line: string) => void } = {}) {
    this.child = fork(SCRIPT, [store, bundleFile, stateDir], { execArgv: ["--import", "tsx"], stdio: ["ignore", opts.stdout ? "pipe" : "inherit", "inherit", "ipc"] });
    if (opts.stdout) {
      let rest = "";
      this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const l of lines) opts.stdout!(l);
      });
    }
    this.ready = new Promise((resolve, reject) => {
      this.child.once("exit", (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it was ready`)));
      this.child.on("message", (m: { ready?: boolean; id?: number; results?: string[] }) => {
        if (m.ready) resolve();
        else this.waiting.get(m.id!)?.(m.results!);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call(op: Record<string, unknown>): Promise<string[]> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...op, id });
    });
  }

  /** Starts the crash loop (never answers). */
  loop(): void {
    this.child.send({ op: "loop", id: -1 });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.disconnect();
    });
  }
}

/** Writes bundle bytes where workers can load them. */
export function bundleFile(dir: string, bytes: Uint8Array): string {
  const file = join(dir, "bundle.tar.gz");
  writeFileSync(file, bytes);
  return file;
}
