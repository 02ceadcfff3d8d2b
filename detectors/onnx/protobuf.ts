// Minimal protobuf wire format: enough to write and read ONNX models without a
// protobuf package. The writer keeps chunks and copies once at the end, so a
// model with megabytes of weights is not copied per nesting level; the reader
// hands out subarrays, so skipping or reading an initializer copies nothing.

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  get length(): number {
    return this.size + this.scratch.length;
  }

  /** Unsigned or negative int64 (negatives take 10 bytes, as int64 does on the wire). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.varint);
    return this.rawVarint(value);
  }

  fixed32Float(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.raw(b);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.bytes);
    this.rawVarint(value.length);
    return this.raw(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message: built in its own writer so its length is known, then spliced in without copying. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    inner.flush();
    this.tag(field, WireType.bytes);
    this.rawVarint(inner.length);
    this.flush();
    for (const c of inner.chunks) this.chunks.push(c);
    this.size += inner.size;
    return this;
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, b);
  }

  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]!);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) {
      this.scratch.push(Number(v));
      return this;
    }
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.scratch.push(Number(v));
    return this;
  }

  private raw(b: Uint8Array): this {
    this.flush();
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.size += this.scratch.length;
    this.scratch = [];
  }
}

export class ProtoReader {
  pos = 0;

  constructor(private readonly buf: Uint8Array, private readonly what = 'message') {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Next field's number and wire type; call only when not `done`. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) this.fail('field number 0');
    return { field, wire };
  }

  /** A varint as a number (exact up to 2^53); 10-byte negative int64 come back negative. */
  varint(): number {
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  varintBig(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Length-delimited payload as a view into the buffer (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.buf.length) this.fail(`length ${len} runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    try {
      return utf8Decoder.decode(this.bytes());
    } catch (err) {
      return this.fail(`invalid UTF-8 string (${(err as Error).message})`);
    }
  }

  fixed32Float(): number {
    if (this.pos + 4 > this.buf.length) this.fail('truncated fixed32');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** Repeated floats, packed (one bytes field) or not (one fixed32 per field). */
  floats(wire: number): number[] {
    if (wire === WireType.fixed32) return [this.fixed32Float()];
    if (wire !== WireType.bytes) this.fail(`wire type ${wire} for a float`);
    const b = this.bytes();
    if (b.length % 4 !== 0) this.fail('packed floats not a multiple of 4 bytes');
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    return Array.from({ length: b.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
  }

  /** Repeated int64, packed or not. */
  varints(wire: number): number[] {
    if (wire === WireType.varint) return [this.varint()];
    if (wire !== WireType.bytes) this.fail(`wire type ${wire} for an integer`);
    const inner = new ProtoReader(this.bytes(), this.what);
    const out: number[] = [];
    while (!inner.done) out.push(inner.varint());
    return out;
  }

  skip(wire: number): void {
    if (wire === WireType.varint) this.varintBig();
    else if (wire === WireType.bytes) this.bytes();
    else if (wire === WireType.fixed32 || wire === WireType.fixed64) {
      const n = wire === WireType.fixed32 ? 4 : 8;
      if (this.pos + n > this.buf.length) this.fail('truncated fixed field');
      this.pos += n;
    } else this.fail(`unsupported wire type ${wire}`);
  }

  private fail(why: string): never {
    throw new Error(`malformed protobuf ${this.what} at byte ${this.pos}: ${why}`);
  }
}
