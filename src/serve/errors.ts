// The service's own refusals (the governor's are GovernanceRefusal / ApprovalError): a status,
// a stable code and a message; the error handler in server.ts sends them as {code, message} and
// audits each.
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A refusal already counted into a summary record (unauthenticated.ts): not audited on its own. */
export class CountedRefusal extends HttpRefusal {}
