/**
 * A model's actor as an ONNX graph, for serving through onnxruntime (lib/serving/onnx-actor.ts)
 * while TF.js keeps training. The actors are small dense MLPs, so the graph is only MatMul, Add,
 * Relu and Tanh over the saved float32 weights, written with protobufjs from the subset of
 * onnx.proto it needs (field numbers as in onnx/onnx.proto). The graph scores ONE request: its
 * inputs are "user" [1, userWidth] and, for Enhanced-State, "pairs" [n, pairWidth]; its output "u"
 * is the normalised action in (−1, 1): [1, 2K] or [n, 2K]. Actions are u mapped into the bounds,
 * exactly as the TF.js model does (FusionModel.writeActions).
 */
import protobuf from "protobufjs";
import { ACTION_DIM } from "@/lib/fusion/action";
import { EnhancedStateModel, UserStateModel, type FusionModel } from "./models";
import { denseLayers, type EnsembleMlp } from "./network";

const ONNX_SUBSET =
  `
syntax = "proto3";
package onnx;
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated ` +
  `OperatorSetIdProto opset_import = 8; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ` +
  `ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message TypeProto { message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; } Tensor tensor_type = 1; }
message TensorShapeProto { message Dimension { int64 dim_value = 1; string dim_param = 2; } repeated Dimension ` +
  `dim = 1; }
`;
const FLOAT = 1;
/** IR 8 / opset 13: old enough for any onnxruntime of the last years, new enough for all ops used. */
const IR_VERSION = 8;
const OPSET = 13;

let modelType: protobuf.Type | undefined;

type Dim = number | string;
interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
}
interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];

  constant(name: string, dims: number[], values: Float32Array): string {
    // raw_data is little-endian float32; a copy, since `values` may be a view into a larger buffer.
    const bytes = new Uint8Array(values.byteLength);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: bytes });
    return name;
  }

  op(opType: string, inputs: string[], output: string): string {
    this.nodes.push({ input: inputs, output: [output], name: output, opType });
    return output;
  }

  /** parts[i] multiplies the first layer's i-th weight block; a [1, …] part broadcasts over the rows of the others. */
  mlp(prefix: string, net: EnsembleMlp, parts: string[]): string {
    const t = net.topology;
    const layers = denseLayers(t, net.flat());
    let h = "";
    layers.forEach((layer, l) => {
      const inputs = l === 0 ? parts : [h];
      const products = layer.weights.map((w, i) =>
        this.op(
          "MatMul",
          [inputs[i], this.constant(`${prefix}.l${l}.w${i}`, [w.rows, w.cols], w.values)],
          `${prefix}.l${l}.mm${i}`,
        ),
      );
      let z = products.reduce((sum, p, i) => (i === 0 ? p : this.op("Add", [sum, p], `${prefix}.l${l}.sum${i}`)));
      z = this.op("Add", [z, this.constant(`${prefix}.l${l}.b`, [layer.bias.length], layer.bias)], `${prefix}.l${l}.z`);
      h = l < layers.length - 1 || t.output === "relu" ? this.op("Relu", [z], `${prefix}.l${l}.h`) : z;
    });
    return h;
  }
}

const valueInfo = (name: string, dims: Dim[]) => ({
  name,
  type: {
    tensorType: {
      elemType: FLOAT,
      shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

/** The serialised ONNX model of `model`'s actor (see the module comment for inputs and output). */
export function actorOnnx(model: FusionModel): Uint8Array {
  const g = new GraphBuilder();
  const dS = model.encoder.userWidth;
  const inputs = [valueInfo("user", [1, dS])];
  let u: string;
  if (model instanceof EnhancedStateModel) {
    inputs.push(valueInfo("pairs", ["n", model.encoder.pairWidth]));
    const h = g.mlp("user", model.userNet, ["user"]);
    u = g.mlp("pair", model.pairNet, [h, "pairs"]);
  } else if (model instanceof UserStateModel) {
    u = g.mlp("actor", model.actor, ["user"]);
  } else {
    throw new TypeError(`no ONNX export for ${model.type} models`);
  }
  g.op("Tanh", [u], "u");
  modelType ??= protobuf.parse(ONNX_SUBSET).root.lookupType("onnx.ModelProto");
  const message = modelType.fromObject({
    irVersion: IR_VERSION,
    producerName: "fusionlab",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: `${model.type}-actor`,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs,
      output: [valueInfo("u", [model instanceof EnhancedStateModel ? "n" : 1, ACTION_DIM])],
    },
  });
  return modelType.encode(message).finish();
}
