import { NodeProto } from '../../onnx/proto';
import { GraphBuilder } from '../builder';

/** What a gradient rule may ask about the forward graph; all shapes are static (probed once). */
export interface GradContext {
  b: GraphBuilder;
  node: NodeProto;
  /** Static dims of a forward tensor. */
  shape(name: string): number[];
  /** Integer values of a constant input (axes, starts, shapes), or undefined. */
  ints(name: string | undefined): number[] | undefined;
  /** Float values of a constant input (Clip bounds, Pow exponent), or undefined. */
  floats(name: string | undefined): Float32Array | undefined;
  /** Whether input `i` of the node needs a gradient. */
  needs(i: number): boolean;
}

/** The gradient of one op type, keyed by the op's name (the tfjs-core pattern). */
export interface GradientRule {
  opType: string;
  /** Emit gradients of the inputs that need one, given the gradients of the outputs (undefined: none flows). */
  grad(ctx: GradContext, dy: (string | undefined)[]): (string | undefined)[];
  /** Change the forward node before training (e.g. MaxPool also returning its argmax indices). */
  rewriteForward?(node: NodeProto, b: GraphBuilder): void;
  /** The op's integer outputs still carry a gradient (QAT's quantize → dequantize pair). */
  carriesIntegerGradient?: boolean;
}

/** The one gradient of a single-output node (rules register only when a gradient flows). */
export const dyOf = (dy: (string | undefined)[]): string => {
  if (!dy[0]) throw new Error('gradient rule called without an output gradient');
  return dy[0];
};
