// providers.aws.sign_req: AWS Signature Version 4 over an http.send-style request object, as OPA
// signs it (its internal/providers/aws): the request comes back with its headers plus
// Authorization, host, x-amz-date, x-amz-content-sha256 (s3 and glacier) and
// x-amz-security-token (session credentials). Operand checks and messages follow OPA's.
import { createHash, createHmac } from "node:crypto";
import { ObjectValue, isNumber, toBigInt, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { STRING_OBJECT, ANY_OBJECT, builtinError, fn, operandError, typeError } from "./args.ts";
import { marshal } from "./jsontext.ts";
import { T } from "./types.ts";
import { URLError, escapedPath, parseURL } from "./uri.ts";

const REQUIRED_CONFIG = ["aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"];

/** The request keys http.send accepts; sign_req checks its request as http.send would. */
const REQUEST_KEYS = new Set([
  "body", "cache", "caching_mode", "cache_ignored_headers", "enable_redirect", "force_cache", "force_cache_duration_seconds",
  "force_json_decode", "force_yaml_decode", "headers", "max_retry_attempts", "method", "raise_error", "raw_body", "timeout",
  "tls_ca_cert", "tls_ca_cert_env_variable", "tls_ca_cert_file", "tls_client_cert", "tls_client_cert_env_variable",
  "tls_client_cert_file", "tls_client_key", "tls_client_key_env_variable", "tls_client_key_file", "tls_insecure_skip_verify",
  "tls_server_name", "tls_use_system_certs", "url",
]);

/** Headers a proxy may change on the way, left out of the signature as AWS's SDK does. */
const IGNORED_HEADERS = new Set(["authorization", "user-agent", "x-amzn-trace-id"]);

/** Go's %v of a set of strings: `{"a", "b"}`, sorted. */
const setText = (xs: string[]): string => `{${[...xs].sort().map((x) => JSON.stringify(x)).join(", ")}}`;

const stringOf = (v: Value | undefined): string => (typeof v === "string" ? v : "");

function keysOf(o: ObjectValue): string[] {
  return o.keys().filter((k): k is string => typeof k === "string");
}

function checkConfig(config: ObjectValue): void {
  const keys = new Set(keysOf(config));
  const missing = REQUIRED_CONFIG.filter((k) => !keys.has(k));
  if (missing.length > 0) throw operandError(2, `missing required AWS config parameters(s): ${setText(missing)}`);
  const invalid = REQUIRED_CONFIG.filter((k) => typeof config.get(k) !== "string");
  if (invalid.length > 0) throw operandError(2, `invalid values for required AWS config parameters(s): ${setText(invalid)}`);
}

function checkRequest(req: ObjectValue): void {
  const keys = keysOf(req);
  const missing = ["method", "url"].filter((k) => !keys.includes(k));
  if (missing.length > 0) throw operandError(1, `missing required request parameters(s): ${setText(missing)}`);
  const invalid = keys.filter((k) => !REQUEST_KEYS.has(k));
  if (invalid.length > 0) throw operandError(1, `invalid request parameters(s): ${setText(invalid)}`);
}

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, message: string): Buffer => createHmac("sha256", key).update(message).digest();

/** `20151228T140825Z` and `20151228` of an instant in nanoseconds since the epoch. */
function stamps(ns: bigint): [string, string] {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n); // floor, as Go's time.Unix(0, ns)
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) throw operandError(3, "could not convert time_ns value into a unix timestamp");
  const iso = d.toISOString(); // 2015-12-28T14:08:25.000Z
  const date = iso.slice(0, 10).replaceAll("-", "");
  return [`${date}T${iso.slice(11, 19).replaceAll(":", "")}Z`, date];
}

function signRequest(args: Value[]): Value {
  const [reqV, configV, timeV] = args as [Value, Value, Value];
  if (!(reqV instanceof ObjectValue)) throw typeError(1, reqV, "object");
  if (!(configV instanceof ObjectValue)) throw typeError(1, configV, "object"); // OPA reports position 1 here too
  checkConfig(configV);
  if (!isNumber(timeV)) throw typeError(1, timeV, "number");
  const ns = toBigInt(timeV);
  // OPA takes the number's text as a Go int64; a negative instant is written -1e9 in its cases,
  // which that reading refuses, so a negative one is refused here.
  if (ns === null || ns > 2n ** 63n - 1n || ns < 0n) throw operandError(3, "could not convert time_ns value into a unix timestamp");
  checkRequest(reqV);

  const headersV = reqV.get("headers");
  if (headersV !== undefined && !(headersV instanceof ObjectValue)) throw typeError(0, headersV, "object");
  const url = reqV.get("url");
  const method = reqV.get("method");
  const badParams = [...(typeof url === "string" ? [] : ["url"]), ...(typeof method === "string" ? [] : ["method"])];
  if (badParams.length > 0) throw operandError(1, `invalid values for required request parameters(s): ${setText(badParams)}`);
  let parsed;
  try {
    parsed = parseURL(url as string);
  } catch (e) {
    if (e instanceof URLError) throw builtinError(`parse ${JSON.stringify(url)}: ${e.message}`);
    throw e;
  }

  const rawBody = reqV.get("raw_body");
  const body = rawBody !== undefined ? stringOf(rawBody) : reqV.get("body") !== undefined ? marshal(reqV.get("body")!) : "";

  const disableV = configV.get("disable_payload_signing");
  if (disableV !== undefined && typeof disableV !== "boolean") throw operandError(2, "invalid value for 'disable_payload_signing' in AWS config");
  const service = stringOf(configV.get("aws_service"));
  const region = stringOf(configV.get("aws_region"));
  const sessionToken = stringOf(configV.get("aws_session_token"));

  const contentHash = disableV === true ? "UNSIGNED-PAYLOAD" : sha256Hex(Buffer.from(body, "utf8"));
  const [amzDate, day] = stamps(ns);
  const awsHeaders = new Map<string, string>([["host", parsed.host], ["x-amz-date", amzDate]]);
  if (service === "s3" || service === "glacier") awsHeaders.set("x-amz-content-sha256", contentHash);
  if (sessionToken !== "") awsHeaders.set("x-amz-security-token", sessionToken);

  // A request header's value is its string, or "" for any other value (OPA's objectToMap).
  const requestHeaders: [string, string][] = headersV ? headersV.entries().map(([k, v]) => [stringOf(k), stringOf(v)]) : [];
  const toSign = new Map(awsHeaders);
  for (const [k, v] of requestHeaders) if (!IGNORED_HEADERS.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
  const names = [...toSign.keys()].sort();
  const signedHeaders = names.join(";");
  const canonical = [method as string, escapedPath(parsed), parsed.rawQuery, ...names.map((k) => `${k}:${toSign.get(k)}`), "", signedHeaders, contentHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSignText = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
  let key = hmac(`AWS4${stringOf(configV.get("aws_secret_access_key"))}`, day);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const signature = hmac(key, toSignText).toString("hex");

  const out = new ObjectValue();
  for (const [k, v] of reqV.entries()) if (k !== "headers") out.set(k, v);
  const headers = new ObjectValue();
  for (const [k, v] of requestHeaders) headers.set(k, v);
  headers.set("Authorization", `AWS4-HMAC-SHA256 Credential=${stringOf(configV.get("aws_access_key"))}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`);
  for (const [k, v] of awsHeaders) headers.set(k, v);
  out.set("headers", headers);
  return out;
}

export const AWS: BuiltinDef[] = [
  { name: "providers.aws.sign_req", signature: fn([STRING_OBJECT, STRING_OBJECT, T.number], ANY_OBJECT), impl: signRequest },
];
