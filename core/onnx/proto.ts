import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import Long from 'long';

// protobufjs keeps int64 values exact when it can use Long (Slice ends of INT64_MAX are common).
protobuf.util.Long = Long;
protobuf.configure();

const root = protobuf.loadSync(path.join(__dirname, 'onnx.proto'));

export const ModelProto = root.lookupType('onnx.ModelProto');
export const TensorProtoType = root.lookupType('onnx.TensorProto');

/** Plain shapes of the ONNX messages we touch; the rest rides along untouched. */
export type Int64 = number | Long;

export interface StringStringEntry { key: string; value: string }

export interface TensorProto {
  name?: string;
  dims: Int64[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Int64[];
  doubleData?: number[];
  uint64Data?: Int64[];
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  [k: string]: unknown;
}

export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  [k: string]: unknown;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
  [k: string]: unknown;
}

export interface Dimension { dimValue?: Int64; dimParam?: string; value?: string }

export interface ValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim: Dimension[] } }; [k: string]: unknown };
  [k: string]: unknown;
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  [k: string]: unknown;
}

export interface OpsetId { domain?: string; version: Int64 }

export interface Model {
  irVersion?: Int64;
  opsetImport: OpsetId[];
  producerName?: string;
  graph: GraphProto;
  metadataProps?: StringStringEntry[];
  [k: string]: unknown;
}

export const DataType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
} as const;

export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An int64 field as a JS number (all shape-like values fit; INT64_MAX saturates to a large number). */
export const toNum = (v: Int64 | undefined | null): number =>
  v == null ? 0 : typeof v === 'number' ? v : v.toNumber();
