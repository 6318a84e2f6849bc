// The audit trail and the store it lives in: see log.ts (the log), chain.ts (what verify
// catches), intent.ts (intent/outcome bracketing), db.ts (the SQLite/PostgreSQL adapter).
export { AuditLog, AuditStoreError, verifyJSONL } from "./log.ts";
export type { AuditEntry, AuditLogOptions, AuditType, ListOptions, VerifyOptions, VerifyResult } from "./log.ts";
export { ChainWalker, ZERO_HASH, formatHead, parseHead, sha256 } from "./chain.ts";
export type { BadReason, BadRecord, Head, StoredRow } from "./chain.ts";
export { audited, recordIntent, recordOutcome } from "./intent.ts";
export type { IntentEntry, OutcomeFields } from "./intent.ts";
export { DEFAULT_STORE, migrate, openStore, storeURL, translatePlaceholders } from "./db.ts";
export type { Db, Dialect, Migration, OpenOptions, Queryable, Row, TxMode } from "./db.ts";
