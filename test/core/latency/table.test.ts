import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SlimflowError } from '../../../core/errors';
import { thisDevice } from '../../../core/latency/device';
import { buildLoadWarning, compatibilityWarnings, LatencyTable, parseTable, readTable, TABLE_FORMAT, writeTable } from '../../../core/latency/table';

const tiny = (): LatencyTable => ({
  format: TABLE_FORMAT, version: 1, createdAt: '2026-11-25T00:00:00Z', device: thisDevice(), threads: 1,
  overhead: { perRunUs: 30, perNodeUs: 0.5 },
  medianOverMin: 1.05,
  sources: [{ label: 's', shape: [1, 8], nodes: 1, wallMs: 0.1, kernelSumMs: 0.01, loadAverage: [0.5, 1.5, 2.5] }],
  build: { seconds: 1, runsPerModel: 3, passes: 3, loadAverage: [0.5, 2.5] },
  entries: [{ config: { op: 'ai.onnx:Relu', attrs: {}, inputs: [{ dims: [1, 8], dtype: 'float', constant: false }], outputs: [[1, 8]] }, us: 1.5, samples: 3 }],
});

describe('latency table format', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-table-')); });

  it('round-trips through a file unchanged', () => {
    const file = path.join(dir, 't.json');
    writeTable(tiny(), file);
    expect(readTable(file)).toEqual(tiny());
  });

  it('warns, naming the mismatch, for another runtime version or thread count', () => {
    const t = tiny();
    t.device.onnxruntimeVersion = '1.17.0';
    const w = compatibilityWarnings(t, thisDevice(), 4);
    expect(w.some((m) => m.includes('onnxruntime 1.17.0') && m.includes(thisDevice().onnxruntimeVersion))).toBe(true);
    expect(w.some((m) => m.includes('1 thread(s)') && m.includes('4'))).toBe(true);
    expect(compatibilityWarnings(tiny(), thisDevice(), 1)).toEqual([]);
  });

  it("warns when the build's recorded load exceeded the CPU count, naming both", () => {
    const t = tiny();
    t.device.logicalCpus = 4;
    expect(buildLoadWarning(t)).toBeUndefined();
    t.sources[0].loadAverage = [1, 7.25, 2];
    expect(buildLoadWarning(t)).toMatch(/load up to 7\.3 on 4 CPU\(s\)/);
  });

  it('rejects corrupt files with a clear SlimflowError', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify(tiny()).slice(0, 80));
    expect(() => readTable(file)).toThrow(SlimflowError);
    expect(() => readTable(file)).toThrow(/latency table is not JSON \(line 1\)/);
    const broken = { ...tiny(), entries: [{ config: { op: 3 }, us: 'fast' }] };
    expect(() => parseTable(JSON.stringify(broken))).toThrow(/latency table is corrupt: .* at entries\.0/);
    expect(() => parseTable(JSON.stringify({ hello: 1 }))).toThrow(/not a latency table/);
    expect(() => parseTable(JSON.stringify({ ...tiny(), version: 99 }))).toThrow(/version 99 is not supported/);
    expect(() => readTable(path.join(dir, 'missing.json'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
