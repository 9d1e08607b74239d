import { GradientRule } from './rule';
import { addGrad, divGrad, mulGrad, subGrad, sumGrad } from './elementwise';
import { powGrad } from './pow';
import { erfGrad, expGrad, identityGrads, logGrad, negGrad, reciprocalGrad, sigmoidGrad, sqrtGrad, tanhGrad } from './unary';
import { clipGrad, hardSigmoidGrad, hardSwishGrad, reluGrad } from './activations';
import { logSoftmaxGrad, softmaxGrad } from './softmax';
import { globalAveragePoolGrad, reduceMeanGrad, reduceSumGrad } from './reduce';
import { concatGrad, reshapeLikeGrads, sliceGrad, splitGrad, transposeGrad } from './shape-ops';
import { gemmGrad, matMulGrad } from './matmul';
import { convGrad, convTransposeGrad } from './conv';
import { averagePoolGrad, maxPoolGrad } from './pool';
import { resizeGrad } from './resize';
import { dequantizeLinearGrad, quantizeLinearGrad } from './fake-quant';
import { batchNormGrad } from './batchnorm';
import { layerNormGrad } from './layer-norm';
import { geluGrad } from './gelu';
import { whereGrad } from './where';
import { gatherGrad } from './gather';
import { padGrad } from './pad';

// The one place gradient rules are registered: adding an op means one file and one line here.
const RULES: GradientRule[] = [
  addGrad, subGrad, mulGrad, divGrad, sumGrad, powGrad,
  sqrtGrad, sigmoidGrad, logGrad, expGrad, negGrad, erfGrad, tanhGrad, reciprocalGrad, ...identityGrads,
  reluGrad, clipGrad, hardSigmoidGrad, hardSwishGrad, geluGrad,
  softmaxGrad, logSoftmaxGrad,
  reduceMeanGrad, reduceSumGrad, globalAveragePoolGrad,
  ...reshapeLikeGrads, transposeGrad, concatGrad, splitGrad, sliceGrad, gatherGrad, whereGrad, padGrad,
  matMulGrad, gemmGrad, convGrad, convTransposeGrad, batchNormGrad, layerNormGrad,
  maxPoolGrad, averagePoolGrad, resizeGrad,
  quantizeLinearGrad, dequantizeLinearGrad,
];

const REGISTRY = new Map(RULES.map((r) => [r.opType, r]));

/** The gradient rule of an op type, if one is registered. */
export const gradientRule = (opType: string): GradientRule | undefined => REGISTRY.get(opType);

/** Op types that have a gradient. */
export const differentiableOps = (): string[] => [...REGISTRY.keys()];

/** Ops whose outputs never carry a gradient (they compute shapes, indices or booleans). */
export const NON_DIFFERENTIABLE = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'ConstantOfShape', 'NonZero', 'Range']);
