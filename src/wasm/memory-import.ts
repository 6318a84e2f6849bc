// The smallest size (in 64 KiB pages) of the memory a module imports, read from its binary: the
// JS API does not tell it, and the memory the host provides must be at least that large or
// WebAssembly.instantiate refuses it. A policy's data segments (its string constants) decide it,
// so a large policy needs more than the SDK's default few pages.

/** A cursor over a module's bytes, reading what the import section holds. */
class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error("truncated WebAssembly module");
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 number (the binary format's u32). */
  u32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** Limits: a flag byte (bit 0: a maximum follows; bit 2: 64-bit), the minimum, the maximum. */
  limits(): number {
    const flags = this.byte();
    const min = this.u32();
    if (flags & 1) this.u32();
    return min;
  }
}

const IMPORT_SECTION = 2;
const enum ImportKind {
  Func = 0,
  Table = 1,
  Memory = 2,
  Global = 3,
  Tag = 4,
}

/** The minimum pages of the module's imported memory, or undefined when it imports none. */
export function importedMemoryPages(wasm: Uint8Array): number | undefined {
  const r = new Reader(wasm);
  r.skip(8); // magic and version
  while (r.pos < wasm.length) {
    const id = r.byte();
    const size = r.u32();
    if (id !== IMPORT_SECTION) {
      r.skip(size);
      continue;
    }
    return memoryOfImports(r);
  }
  return undefined;
}

function memoryOfImports(r: Reader): number | undefined {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    r.skip(r.u32()); // module name
    r.skip(r.u32()); // field name
    switch (r.byte() as ImportKind) {
      case ImportKind.Func:
        r.u32();
        break;
      case ImportKind.Table:
        r.byte();
        r.limits();
        break;
      case ImportKind.Memory:
        return r.limits();
      case ImportKind.Global:
        r.skip(2);
        break;
      case ImportKind.Tag:
        r.byte();
        r.u32();
        break;
      default:
        throw new Error("unknown import kind in WebAssembly module");
    }
  }
  return undefined;
}
