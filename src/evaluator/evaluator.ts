// The in-process evaluator: loads a bundle (file, bytes or the bundle store), verifies its
// signature, and evaluates its entrypoints through the stock @open-policy-agent/opa-wasm SDK.
// Every decision is stamped with the bundle's revision (the policy version) and an id, carries its
// timings, and records what made it non-deterministic so that it can be replayed exactly.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadBundle as readAndVerify, openStore, type Bundle, type VerifiedSignature, type VerifyOptions } from "../bundle/index.ts";
import { DEFAULT_BUDGET, type Budget, type ErrorCode } from "../errors.ts";
import { validate, validatorFor, type SchemaName } from "../schemas/validate.ts";
import { DEFAULT_MAX_MEMORY_BYTES, instantiateModule, sdkError, type WardenInstance } from "../wasm/sdk.ts";
import { DEFAULT_INPUT_LIMITS, InputRefused, inputText, type InputLimits } from "./input.ts";
import { writeInputJSON } from "./input-bytes.ts";
import { contextOf, freshRecord, type Recorded } from "./nondeterminism.ts";
import type { BuiltinContext } from "../builtins/builtin.ts";
import { BUILTINS } from "../builtins/registry.ts";

export type BundleSource = { file: string } | { bytes: Uint8Array } | { store: string; revision: string };

export interface LoadOptions {
  /** How to check the bundle's signature. Required unless allowUnsigned. */
  verification?: VerifyOptions;
  /** Load a bundle without checking any signature. Only for development and tests. */
  allowUnsigned?: boolean;
  /** Inputs must fit this schema (a schema of schemas/ by name, or a JSON Schema); overrides the bundle's own. */
  inputSchema?: SchemaName | object;
  /** Data laid over the bundle's data, such as an operator's kill switch. */
  dataOverlay?: Record<string, unknown>;
  /**
   * What each evaluation may do: steps (loop iterations and calls), elements and characters one
   * built-in may produce. Over it, the evaluation fails with `eval_budget_exceeded` and the
   * evaluator serves the next one. Defaults: DEFAULT_BUDGET (src/errors.ts).
   */
  budget?: Partial<Budget>;
  /** The largest WebAssembly memory of a loaded module, in bytes (default 256 MiB). */
  maxMemoryBytes?: number;
  /**
   * Inputs larger or deeper than this are refused (`input_invalid`) before evaluation, as are
   * non-finite numbers. Defaults: DEFAULT_INPUT_LIMITS (8 MiB of JSON, depth 64, 100,000 keys).
   */
  inputLimits?: Partial<InputLimits>;
}

export interface EvaluateOptions {
  decisionId?: string;
  /** The clock and seed to evaluate with: recorded ones on replay, fresh ones otherwise. */
  recorded?: Recorded;
}

export interface Decision {
  /** The entrypoint's value; absent when it is undefined for this input. */
  result?: unknown;
  revision: string;
  decision_id: string;
  entrypoint: string;
  recorded: Recorded;
  /** Milliseconds spent validating the input, evaluating, and in all. */
  timings: { validate_ms: number; eval_ms: number; total_ms: number };
}

export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode | "input_invalid" | "unknown_entrypoint" | "bundle_unverified" | "bundle_invalid" | "eval_abort",
  ) {
    super(message);
  }
}

/** One loaded, verified bundle: its modules instantiated and its data set. Immutable once built. */
export interface LoadedBundle {
  bundle: Bundle;
  revision: string;
  signature?: VerifiedSignature;
  entrypoints: string[];
  evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions): Decision;
}

/** Reads a bundle's bytes from where the caller says it is. */
export async function bundleBytes(source: BundleSource): Promise<Uint8Array> {
  if ("bytes" in source) return source.bytes;
  if ("file" in source) return readFileSync(source.file);
  return openStore(source.store).get(source.revision);
}

/** Loads, verifies and instantiates a bundle. Throws on a bad signature or a malformed bundle. */
export async function loadBundle(source: BundleSource, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const bytes = await bundleBytes(source);
  if (!opts.verification && !opts.allowUnsigned) {
    throw new EvaluationError(
      "refusing to load a bundle without verifying its signature: pass a verification key, or allow unsigned bundles explicitly",
      "bundle_unverified",
    );
  }
  const { signature, ...bundle } = await readAndVerify(bytes, opts.verification ? { verification: opts.verification } : { allowUnsigned: true });
  return instantiate(bundle, signature, opts);
}

/** Instantiates a bundle's modules with its data (and the overlay) set. */
export async function instantiate(bundle: Bundle, signature: VerifiedSignature | undefined, opts: LoadOptions): Promise<LoadedBundle> {
  if (bundle.wasm.length === 0) throw new EvaluationError("the bundle holds no policy.wasm module", "bundle_invalid");
  const checkInput = inputValidator(bundle, opts.inputSchema);
  const data = overlay(bundle.data, opts.dataOverlay ?? {});
  const budget: Budget = { ...DEFAULT_BUDGET, ...opts.budget };
  const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, ...opts.inputLimits };
  const withBudget = (c: BuiltinContext): BuiltinContext => ({ ...c, budget });

  // One instance per module; each entrypoint evaluates in the module that holds it. Every
  // built-in of the shared library is offered to the SDK, so answers match the IR interpreter.
  // The context is built only if a host built-in asks for it (most decisions call none).
  let recording: Recorded | undefined;
  let context: BuiltinContext | undefined;
  const currentContext = (): BuiltinContext => {
    if (recording === undefined) return withBudget(contextOf(freshRecord())); // outside an evaluation
    return (context ??= withBudget(contextOf(recording)));
  };
  // Where ordinary inputs are written as JSON bytes before the driver copies them into a module
  // (larger ones take the exact path); free again once an evaluation has started.
  const scratch = new Uint8Array(64 * 1024);
  // Per entrypoint: its module, and its id there when the module takes the thin driver.
  const modules = new Map<string, { name: string; instance: WardenInstance; id: number | undefined }>();
  for (const w of bundle.wasm) {
    let instance: WardenInstance;
    try {
      instance = await instantiateModule(w.bytes, {
        builtins: [...BUILTINS.keys()],
        context: currentContext,
        maxMemoryBytes: opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES,
      });
      instance.setStepLimit(budget.steps);
      instance.policy.setData(data);
    } catch (e) {
      const rego = sdkError(e);
      if (rego) throw new EvaluationError(`loading the bundle: ${rego.message}`, rego.code);
      throw e;
    }
    const ids = (instance.policy as unknown as { entrypoints: Record<string, number> }).entrypoints;
    for (const e of w.entrypoints) modules.set(e, { name: e, instance, id: instance.evaluateJSON && Object.hasOwn(ids, e) ? ids[e] : undefined });
  }

  return {
    bundle,
    revision: bundle.revision,
    signature,
    entrypoints: bundle.entrypoints,
    evaluate(entrypoint, input, eo = {}) {
      const t0 = performance.now();
      const module = modules.get(entrypoint.includes(".") ? entrypointName(entrypoint) : entrypoint);
      if (!module) throw new EvaluationError(`unknown entrypoint ${entrypoint}: the bundle has ${bundle.entrypoints.join(", ")}`, "unknown_entrypoint");
      const { instance, id } = module;
      // The input's JSON: written as bytes in one walk where the driver takes them and the input
      // is ordinary, else encoded (and any refusal worded) by the exact path.
      const written = id !== undefined && input ? writeInputJSON(input, limits, scratch) : -1;
      let text: string | Uint8Array | undefined;
      if (written >= 0) text = scratch.subarray(0, written);
      else {
        try {
          text = inputText(input, limits);
        } catch (e) {
          if (e instanceof InputRefused) throw new EvaluationError(e.message, "input_invalid");
          throw e;
        }
      }
      checkInput(input);
      const t1 = performance.now();
      const recorded = eo.recorded ?? freshRecord();
      recording = recorded;
      context = undefined;
      let results: { result?: unknown }[];
      try {
        // The thin driver where the module has ABI 1.2 or later (every Warden module, OPA's of
        // that ABI), else the SDK's own path with the same JSON text.
        if (id !== undefined) results = instance.evaluateJSON!(id, text) as { result?: unknown }[];
        else results = instance.policy.evaluate(typeof text === "string" ? new TextEncoder().encode(text).buffer : input, module.name) as { result?: unknown }[];
      } catch (e) {
        throw asEvaluationError(e, instance);
      } finally {
        recording = context = undefined;
      }
      const t2 = performance.now();
      const decision: Decision = {
        revision: bundle.revision,
        decision_id: eo.decisionId ?? randomUUID(),
        entrypoint: module.name,
        recorded,
        timings: { validate_ms: t1 - t0, eval_ms: t2 - t1, total_ms: t2 - t0 },
      };
      if (results.length > 0 && "result" in results[0]!) decision.result = results[0]!.result;
      return decision;
    },
  };
}

/**
 * An evaluator that can move to a new revision while in use: each evaluation runs wholly on the
 * bundle that was active when it started; `swap` loads and verifies the new one before switching.
 */
export class Evaluator {
  private constructor(
    private active: LoadedBundle,
    private readonly opts: LoadOptions,
  ) {}

  static async load(source: BundleSource, opts: LoadOptions = {}): Promise<Evaluator> {
    return new Evaluator(await loadBundle(source, opts), opts);
  }

  get revision(): string {
    return this.active.revision;
  }

  get bundle(): LoadedBundle {
    return this.active;
  }

  evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions): Decision {
    return this.active.evaluate(entrypoint, input, opts);
  }

  /** Loads a new revision (verified like the first) and makes it active; returns the previous one. */
  async swap(source: BundleSource, opts: Partial<LoadOptions> = {}): Promise<LoadedBundle> {
    const next = await loadBundle(source, { ...this.opts, ...opts });
    const previous = this.active;
    this.active = next;
    return previous;
  }

  /** Reloads the active bundle with a new data overlay (the kill switch, say). */
  async setOverlay(dataOverlay: Record<string, unknown>): Promise<void> {
    this.opts.dataOverlay = dataOverlay;
    this.active = await instantiate(this.active.bundle, this.active.signature, this.opts);
  }
}

/** `data.a.b` and `a.b` name the entrypoint `a/b`. */
function entrypointName(entrypoint: string): string {
  return entrypoint.replace(/^data\./, "").replaceAll(".", "/");
}

function inputValidator(bundle: Bundle, schema: LoadOptions["inputSchema"]): (input: unknown) => void {
  const wrap = (check: (v: unknown) => void) => (v: unknown) => {
    try {
      check(v);
    } catch (e) {
      throw new EvaluationError((e as Error).message, "input_invalid");
    }
  };
  if (typeof schema === "string") return wrap((v) => validate(schema, v));
  if (schema) return wrap(validatorFor(schema, "input"));
  const path = (bundle.manifest.metadata as { input_schema?: unknown } | undefined)?.input_schema;
  if (typeof path === "string") {
    const file = bundle.files.get(path.replace(/^\//, ""));
    if (!file) throw new EvaluationError(`the manifest names input schema ${path}, which the bundle does not hold`, "bundle_invalid");
    return wrap(validatorFor(JSON.parse(new TextDecoder().decode(file)), "input"));
  }
  return () => {};
}

function overlay(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(top)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? overlay(b, v) : v;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What the SDK threw, coded by the adapter (src/wasm/sdk.ts); anything else is an `eval_abort`. */
function asEvaluationError(e: unknown, instance: WardenInstance): Error {
  const rego = sdkError(e, instance);
  if (rego) return new EvaluationError(rego.message, rego.code);
  return new EvaluationError(typeof e === "string" ? e : (e as Error).message, "eval_abort");
}
