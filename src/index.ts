// `import … from "warden"`: what a service needs to govern its agents' actions with signed
// policy bundles. Nothing here loads the Rego compiler, binaryen or AssemblyScript: bundles are
// built by CI (`warden build`, or `warden/compiler` from code) and only loaded here.
//
//   const deployment = resolveDeployment();            // warden.yaml / .warden/deployment.json + overrides
//   const governor = await openGovernor(deployment);   // evaluator + audit store + state store
//   const outcome = await governor.execute(request, handler, { agent, resource });
//   await governor.dispose();

// The governor and how to open it from a deployment.
export { Governor, RECORD_STATE } from "./governance/governor.ts";
export type { GovernorOptions, Handler, HandlerContext, HandlerResult, ExecuteOptions, Proposal, Outcome, Mode } from "./governance/governor.ts";
export {
  openGovernor,
  openEvaluator,
  resolveDeployment,
  readDeployment,
  writeDeployment,
  findConfig,
  readConfig,
  DeploymentError,
  DEPLOYMENT_FILE,
  CONFIG_FILE,
} from "./governance/deployment.ts";
export type { Deployment, OpenGovernorOptions } from "./governance/deployment.ts";

// The directory: the only source of the roles Warden grants.
export { putPrincipal, removePrincipal, resolvePrincipal, OPERATION_ROLES } from "./governance/directory.ts";
export type { Operation } from "./governance/directory.ts";
export { GovernanceState } from "./governance/state.ts";
export type { KillSwitch, NotifyItem, StateCheck, StateMismatch, Table as StateTable, Bound } from "./governance/state.ts";
export { listIncomplete, resolveIncomplete } from "./governance/recover.ts";
export type { IncompleteAction, Resolution } from "./governance/recover.ts";
export type { Liveness, Owner } from "./governance/liveness.ts";
export { governanceReview, renderReview } from "./governance/review.ts";
export type { ReviewOptions, ReviewReport } from "./governance/review.ts";
export { renderReviewHtml } from "./report/review-html.ts";
export { impact, renderImpact } from "./report/impact.ts";
export type { Impact } from "./report/impact.ts";
export { renderImpactHtml } from "./report/impact-html.ts";

// Errors a caller branches on.
export { GovernanceError, GovernanceRefusal, TamperedState } from "./governance/errors.ts";
export type { RefusalCode } from "./governance/errors.ts";
export { ApprovalError } from "./governance/approvals.ts";
export type { ApprovalRefusal } from "./governance/approvals.ts";
export { NotifyReviewError } from "./governance/notify.ts";
export { RollbackConflict, CompensationRequired, InvalidRollbackRecord } from "./rollback/errors.ts";
export type { Difference as RollbackDifference } from "./rollback/errors.ts";
export { SchemaError } from "./schemas/validate.ts";
export { RegoError, RegoErrors } from "./errors.ts";
export type { ErrorCode, Budget } from "./errors.ts";
export type { Location } from "./syntax/ast.ts";

// The evaluator: a verified bundle in-process, decisions stamped with the revision.
export { Evaluator, EvaluationError } from "./evaluator/evaluator.ts";
export type { BundleSource, LoadOptions as EvaluatorOptions, EvaluateOptions, Decision as StampedDecision, LoadedBundle } from "./evaluator/evaluator.ts";
export { InputRefused, DEFAULT_INPUT_LIMITS } from "./evaluator/input.ts";
export type { InputLimits } from "./evaluator/input.ts";
export type { Recorded } from "./evaluator/nondeterminism.ts";

// Bundles: reading, verifying, signing, the content-addressed store.
export {
  readBundle,
  loadBundle,
  openStore as openBundleStore,
  signBundle,
  verifyFiles,
  VerificationError,
  BundleError,
  contentRevision,
} from "./bundle/index.ts";
export type { Bundle, LoadOptions as BundleLoadOptions, Store as BundleStore, StoreEntry as BundleStoreEntry, SignOptions, VerifyOptions, VerifiedSignature, ReadLimits } from "./bundle/index.ts";
export type { Manifest, WasmResolver } from "./bundle/manifest.ts";
export type { FileInfo } from "./bundle/sign.ts";

// The audit trail and its store (SQLite or PostgreSQL).
export { AuditLog, AuditStoreError, verifyJSONL, DEFAULT_STORE, storeURL } from "./audit/index.ts";
export type { AuditEntry, AuditLogOptions, AuditType, ListOptions, VerifyOptions as AuditVerifyOptions, VerifyResult } from "./audit/index.ts";
export type { BadRecord, BadReason, Head as AuditHead, StoredRow } from "./audit/chain.ts";
export type { Db, HeldLock, Queryable } from "./audit/db.ts";
export { Checkpointer } from "./audit/checkpointer.ts";
export type { CheckpointerOptions, Written as CheckpointWritten } from "./audit/checkpointer.ts";
export type { Hash } from "./audit/merkle.ts";
export type { Signer as CheckpointSigner, Verifier as CheckpointVerifier, SignatureType } from "./audit/checkpoint.ts";

// State stores: where the documents actions change live (before/after, rollback).
export { FileStateStore, MemoryStateStore } from "./rollback/index.ts";
export type { StateStore, ExternalEffect } from "./rollback/index.ts";

// Replay of audited decisions against the bundle that made them.
export { replay } from "./replay/replay.ts";
export type { ReplayOptions, ReplayReport, ReplayDifference, PathDifference, MissingRevision } from "./replay/replay.ts";

// The JSON documents at every boundary, as types generated from schemas/.
export type * from "./schemas/types.ts";
