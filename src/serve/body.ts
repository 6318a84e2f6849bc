// Request bodies as the service reads them: strict JSON and the inbox's forms. A body is refused
// (400 input_invalid, audited by the error handler) rather than read as something it does not say:
// - bytes that are not UTF-8 (decoding would silently turn them into U+FFFD);
// - JSON nested deeper than MAX_DEPTH (canonical hashing, schema checks and the evaluator recurse:
//   100 000 levels would overflow the stack in whichever runs first, each failing differently);
// - an object with a key twice (JSON.parse keeps the last; a proxy, a log or the approver's view
//   may keep the first: the approver would see one amount and the governor decide another);
// - numbers JSON.parse cannot hold as written: overflow to ±Infinity (1e400), and integers beyond
//   ±(2^53 - 1) that come back as another integer (RFC 7493, I-JSON).
// Prototype keys (__proto__, constructor.prototype) stay refused by fastify's own parser, which
// this one hands the text to once it has passed.
import { isUtf8 } from "node:buffer";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpRefusal } from "./errors.ts";

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_DEPTH = 64;

const invalid = (message: string) => new HttpRefusal(400, "input_invalid", message);

function utf8(buf: Buffer): string {
  if (!isUtf8(buf)) throw invalid("the body is not valid UTF-8");
  return buf.toString("utf8");
}

/**
 * One linear pass over JSON text: the nesting depth and each object's keys (escapes decoded, so
 * "on" and "\u006fn" are the same key). Syntax is left to JSON.parse, which runs after.
 */
export function checkStructure(text: string): void {
  const stack: (Set<string> | undefined)[] = []; // a Set of keys per object, undefined per array
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (keyNext && keys) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          throw invalid("the body is not JSON: a malformed string");
        }
        if (keys.has(key)) throw invalid(`the body is ambiguous: duplicate key ${JSON.stringify(key.slice(0, 64))} in one object`);
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      stack.push(c === "{" ? new Set() : undefined);
      if (stack.length > MAX_DEPTH) throw invalid(`the body nests arrays and objects deeper than ${MAX_DEPTH} levels`);
      keyNext = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
      keyNext = false;
    } else if (c === ",") {
      keyNext = stack[stack.length - 1] !== undefined;
    }
  }
}

/** Refuses numbers that did not survive parsing as written (depth is bounded, so recursion is too). */
function checkNumbers(v: unknown, path: string): void {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw invalid(`${path || "/"}: a number too large for JSON (it overflows to ${v})`);
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw invalid(`${path || "/"}: an integer beyond ±(2^53 - 1) is not exact once parsed`);
  } else if (Array.isArray(v)) v.forEach((x, i) => checkNumbers(x, `${path}/${i}`));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) checkNumbers(x, `${path}/${k}`);
}

/** Replaces fastify's JSON and text parsers with the strict one, and parses the inbox's forms (on /inbox only). */
export function registerBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req: FastifyRequest, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8(body);
      checkStructure(text);
    } catch (e) {
      return done(e as Error, undefined);
    }
    json(req, text, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      try {
        checkNumbers(value, "");
      } catch (e) {
        return done(e as Error, undefined);
      }
      done(null, value);
    });
  });
  // The inbox's forms: a plain object of strings. Not for the JSON API, whose bodies are JSON only.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer" }, (req: FastifyRequest, body: Buffer, done) => {
    if (!req.url.startsWith("/inbox")) return done(new HttpRefusal(415, "unsupported_media_type", "the API takes application/json bodies only"), undefined);
    try {
      done(null, Object.fromEntries(new URLSearchParams(utf8(body))));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
