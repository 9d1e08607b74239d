import { describe, expect, it } from 'vitest';
import { encodeWithFixedInputs, patternFeed } from '../../../core/latency/fixed-shape';
import { slottedNodes } from '../../../core/latency/node-slots';
import { profileNodes } from '../../../core/latency/ort-graph';
import { loadPpOcr } from '../../../core/latency/variants';

describe('profiled nodes matched across sessions', () => {
  it('by configuration slot: the same slot is the same kernel shape in every session, whatever onnxruntime named it', async () => {
    const shapes = { x: [8, 3, 48, 192] };
    const bytes = encodeWithFixedInputs(loadPpOcr('cls'), shapes);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(slottedNodes(await profileNodes(bytes, patternFeed(shapes), { runs: 1, warmup: 0 }), shapes));
    const [first, ...others] = runs.map((r) => new Map(r.map((n) => [n.slot, n])));
    expect(first.size).toBeGreaterThan(150);
    for (const other of others) {
      expect([...other.keys()].sort()).toEqual([...first.keys()].sort());
      for (const [slot, n] of first) {
        const m = other.get(slot)!;
        expect([m.profiled.opName, m.profiled.inputShapes, m.profiled.outputShapes]).toEqual([n.profiled.opName, n.profiled.inputShapes, n.profiled.outputShapes]);
      }
    }
    // Every reorder's slot carries its own channel count and shape (the configuration), unlike its name.
    const reorders = runs[0].filter((n) => n.profiled.opName === 'ReorderOutput');
    expect(reorders.length).toBeGreaterThan(20);
    for (const r of reorders) expect(r.slot).toContain(JSON.stringify(r.profiled.inputShapes[0]));
    expect(runs.flat().every((n) => !n.shapeMismatch)).toBe(true);
  }, 60_000);
});
