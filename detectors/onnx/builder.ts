// A small ONNX graph builder: inputs, outputs, initializers and nodes in, a
// valid ModelProto (IR 8, default domain opset 17) out. Enough to make the
// project's own test and benchmark models from real operators.
import { Attribute, AttributeType, DataType, Dimension, Graph, Model, Node, OperatorSetId, StringStringEntry, Tensor, TensorShape, TensorType, TypeProto, ValueInfo } from './fields.ts';
import { ProtoWriter } from './protobuf.ts';

export const IR_VERSION = 8;
export const OPSET = 17;
export const PRODUCER = 'city-ingest-gateway';

/** A dimension is a size or a symbolic name such as `batch`. */
export type Dims = readonly (number | string)[];
export type ElemType = 'float' | 'float16' | 'int64';
export type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string };

interface ValueInfoSpec { name: string; dims: Dims; elem: ElemType }
interface NodeSpec { op: string; inputs: readonly string[]; outputs: readonly string[]; attrs: Record<string, AttrValue>; name: string }
interface InitSpec { name: string; dims: readonly number[]; data: Float32Array | BigInt64Array }

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Tensor payload as raw little-endian bytes, the way exporters store weights. */
function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  if (littleEndian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v: number | bigint, i: number) => {
    if (typeof v === 'bigint') view.setBigInt64(i * 8, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return out;
}

export class GraphBuilder {
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly inits: InitSpec[] = [];
  private readonly nodes: NodeSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName: string) {}

  input(name: string, dims: Dims, elem: ElemType = 'float'): string {
    this.claim(name);
    this.inputs.push({ name, dims, elem });
    return name;
  }

  /** Declares a graph output; `name` must be produced by some node. */
  output(name: string, dims: Dims, elem: ElemType = 'float'): string {
    this.outputs.push({ name, dims, elem });
    return name;
  }

  initializer(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`initializer ${name}: dims [${dims.join(', ')}] hold ${count} values, data has ${data.length}`);
    this.claim(name);
    this.inits.push({ name, dims, data });
    return name;
  }

  /** Adds a node and returns its first output's name; `''` marks an omitted optional input. */
  node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    if (outputs.length === 0) throw new Error(`node ${op}: no outputs`);
    for (const o of outputs) this.claim(o);
    this.nodes.push({ op, inputs, outputs, attrs, name: `${op}_${this.nodes.length}` });
    return outputs[0]!;
  }

  /** A fresh tensor name with this prefix. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  write(w: ProtoWriter): void {
    for (const n of this.nodes) w.message(Graph.node, (m) => writeNode(m, n));
    w.string(Graph.name, this.graphName);
    for (const t of this.inits) w.message(Graph.initializer, (m) => writeTensor(m, t));
    for (const v of this.inputs) w.message(Graph.input, (m) => writeValueInfo(m, v));
    for (const v of this.outputs) {
      if (!this.names.has(v.name)) throw new Error(`graph output ${v.name} is produced by no node`);
      w.message(Graph.output, (m) => writeValueInfo(m, v));
    }
  }

  private claim(name: string): void {
    if (!name) throw new Error('tensor name must not be empty');
    if (this.names.has(name)) throw new Error(`tensor name ${name} is used twice`);
    this.names.add(name);
  }
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(Node.input, i);
  for (const o of n.outputs) w.string(Node.output, o);
  w.string(Node.name, n.name);
  w.string(Node.opType, n.op);
  for (const [name, value] of Object.entries(n.attrs)) w.message(Node.attribute, (a) => writeAttribute(a, name, value));
}

function writeAttribute(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(Attribute.name, name);
  // Unpacked repeated fields, as onnx.proto (proto2) declares them.
  if ('int' in v) w.varint(Attribute.i, v.int).varint(Attribute.type, AttributeType.int);
  else if ('float' in v) w.fixed32Float(Attribute.f, v.float).varint(Attribute.type, AttributeType.float);
  else if ('ints' in v) {
    for (const i of v.ints) w.varint(Attribute.ints, i);
    w.varint(Attribute.type, AttributeType.ints);
  } else if ('floats' in v) {
    for (const f of v.floats) w.fixed32Float(Attribute.floats, f);
    w.varint(Attribute.type, AttributeType.floats);
  } else w.string(Attribute.s, v.string).varint(Attribute.type, AttributeType.string);
}

function writeTensor(w: ProtoWriter, t: InitSpec): void {
  for (const d of t.dims) w.varint(Tensor.dims, d);
  w.varint(Tensor.dataType, t.data instanceof Float32Array ? DataType.float : DataType.int64);
  w.string(Tensor.name, t.name);
  w.bytes(Tensor.rawData, rawBytes(t.data));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.string(ValueInfo.name, v.name);
  w.message(ValueInfo.type, (type) =>
    type.message(TypeProto.tensorType, (tensor) => {
      tensor.varint(TensorType.elemType, DataType[v.elem]);
      tensor.message(TensorType.shape, (shape) => {
        for (const d of v.dims) {
          shape.message(TensorShape.dim, (dim) => (typeof d === 'number' ? dim.varint(Dimension.value, d) : dim.string(Dimension.param, d)));
        }
      });
    }),
  );
}

export class ModelBuilder {
  readonly graph: GraphBuilder;
  private readonly meta: [string, string][] = [];

  constructor(graphName = 'main', private readonly docString = '') {
    this.graph = new GraphBuilder(graphName);
  }

  /** A `metadata_props` entry, as exporters write `names`, `imgsz`, `stride`. */
  metadata(key: string, value: string): this {
    this.meta.push([key, value]);
    return this;
  }

  toBytes(): Uint8Array {
    const w = new ProtoWriter();
    w.varint(Model.irVersion, IR_VERSION);
    w.string(Model.producerName, PRODUCER);
    if (this.docString) w.string(Model.docString, this.docString);
    w.message(Model.graph, (g) => this.graph.write(g));
    w.message(Model.opsetImport, (o) => o.string(OperatorSetId.domain, '').varint(OperatorSetId.version, OPSET));
    for (const [key, value] of this.meta) {
      w.message(Model.metadataProps, (e) => e.string(StringStringEntry.key, key).string(StringStringEntry.value, value));
    }
    return w.finish();
  }
}
