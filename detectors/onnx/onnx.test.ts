import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelBuilder } from './builder.ts';
import { Graph, Model, StringStringEntry, Tensor, ValueInfo } from './fields.ts';
import { OnnxFormatError, parseClassNames, readOnnxIoShapes, readOnnxMetadata } from './metadata.ts';
import { ProtoReader, ProtoWriter, WireType } from './protobuf.ts';

describe('protobuf wire format', () => {
  it('round-trips varints, including 64-bit and negative int64', () => {
    const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -(2 ** 31)];
    const w = new ProtoWriter();
    values.forEach((v, i) => w.varint(i + 1, v));
    w.varint(99, 0xffff_ffff_ffff_ffffn);
    const r = new ProtoReader(w.finish());
    values.forEach((v, i) => {
      assert.deepEqual(r.tag(), { field: i + 1, wire: WireType.varint });
      assert.equal(r.varint(), v);
    });
    assert.deepEqual(r.tag(), { field: 99, wire: WireType.varint });
    assert.equal(r.varintBig(), 0xffff_ffff_ffff_ffffn);
    assert.ok(r.done);
  });

  it('round-trips strings, bytes, floats, packed and unpacked repeated fields, nested messages', () => {
    const w = new ProtoWriter()
      .string(1, '网格 A-1 ✓')
      .bytes(2, Uint8Array.from([0, 255, 7]))
      .fixed32Float(3, 0.25)
      .packedFloats(4, [1.5, -2, 3e-8])
      .packedVarints(5, [1, 300, -1])
      .varint(6, 7)
      .varint(6, 8)
      .message(7, (m) => m.string(1, 'inner').message(2, (mm) => mm.varint(1, 42)));
    const r = new ProtoReader(w.finish());
    r.tag();
    assert.equal(r.string(), '网格 A-1 ✓');
    r.tag();
    assert.deepEqual(Array.from(r.bytes()), [0, 255, 7]);
    r.tag();
    assert.equal(r.fixed32Float(), 0.25);
    assert.deepEqual(r.floats(r.tag().wire), [1.5, -2, Math.fround(3e-8)]);
    assert.deepEqual(r.varints(r.tag().wire), [1, 300, -1]);
    assert.deepEqual([r.varints(r.tag().wire), r.varints(r.tag().wire)], [[7], [8]]);
    assert.deepEqual(r.tag(), { field: 7, wire: WireType.bytes });
    const inner = new ProtoReader(r.bytes());
    inner.tag();
    assert.equal(inner.string(), 'inner');
    inner.tag();
    const innermost = new ProtoReader(inner.bytes());
    innermost.tag();
    assert.equal(innermost.varint(), 42);
    assert.ok(r.done && inner.done && innermost.done);
  });

  it('skips every wire type and refuses truncated or invalid input', () => {
    const fixed64 = Uint8Array.from([(9 << 3) | WireType.fixed64, 1, 2, 3, 4, 5, 6, 7, 8]);
    const w = new ProtoWriter().varint(1, -5).fixed32Float(2, 1).bytes(3, new Uint8Array(1000)).string(4, 'end');
    const body = w.finish();
    const buf = new Uint8Array(fixed64.length + body.length);
    buf.set(fixed64);
    buf.set(body, fixed64.length);
    const r = new ProtoReader(buf);
    for (let i = 0; i < 4; i++) r.skip(r.tag().wire);
    r.tag();
    assert.equal(r.string(), 'end');
    assert.throws(() => new ProtoReader(Uint8Array.from([0x0a, 5, 1])).bytes(), /runs past the end/);
    assert.throws(() => new ProtoReader(Uint8Array.from([0x80, 0x80])).varint(), /truncated varint/);
    assert.throws(() => new ProtoReader(Uint8Array.from([0x0b])).skip(3), /unsupported wire type 3/);
    assert.throws(() => new ProtoReader(Uint8Array.from([0x00])).tag(), /field number 0/);
  });
});

describe('ONNX model metadata and shapes', () => {
  const model = () => {
    const m = new ModelBuilder('g');
    m.graph.input('images', ['batch', 3, 64, 64]);
    m.graph.initializer('w', [4, 3, 1, 1], new Float32Array(12).fill(0.5));
    m.graph.node('Conv', ['images', 'w'], ['output0'], { kernel_shape: { ints: [1, 1] } });
    m.graph.output('output0', ['batch', 4, 64, 64]);
    return m.metadata('names', "{0: 'person'}").metadata('stride', '32');
  };

  it('reads metadata_props and the declared input/output shapes', () => {
    const bytes = model().toBytes();
    assert.deepEqual(readOnnxMetadata(bytes), { names: "{0: 'person'}", stride: '32' });
    assert.deepEqual(readOnnxIoShapes(bytes), {
      inputs: [{ name: 'images', dims: ['batch', 3, 64, 64], elemType: 'float' }],
      outputs: [{ name: 'output0', dims: ['batch', 4, 64, 64], elemType: 'float' }],
    });
  });

  it('skips big initializers and unknown fields, and drops initializers listed as inputs (IR < 4)', () => {
    const weights = new Uint8Array(8_000_000);
    const valueInfo = (name: string) => (v: ProtoWriter) => v.string(ValueInfo.name, name);
    const bytes = new ProtoWriter()
      .message(Model.metadataProps, (e) => e.string(StringStringEntry.key, 'a').string(StringStringEntry.value, '1'))
      .varint(Model.irVersion, 3)
      .fixed32Float(99, 1)
      .message(Model.graph, (g) =>
        g.message(Graph.initializer, (t) => t.bytes(Tensor.rawData, weights).string(Tensor.name, 'w'))
          .message(Graph.input, valueInfo('x'))
          .message(Graph.input, valueInfo('w'))
          .message(Graph.output, valueInfo('y')))
      .message(Model.metadataProps, (e) => e.string(StringStringEntry.key, 'b').string(StringStringEntry.value, '2'))
      .finish();
    assert.deepEqual(readOnnxMetadata(bytes), { a: '1', b: '2' });
    const io = readOnnxIoShapes(bytes);
    assert.deepEqual(io.inputs.map((i) => i.name), ['x']);
    assert.deepEqual(io.outputs.map((o) => o.name), ['y']);
  });

  it('refuses files that are not ONNX with an OnnxFormatError', () => {
    const full = model().toBytes();
    const bad = [new Uint8Array(0), new TextEncoder().encode('hello, this is not a model'), Uint8Array.from([0xff, 0xff, 0xff]), full.subarray(0, full.length - 20)];
    for (const bytes of bad) {
      assert.throws(() => readOnnxMetadata(bytes), (err: unknown) => err instanceof OnnxFormatError && /not an ONNX model/.test(err.message));
      assert.throws(() => readOnnxIoShapes(bytes), OnnxFormatError);
    }
    // A valid protobuf that is not a model: no graph.
    assert.throws(() => readOnnxMetadata(new ProtoWriter().varint(1, 8).finish()), /no ir_version or no graph/);
  });

  it('the builder refuses inconsistent graphs', () => {
    const m = new ModelBuilder();
    assert.throws(() => m.graph.initializer('w', [2, 2], new Float32Array(3)), /hold 4 values, data has 3/);
    m.graph.input('x', [1]);
    assert.throws(() => m.graph.node('Relu', ['x'], ['x']), /used twice/);
    m.graph.output('nowhere', [1]);
    assert.throws(() => m.toBytes(), /produced by no node/);
  });
});

describe('parseClassNames', () => {
  it('reads the exporter dict literal and JSON forms', () => {
    const cases: [string, string[]][] = [
      ["{0: 'person', 1: 'bicycle', 2: 'car'}", ['person', 'bicycle', 'car']],
      ['{0:"person",1:"traffic light",}', ['person', 'traffic light']],
      ["  {\n  1: 'b' ,\n  0 : 'a',\n}  ", ['a', 'b']],
      [`{0: "it's", 1: 'say "hi"', 2: 'both \\' and "', 3: 'back\\\\slash'}`, ["it's", 'say "hi"', `both ' and "`, 'back\\slash']],
      ["{0: '行人', 1: '\\u8f66\\x41', 2: '\\U0001F697'}", ['行人', '车A', '🚗']],
      ['["person", "car"]', ['person', 'car']],
      ["['person', 'car',]", ['person', 'car']],
      ['{"0": "person", "1": "car"}', ['person', 'car']],
    ];
    for (const [text, names] of cases) assert.deepEqual(parseClassNames(text), names, text);
  });

  it('says what is wrong with anything else', () => {
    const cases: [string, RegExp][] = [
      ['', /expected "\{".*found the end/],
      ['person, car', /expected "\{" \(a Python dict or JSON object\) or "\[".*character 0/],
      ['{0: person}', /expected a quoted string at character 4/],
      ["{0: 'a', 0: 'b'}", /index 0 appears twice/],
      ["{0: 'a', 2: 'b'}", /indices must run 0\.\.1 without gaps; 1 is missing/],
      ["{-1: 'a'}", /expected a class index/],
      ["{0.5: 'a'}", /expected ":"/],
      ["{0: 'a'", /expected "," at character 7, found the end/],
      ["{0: 'unterminated}", /expected closing '/],
      ["{0: 'a'} trailing", /expected the end of the class names/],
      ['{}', /the list is empty/],
      ['[]', /the list is empty/],
      ["{0: 'bad \\x4'}", /2 hex digits after \\x/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseClassNames(text), message, text);
  });
});
