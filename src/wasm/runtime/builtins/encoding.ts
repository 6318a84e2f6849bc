// json.marshal, json.unmarshal, json.is_valid.
import { bufByte, bufNew, bufPtr, bufLen } from "../buf";
import { dumpValue, DUMP_HTML_SAFE, DUMP_JSON } from "../dump";
import { parseText } from "../parse";
import {
  arrayGet, collLen, objectKey, objectValue, objectWithCap, opa_boolean, opa_object_insert, opa_string, strLen,
  strPtr, typeOf, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, TYPE_STRING,
} from "../value";
import { bufString } from "./strings";

const MARSHAL: u32 = DUMP_JSON | DUMP_HTML_SAFE;

/** Go's encoding/json: compact, <>& escaped, and object members sorted by their key text, which
 * for a non-string key is its own JSON text. */
function marshal(b: usize, v: usize): void {
  const t = typeOf(v);
  if (t == TYPE_ARRAY || t == TYPE_SET) {
    bufByte(b, 91);
    const n = collLen(v);
    for (let i: u32 = 0; i < n; i++) {
      if (i) bufByte(b, 44);
      marshal(b, arrayGet(v, i));
    }
    bufByte(b, 93);
    return;
  }
  if (t != TYPE_OBJECT) {
    dumpValue(b, v, MARSHAL);
    return;
  }
  // Re-key by text, so that the object's own order is the order of the texts.
  const n = collLen(v);
  const byText = objectWithCap(n);
  for (let i: u32 = 0; i < n; i++) {
    let k = objectKey(v, i);
    if (typeOf(k) != TYPE_STRING) {
      const kb = bufNew(16);
      marshal(kb, k);
      k = opa_string(bufPtr(kb), bufLen(kb));
    }
    opa_object_insert(byText, k, objectValue(v, i));
  }
  bufByte(b, 123);
  for (let i: u32 = 0; i < n; i++) {
    if (i) bufByte(b, 44);
    dumpValue(b, objectKey(byText, i), MARSHAL);
    bufByte(b, 58);
    marshal(b, objectValue(byText, i));
  }
  bufByte(b, 125);
}

export function builtin_json_marshal(v: usize): usize {
  const b = bufNew(64);
  marshal(b, v);
  return bufString(b);
}

export function builtin_json_unmarshal(s: usize): usize {
  if (typeOf(s) != TYPE_STRING) return 0;
  return parseText(strPtr(s), strLen(s), false);
}

/** False, not undefined, for a non-string. */
export function builtin_json_is_valid(s: usize): usize {
  return opa_boolean(typeOf(s) == TYPE_STRING && parseText(strPtr(s), strLen(s), false) != 0);
}
