// Field numbers and enums from onnx/onnx.proto (IR version 8) that the writer
// and the reader use. Only what this project touches; see the .proto for the rest.

export const Model = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  domain: 4,
  modelVersion: 5,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
} as const;

export const OperatorSetId = { domain: 1, version: 2 } as const;

export const StringStringEntry = { key: 1, value: 2 } as const;

export const Graph = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13 } as const;

export const Node = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;

export const Attribute = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 } as const;

export const AttributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

export const Tensor = { dims: 1, dataType: 2, floatData: 4, int64Data: 7, name: 8, rawData: 9 } as const;

export const DataType = { float: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10 } as const;

export const ValueInfo = { name: 1, type: 2 } as const;

export const TypeProto = { tensorType: 1 } as const;

export const TensorType = { elemType: 1, shape: 2 } as const;

export const TensorShape = { dim: 1 } as const;

export const Dimension = { value: 1, param: 2 } as const;
