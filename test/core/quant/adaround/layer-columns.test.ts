import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../../../../core/onnx/graph';
import { floatTensorProto } from '../../../../core/onnx/tensor-data';
import { GramObserver } from '../../../../core/quant/adaround/gram';
import { layerShape, LayerShape, sampleColumns } from '../../../../core/quant/adaround/layer-columns';
import { Prng } from '../../../../core/search/prng';
import { floatTensor } from '../../../../core/tensor';
import { gaussian, runOnce, singleNodeModel } from '../calibration-fixtures';

const shapeOf = (s: LayerShape | { skip: string }): LayerShape => {
  if ('skip' in s) throw new Error(s.skip);
  return s;
};

/** Every output of the layer, recomputed as weight row · sampled column, must match onnxruntime's output. */
async function checkConv(attrs: ReturnType<typeof attr.int>[], x: number[], w: number[]) {
  const wData = gaussian(w.reduce((a, b) => a * b, 1), 3);
  const xData = gaussian(x.reduce((a, b) => a * b, 1), 4);
  const node = makeNode('Conv', ['x', 'w'], ['y'], 'conv', attrs);
  const y = await runOnce(singleNodeModel(node, { x }, [floatTensorProto('w', w, wData)]), { x: { data: xData, dims: x } });
  const shape = shapeOf(layerShape(node, w));
  // More columns than positions: every position, in order (batch, row, column).
  const { data, n } = sampleColumns(floatTensor(xData, x), shape, 1e9, new Prng(1));
  const { groups, rows, k } = shape;
  expect(n * groups * rows).toBe(y.length / x[0] * x[0]);
  const perImage = n / x[0];
  let worst = 0;
  for (let pos = 0; pos < n; pos++) {
    const b = Math.floor(pos / perImage);
    for (let g = 0; g < groups; g++) {
      for (let r = 0; r < rows; r++) {
        const c = g * rows + r;
        let dot = 0;
        for (let j = 0; j < k; j++) dot += wData[shape.weightIndex[c * k + j]] * data[(g * n + pos) * k + j];
        worst = Math.max(worst, Math.abs(dot - y[(b * groups * rows + c) * perImage + (pos % perImage)]));
      }
    }
  }
  expect(worst).toBeLessThan(1e-4);
}

describe('layer columns', () => {
  it('reproduce a grouped, strided, padded, dilated conv', async () => {
    await checkConv([attr.int('group', 2), attr.ints('strides', [2, 1]), attr.ints('pads', [1, 0, 2, 1]), attr.ints('dilations', [1, 2])], [2, 4, 7, 9], [6, 2, 3, 2]);
  });

  it('reproduce a depthwise conv with SAME_UPPER padding', async () => {
    await checkConv([attr.int('group', 3), attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])], [1, 3, 6, 5], [3, 1, 3, 3]);
  });

  it('reproduce MatMul and transposed Gemm as rows of features', async () => {
    for (const [node, wDims] of [
      [makeNode('MatMul', ['x', 'w'], ['y'], 'mm'), [5, 3]],
      [makeNode('Gemm', ['x', 'w'], ['y'], 'gemm', [attr.int('transB', 1)]), [3, 5]],
    ] as const) {
      const wData = gaussian(15, 5);
      const xData = gaussian(4 * 5, 6);
      const y = await runOnce(singleNodeModel(node, { x: [4, 5] }, [floatTensorProto('w', [...wDims], wData)]), { x: { data: xData, dims: [4, 5] } });
      const shape = shapeOf(layerShape(node, [...wDims]));
      expect([shape.groups, shape.rows, shape.k]).toEqual([1, 3, 5]);
      const { data, n } = sampleColumns(floatTensor(xData, [4, 5]), shape, 100, new Prng(1));
      expect(n).toBe(4);
      for (let i = 0; i < 4; i++) {
        for (let c = 0; c < 3; c++) {
          let dot = 0;
          for (let j = 0; j < 5; j++) dot += wData[shape.weightIndex[c * 5 + j]] * data[i * 5 + j];
          expect(dot).toBeCloseTo(y[i * 3 + c], 4);
        }
      }
    }
  });

  it('samples the asked number of distinct columns, the same ones for the same seed', () => {
    const node = makeNode('Conv', ['x', 'w'], ['y'], 'conv', [attr.ints('pads', [1, 1, 1, 1])]);
    const shape = shapeOf(layerShape(node, [2, 2, 3, 3]));
    const x = floatTensor(Float32Array.from({ length: 2 * 2 * 8 * 8 }, (_, i) => i), [2, 2, 8, 8]);
    const a = sampleColumns(x, shape, 20, new Prng(7));
    const b = sampleColumns(x, shape, 20, new Prng(7));
    expect(a.n).toBe(20);
    expect(a.data).toEqual(b.data);
    // Distinct positions: the centre tap (channel 0) identifies the position uniquely.
    const centres = new Set(Array.from({ length: 20 }, (_, j) => a.data[j * 18 + 4]));
    expect(centres.size).toBe(20);
  });

  it('says why a layer cannot be learned', () => {
    expect(layerShape(makeNode('Conv', ['x', 'w'], ['y'], 'c3d'), [2, 2, 3, 3, 3])).toEqual({ skip: expect.stringMatching(/only 2-D/) });
    expect(layerShape(makeNode('ConvTranspose', ['x', 'w'], ['y'], 'up'), [2, 2, 2, 2])).toEqual({ skip: expect.stringMatching(/not linear in rows/) });
  });
});

describe('Gram observer', () => {
  it('accumulates XᵀX of every column over batches, per group, in onnxruntime', async () => {
    const node = makeNode('Conv', ['x', 'w'], ['y'], 'dw', [attr.int('group', 2), attr.ints('pads', [0, 1, 0, 1])]);
    const shape = shapeOf(layerShape(node, [2, 1, 1, 3]));
    const observer = new GramObserver([{ label: 'dw', input: 'x', shape }], 1e6, 0);
    expect(observer.tensors).toEqual(['x']);
    const batches = [gaussian(2 * 2 * 3 * 4, 1), gaussian(2 * 2 * 3 * 4, 2)];
    const want = new Float64Array(2 * 3 * 3);
    let columns = 0;
    try {
      for (const b of batches) {
        const x = floatTensor(b, [2, 2, 3, 4]);
        await observer.observe('x', x);
        const { data, n } = sampleColumns(x, shape, 1e6, new Prng(0));
        columns += n;
        for (let g = 0; g < 2; g++) for (let j = 0; j < n; j++) for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) want[g * 9 + r * 3 + c] += data[(g * n + j) * 3 + r] * data[(g * n + j) * 3 + c];
      }
    } finally {
      await observer.release();
    }
    const got = observer.gram('dw')!;
    expect(got.columns).toBe(columns);
    expect(columns).toBe(2 * 2 * 3 * 4);
    for (let i = 0; i < want.length; i++) expect(got.h[i]).toBeCloseTo(want[i], 3);
  });

  it('refuses an input whose channels do not match the weight', async () => {
    const node = makeNode('MatMul', ['x', 'w'], ['y'], 'mm');
    const observer = new GramObserver([{ label: 'mm', input: 'x', shape: shapeOf(layerShape(node, [4, 2])) }], 10, 0);
    try {
      await expect(observer.observe('x', floatTensor(new Float32Array(6), [2, 3]))).rejects.toThrow(/3 channels, the weight expects 4/);
    } finally {
      await observer.release();
    }
  });
});
