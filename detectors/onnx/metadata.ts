// Reads what the gateway needs from an ONNX file without a protobuf package:
// the exporter's `metadata_props` (names, imgsz, stride…) and the declared
// input/output shapes. onnxruntime's JS API exposes neither the metadata nor,
// before a session exists, the shapes. Weights are skipped in place, never copied.
import { Dimension, Graph, Model, StringStringEntry, Tensor, TensorShape, TensorType, TypeProto, ValueInfo } from './fields.ts';
import { ProtoReader, WireType } from './protobuf.ts';

export { parseClassNames } from './class-names.ts';

/** The bytes are not an ONNX model (or are damaged). */
export class OnnxFormatError extends Error {
  readonly code = 'ONNX_FORMAT';
}

export interface OnnxValueShape {
  name: string;
  /** Sizes, or the symbolic name of a dynamic dimension (`batch`); `'?'` when the model says nothing. */
  dims: (number | string)[];
  /** ONNX element type name: `float`, `uint8`, `float16`, … */
  elemType: string;
}

export interface OnnxIoShapes {
  inputs: OnnxValueShape[];
  outputs: OnnxValueShape[];
}

const ELEM_TYPES = ['undefined', 'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'double', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16'];

/** Calls `onField` for each field of a message; its return of false means "not mine, skip it". */
function eachField(r: ProtoReader, onField: (field: number, wire: number) => boolean): void {
  while (!r.done) {
    const { field, wire } = r.tag();
    if (!onField(field, wire)) r.skip(wire);
  }
}

/** Wire-format errors from the reader become one error type the caller can tell apart. */
function asFormatError(read: () => void): void {
  try {
    read();
  } catch (err) {
    if (err instanceof OnnxFormatError) throw err;
    throw new OnnxFormatError(`not an ONNX model: ${(err as Error).message}`, { cause: err });
  }
}

function expectBytes(wire: number, what: string): void {
  if (wire !== WireType.bytes) throw new OnnxFormatError(`not an ONNX model: ${what} has wire type ${wire}, expected length-delimited`);
}

/** Walks the top-level ModelProto; the graph comes back as a view for the caller to read or ignore. */
function readModel(bytes: Uint8Array, onMeta?: (key: string, value: string) => void): Uint8Array {
  if (bytes.length === 0) throw new OnnxFormatError('not an ONNX model: the file is empty');
  let graph: Uint8Array | undefined;
  let irVersion: number | undefined;
  asFormatError(() => {
    const r = new ProtoReader(bytes, 'ModelProto');
    eachField(r, (field, wire) => {
      if (field === Model.irVersion && wire === WireType.varint) irVersion = r.varint();
      else if (field === Model.graph) {
        expectBytes(wire, 'graph');
        graph = r.bytes();
      } else if (field === Model.metadataProps && onMeta) {
        expectBytes(wire, 'metadata_props');
        let key = '';
        let value = '';
        const entry = new ProtoReader(r.bytes(), 'metadata_props entry');
        eachField(entry, (f) => {
          if (f === StringStringEntry.key) key = entry.string();
          else if (f === StringStringEntry.value) value = entry.string();
          else return false;
          return true;
        });
        onMeta(key, value);
      } else return false;
      return true;
    });
  });
  if (irVersion === undefined || !graph) throw new OnnxFormatError('not an ONNX model: no ir_version or no graph');
  return graph;
}

/** `metadata_props` as a plain object (later duplicates win, as in onnxruntime). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  readModel(bytes, (key, value) => {
    out[key] = value;
  });
  return out;
}

function readValueInfo(bytes: Uint8Array): OnnxValueShape {
  const r = new ProtoReader(bytes, 'ValueInfoProto');
  const shape: OnnxValueShape = { name: '', dims: [], elemType: 'undefined' };
  eachField(r, (field) => {
    if (field === ValueInfo.name) shape.name = r.string();
    else if (field === ValueInfo.type) {
      const type = new ProtoReader(r.bytes(), 'TypeProto');
      eachField(type, (f) => {
        if (f !== TypeProto.tensorType) return false;
        const tensor = new ProtoReader(type.bytes(), 'TypeProto.Tensor');
        eachField(tensor, (tf) => {
          if (tf === TensorType.elemType) shape.elemType = ELEM_TYPES[tensor.varint()] ?? 'unknown';
          else if (tf === TensorType.shape) shape.dims = readShape(tensor.bytes());
          else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return shape;
}

function readShape(bytes: Uint8Array): (number | string)[] {
  const r = new ProtoReader(bytes, 'TensorShapeProto');
  const dims: (number | string)[] = [];
  eachField(r, (field) => {
    if (field !== TensorShape.dim) return false;
    const dim = new ProtoReader(r.bytes(), 'Dimension');
    let value: number | string = '?';
    eachField(dim, (f) => {
      if (f === Dimension.value) value = dim.varint();
      else if (f === Dimension.param) value = dim.string() || '?';
      else return false;
      return true;
    });
    dims.push(value);
    return true;
  });
  return dims;
}

/** Graph inputs (minus initializers listed as inputs, as IR < 4 models do) and outputs. */
export function readOnnxIoShapes(bytes: Uint8Array): OnnxIoShapes {
  const graph = readModel(bytes);
  const inputs: OnnxValueShape[] = [];
  const outputs: OnnxValueShape[] = [];
  const initializers = new Set<string>();
  asFormatError(() => {
    const r = new ProtoReader(graph, 'GraphProto');
    eachField(r, (field, wire) => {
      if (field === Graph.input || field === Graph.output) {
        expectBytes(wire, 'graph input/output');
        (field === Graph.input ? inputs : outputs).push(readValueInfo(r.bytes()));
      } else if (field === Graph.initializer) {
        expectBytes(wire, 'initializer');
        const t = new ProtoReader(r.bytes(), 'TensorProto');
        eachField(t, (f) => f === Tensor.name && (initializers.add(t.string()), true));
      } else return false;
      return true;
    });
  });
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}
