import { describe, expect, it } from 'vitest';
import { parseDatasetSpec } from '../../../core/data/spec';
import { slimflowErrorOf } from './expect-error';

describe('dataset spec', () => {
  it('fills the rendered-textlines defaults and survives a JSON round trip', () => {
    const spec = parseDatasetSpec({ kind: 'rendered-textlines', task: 'cls', count: 256, seed: 3 });
    expect(spec).toMatchObject({ width: 192, height: 48, rotatedFraction: 0.5 });
    expect(parseDatasetSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('accepts a preprocess preset name or a full description', () => {
    const preset = parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: 'ppocr-cls' });
    expect(preset.kind === 'images' && preset.preprocess).toBe('ppocr-cls');
    const full = parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: { height: 32, width: 100, channelOrder: 'RGB' } });
    expect(full.kind === 'images' && full.preprocess).toMatchObject({ keepAspect: true, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' });
  });

  it('names the key path of a wrong type inside preprocess', async () => {
    const e = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: { height: 48, width: '192' } }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe('dataset.preprocess.width');
    expect(e.message).toMatch(/dataset\.preprocess\.width: .*expected number/);
  });

  it('names an unknown key and an unknown kind', async () => {
    const e = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'rendered-textlines', task: 'cls', count: 4, seed: 1, colour: 'red' }, 'eval.data'));
    expect(e.path).toBe('eval.data.colour');
    expect(e.message).toMatch(/unknown key "colour"/);
    const k = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'csv' }));
    expect(k.path).toBe('dataset.kind');
  });

  it('requires exactly one of dir and files for npy', async () => {
    for (const bad of [{ kind: 'npy' }, { kind: 'npy', dir: 'a', files: ['b.npy'] }]) {
      expect((await slimflowErrorOf(() => parseDatasetSpec(bad))).message).toMatch(/exactly one of "dir" or "files"/);
    }
    expect(parseDatasetSpec({ kind: 'npy', files: ['b.npy'] })).toEqual({ kind: 'npy', files: ['b.npy'] });
  });

  it('rejects a non-integer count and a negative std', async () => {
    expect((await slimflowErrorOf(() => parseDatasetSpec({ kind: 'rendered-textlines', task: 'cls', count: 2.5, seed: 1 }))).path).toBe('dataset.count');
    const e = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: { height: 4, width: 4, std: [1, 0, 1] } }));
    expect(e.path).toBe('dataset.preprocess.std');
  });
});
