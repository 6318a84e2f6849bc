import { UsageError, type Command } from "../command.ts";
import { openEvaluator, openGovernor } from "../../governance/deployment.ts";
import { createService } from "../../serve/server.ts";
import { TracingUnavailable } from "../../serve/trace.ts";
import { ServeConfigError, serveSettings } from "../../serve/config.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom } from "../governance.ts";

const USAGE = `warden serve [--host H] [--port N] [--no-clock] [--no-inbox] [--json]

The decision and approval service over the deployment: OPA's Data API (POST /v1/data/{path}),
AuthZEN 1.0 (POST /access/v1/evaluation, /evaluations), governed actions for remote agents
(/v1/actions...), approvals (/v1/approvals..., waited on by long-poll or server-sent events), the
notify queue, the kill switch, the audit trail (verification, records, checkpoint, proofs,
receipts), the principals directory, GET /health and GET /metrics, and the approver inbox at
/inbox. Every route but /health needs a bearer token: an API token (warden tokens issue) or a JWT
verified against the configured JWKS. Approvals escalate and expire on the service's own clock; webhooks are told.

  --host H      the address to bind (default 127.0.0.1, or serve.host in warden.yaml)
  --port N      the port (default 8181, or serve.port; 0: any free port)
  --no-clock    do not run the escalation clock here (another instance runs it)
  --no-inbox    do not serve the approver inbox
  --json        print {"url": ...} as one JSON line once listening

warden.yaml may hold a serve: mapping: host, port, body_limit, rate_limit, sign_in_limit (inbox
sign-ins a minute per address, 10), unauthenticated_limit (requests without a valid credential
audited one by one a second per address, 5; beyond, 429 and one summary record each 10 s), max_wait_seconds, max_waiters (long-polls and event streams
open at once per principal, 16), max_running (remote actions an agent started and has not
reported, 256), request_timeout_seconds (to send a whole request, 30), jwks_file | jwks_url with jwt_issuer,
jwt_audience, jwt_claim; clock_interval_seconds, warn_before_minutes, public_url, webhooks:
[{url, secret_env | secret_file, format: warden|slack}]; checkpoint_key_file (warden audit keygen)
to sign the tree head GET /v1/audit/checkpoint serves; tracing: true for OpenTelemetry spans
(per request and per governed decision) through the provider the process registers.

Runs until SIGINT or SIGTERM (exit 0). Exit 2 for usage and config errors.

${DEPLOYMENT_HELP}`;

export const serve: Command = {
  summary: "run the decision and approval service (HTTP API and approver inbox)",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, host: { type: "string" }, port: { type: "string" }, "no-clock": { type: "boolean" }, "no-inbox": { type: "boolean" }, json: { type: "boolean" } },
  async run(v, positionals) {
    if (positionals.length) throw new UsageError(`serve: unexpected argument ${JSON.stringify(positionals[0])}`);
    const d = deploymentFrom(v);
    checkStoreExists(d.store);
    let settings;
    try {
      settings = serveSettings(d.serve ?? {});
    } catch (e) {
      if (e instanceof ServeConfigError) throw new UsageError(e.message);
      throw e;
    }
    const port = v.port !== undefined ? Number(v.port) : settings.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: ${String(v.port)} is not a port`);
    const host = (v.host as string | undefined) ?? settings.host;
    const evaluator = await openEvaluator(d);
    const governor = await openGovernor(d, { evaluator });
    let service;
    try {
      service = await createService({
        governor,
        evaluator,
        ...(d.entrypoint !== undefined ? { entrypoint: d.entrypoint } : {}),
        bodyLimit: settings.bodyLimit,
        rateLimit: settings.rateLimit,
        signInLimit: settings.signInLimit,
        unauthenticatedLimit: settings.unauthenticatedLimit,
        tracing: settings.tracing,
        maxWaitMs: settings.maxWaitMs,
        maxWaiters: settings.maxWaiters,
        maxRunning: settings.maxRunning,
        requestTimeoutMs: settings.requestTimeoutMs,
        ...(settings.jwt ? { jwt: settings.jwt } : {}),
        ...(settings.checkpointSigner ? { checkpointSigner: settings.checkpointSigner } : {}),
        clock: v["no-clock"] ? false : settings.clock,
        inbox: !v["no-inbox"],
      });
    } catch (e) {
      await governor.dispose();
      if (e instanceof TracingUnavailable) throw new UsageError(`serve: ${e.message}`);
      throw e;
    }
    let url: string;
    try {
      url = await service.app.listen({ host, port });
    } catch (e) {
      await service.close();
      await governor.dispose();
      throw new UsageError(`serve: cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    console.log(v.json ? JSON.stringify({ url, revision: governor.revision }) : `warden serve: listening on ${url} (revision ${governor.revision}); inbox at ${url}/inbox`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await service.close();
    await governor.dispose();
    return 0;
  },
};
