// providers.aws.sign_req: SigV4 signatures (checked against OPA's in test/rego-cases/builtins-aws)
// and the operand checks OPA makes before signing.
import { describe, expect, it } from "vitest";
import { toJSON } from "../../src/values/value.ts";
import { call, failure } from "./call.ts";

const config = { aws_access_key: "AK", aws_secret_access_key: "SK", aws_service: "execute-api", aws_region: "eu-west-1" };
const T0 = 1451311705000000000;

describe("providers.aws.sign_req", () => {
  it("adds no content hash header outside s3 and glacier, and keeps the request's other keys", () => {
    const r = toJSON(call("providers.aws.sign_req", [{ method: "POST", url: "https://api.example.com/a%20b?x=1", raw_body: "{}", headers: { "User-Agent": "t", n: 1 } }, config, T0])!) as Record<string, Record<string, string>>;
    expect(r.raw_body).toBe("{}");
    expect(Object.keys(r.headers!).sort()).toEqual(["Authorization", "User-Agent", "host", "n", "x-amz-date"]);
    expect(r.headers!.n).toBe(""); // a non-string header value is signed and returned as ""
    expect(r.headers!.Authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AK\/20151228\/eu-west-1\/execute-api\/aws4_request,SignedHeaders=host;n;x-amz-date,Signature=[0-9a-f]{64}$/);
  });

  it("changes the signature with the instant, the path and the secret", () => {
    const sig = (req: object, cfg: object, t: number) => (toJSON(call("providers.aws.sign_req", [req, cfg, t])!) as { headers: { Authorization: string } }).headers.Authorization;
    const base = sig({ method: "GET", url: "https://h/p" }, config, T0);
    expect(sig({ method: "GET", url: "https://h/p" }, config, T0 + 1e9)).not.toBe(base);
    expect(sig({ method: "GET", url: "https://h/q" }, config, T0)).not.toBe(base);
    expect(sig({ method: "GET", url: "https://h/p" }, { ...config, aws_secret_access_key: "other" }, T0)).not.toBe(base);
  });

  it("checks its operands as OPA does", () => {
    const req = { method: "GET", url: "https://h/" };
    expect(failure("providers.aws.sign_req", "x", config, T0)).toBe("eval_type_error: operand 1 must be object but got string");
    expect(failure("providers.aws.sign_req", req, { ...config, aws_region: 1 }, T0)).toBe('eval_type_error: operand 2 invalid values for required AWS config parameters(s): {"aws_region"}');
    expect(failure("providers.aws.sign_req", req, config, 1.5)).toBe("eval_type_error: operand 3 could not convert time_ns value into a unix timestamp");
    expect(failure("providers.aws.sign_req", { url: "https://h/" }, config, T0)).toBe('eval_type_error: operand 1 missing required request parameters(s): {"method"}');
    expect(failure("providers.aws.sign_req", { ...req, bogus: 1 }, config, T0)).toBe('eval_type_error: operand 1 invalid request parameters(s): {"bogus"}');
    expect(failure("providers.aws.sign_req", { ...req, headers: "x" }, config, T0)).toBe("eval_type_error: operand 0 must be object but got string");
    expect(failure("providers.aws.sign_req", { ...req, method: 1 }, config, T0)).toBe('eval_type_error: operand 1 invalid values for required request parameters(s): {"method"}');
    expect(failure("providers.aws.sign_req", { ...req, url: "http://h:x/" }, config, T0)).toBe('eval_builtin_error: parse "http://h:x/": invalid port');
    expect(failure("providers.aws.sign_req", req, { ...config, disable_payload_signing: "yes" }, T0)).toBe("eval_type_error: operand 2 invalid value for 'disable_payload_signing' in AWS config");
  });
});
