import { describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { decodeModel, encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { blockedTap } from '../../../core/quant/blocked-tap';
import { withSummaryOutputs } from '../../../core/quant/collect';
import { addSampleOutputs, strideFeed } from '../../../core/quant/histogram-sample';
import { planQuantization } from '../../../core/quant/plan';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { optimizedGraph } from '../../../core/latency/ort-graph';
import { attrInt, consumerMap } from '../../../core/onnx/graph';
import { NodeProto } from '../../../core/onnx/proto';
import { cpuFeatures } from '../../../core/runtime/cpu-features';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

describe('blockedTap on the cls model', () => {
  it('reads tensors in the blocked layout: reorders go, and every statistic and sampled value stays the same', async () => {
    const { model } = prepareModel(readModel(ppocrModel(CLS_MODEL)));
    const tensors = planQuantization(model).activationTensors;
    const tap = withSummaryOutputs(model, [], []).model;
    const samples = addSampleOutputs(tap, tensors);
    const layoutFree = new Set(tap.graph.node.filter((n) => (n.name ?? '').includes('.calib_')).map((n) => n.name ?? ''));
    const blocked = await blockedTap(tap, layoutFree);
    expect(blocked.rewired).toBeGreaterThan(tensors.length);
    // Which reorders can go depends on the CPU's NCHWc block (16 channels with AVX-512, 8 with AVX2: a
    // 40-channel tensor is padded to 48 on the first): count them in onnxruntime's own graph of the tap.
    const block = cpuFeatures().nchwcBlock;
    const before = (await optimizedGraph(encodeModel(tap))).graph;
    const toNchw = (g: typeof before) => g.node.filter((n) => n.opType === 'ReorderOutput' && attrInt(n, 'channels_last', 0) === 0);
    const outputs = new Set(before.output.map((o) => o.name));
    const readers = consumerMap(before);
    const tapOnly = (r: NodeProto) => !outputs.has(r.output[0]) && (readers.get(r.output[0]) ?? []).every((n) => layoutFree.has(n.name ?? ''));
    const unpadded = toNchw(before).filter((r) => attrInt(r, 'channels', 0) % block === 0);
    // Tensors of 16·k channels are unpadded on both CPU kinds; cls has such tensors read only by the tap.
    expect(unpadded.filter(tapOnly).length).toBeGreaterThan(0);
    expect(blocked.removedReorders).toBe(unpadded.filter(tapOnly).length);
    // What is left: padded tensors, and reorders a model node still reads.
    const after = decodeModel(blocked.bytes).graph;
    expect(toNchw(after).length).toBe(toNchw(before).length - blocked.removedReorders);
    const afterReaders = consumerMap(after);
    for (const r of toNchw(after)) {
      const padded = attrInt(r, 'channels', 0) % block !== 0;
      const modelRead = (afterReaders.get(r.output[0]) ?? []).some((n) => !layoutFree.has(n.name ?? ''));
      expect(padded || modelRead || after.output.some((o) => o.name === r.output[0]), r.name).toBe(true);
    }

    let feeds: Record<string, Tensor> = {};
    for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count: 4, seed: 3 }, { batchSize: 4 })) feeds = b.inputs;
    const all = { ...feeds, ...Object.fromEntries([...samples.values()].map((s) => [s.step, strideFeed(1)])) };
    const plainSession = await ModelSession.create(encodeModel(tap));
    const blockedSession = await ModelSession.create(blocked.bytes, { graphOptimization: 'disabled' });
    try {
      const plain = await plainSession.run(all);
      const fast = await blockedSession.run(all);
      for (const [t, s] of samples) {
        expect(fast[s.min].data[0], t).toBe(plain[s.min].data[0]);
        expect(fast[s.max].data[0], t).toBe(plain[s.max].data[0]);
        expect(fast[s.shape].data, t).toEqual(plain[s.shape].data);
        // At stride 1 the sample is the whole tensor, in the blocked order: the same values.
        const a = Float32Array.from(fast[s.output].data as Float32Array).sort();
        const b = Float32Array.from(plain[s.output].data as Float32Array).sort();
        expect(a.length, t).toBe(b.length);
        // A loop, not toEqual: deep equality over millions of elements takes minutes.
        let differing = 0;
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
        expect(differing, t).toBe(0);
      }
    } finally {
      await plainSession.release();
      await blockedSession.release();
    }
  }, 60_000);
});
