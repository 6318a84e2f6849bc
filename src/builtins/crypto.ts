// Digests and HMACs of the UTF-8 bytes of strings, as lower-case hex.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { BuiltinDef } from "./builtin.ts";
import { fn, str } from "./args.ts";
import { T } from "./types.ts";

function digest(name: string, algorithm: string): BuiltinDef {
  return {
    name,
    signature: fn([T.string], T.string),
    impl: (args) => createHash(algorithm).update(str(args, 0), "utf8").digest("hex"),
  };
}

function hmac(name: string, algorithm: string): BuiltinDef {
  return {
    name,
    signature: fn([T.string, T.string], T.string),
    impl: (args) => createHmac(algorithm, Buffer.from(str(args, 1), "utf8")).update(str(args, 0), "utf8").digest("hex"),
  };
}

/** Compares two MACs in constant time (for equal lengths), so timing does not leak them. */
function hmacEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export const CRYPTO: BuiltinDef[] = [
  digest("crypto.md5", "md5"),
  digest("crypto.sha1", "sha1"),
  digest("crypto.sha256", "sha256"),
  hmac("crypto.hmac.md5", "md5"),
  hmac("crypto.hmac.sha1", "sha1"),
  hmac("crypto.hmac.sha256", "sha256"),
  hmac("crypto.hmac.sha512", "sha512"),
  {
    name: "crypto.hmac.equal",
    signature: fn([T.string, T.string], T.boolean),
    impl: (args) => hmacEqual(str(args, 0), str(args, 1)),
  },
];
