import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { readModel } from '../../../core/onnx/model-io';
import { CLS_MODEL, DET_MODEL, REC_MODEL, ppocrModel } from '../../fixtures/models';

describe('graph analysis', () => {
  it('finds the layers, weights and dynamic dims of the paddle2onnx classifier', () => {
    const a = analyzeModel(readModel(ppocrModel(CLS_MODEL)));
    expect(a.opset).toBe(9);
    expect(a.weightStorage).toBe('constants');
    expect(a.opCensus.Conv).toBe(53);
    // 53 Conv + the final MatMul: every one has its weight in a Constant node.
    expect(a.quantizableLayers.length).toBe(54);
    expect(a.quantizableLayers.filter((l) => l.opType === 'Conv').every((l) => l.weightShape.length === 4)).toBe(true);
    expect(a.inputs).toHaveLength(1);
    expect(a.inputs[0].dims[1]).toBe(3);
    expect(typeof a.inputs[0].dims[0]).toBe('string');
    expect(a.paramCount).toBeGreaterThan(100_000);
    expect(a.distillationNodes).toEqual([a.quantizableLayers.at(-1)!.output]);
    expect(a.family).toBe('cnn');
  });

  it('tells the detector and the transformer-like recognizer apart', () => {
    expect(analyzeModel(readModel(ppocrModel(DET_MODEL))).family).toBe('detector');
    const rec = analyzeModel(readModel(ppocrModel(REC_MODEL)));
    expect(rec.family).toBe('transformer');
    expect(rec.quantizableLayers.some((l) => l.opType === 'MatMul')).toBe(true);
  });
});
