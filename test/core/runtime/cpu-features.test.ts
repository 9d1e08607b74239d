import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuFeatures, fromFlags, parseCpuInfo } from '../../../core/runtime/cpu-features';
import { cpuPlacement, decidePlacement } from '../../../core/quant/cpu-placement';
import { planQuantization } from '../../../core/quant/plan';
import { type JobReport, withWriterMeta } from '../../../core/report/report';
import { prepareModel } from '../../../core/onnx/prepare';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { optimizedGraph } from '../../../core/latency/ort-graph';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

// Two processors of each kind, abridged from real /proc/cpuinfo texts (flags shortened, order kept).
const AVX2_NO_VNNI = `processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz
flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 fma cx16 sse4_1 sse4_2 avx f16c rdrand avx2 bmi2 adx
bugs\t\t: spectre_v1

processor\t: 1
model name\t: Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz
flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 fma cx16 sse4_1 sse4_2 avx f16c rdrand avx2 bmi2 adx
`;
const EPYC_AVX512_VNNI = `processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme sse sse2 avx avx2 fma bmi2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512vbmi avx512_vnni avx512_bitalg
`;
const ALDER_LAKE_AVX_VNNI = `model name\t: 12th Gen Intel(R) Core(TM) i7-1260P
flags\t\t: fpu sse sse2 avx avx2 fma avx_vnni
`;

describe('cpu features', () => {
  it('reads model and flags of an AVX2 CPU without VNNI', () => {
    const f = parseCpuInfo(AVX2_NO_VNNI);
    expect(f.model).toBe('Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz');
    expect(f.flags).toContain('avx2');
    expect(f).toMatchObject({ vnni: false, avx512: false, nchwcBlock: 8, kind: 'AVX2 without VNNI' });
  });

  it('reads an AVX-512 VNNI EPYC', () => {
    const f = parseCpuInfo(EPYC_AVX512_VNNI);
    expect(f.model).toBe('AMD EPYC 9R14 96-Core Processor');
    expect(f).toMatchObject({ vnni: true, avx512: true, nchwcBlock: 16, kind: 'AVX-512 VNNI' });
  });

  it('counts AVX-VNNI (256-bit) as VNNI with an 8-channel block', () => {
    expect(parseCpuInfo(ALDER_LAKE_AVX_VNNI)).toMatchObject({ vnni: true, avx512: false, nchwcBlock: 8 });
  });

  it('assumes nothing without a cpuinfo text', () => {
    expect(parseCpuInfo('', 'Apple M2')).toMatchObject({ model: 'Apple M2', flags: [], vnni: false, avx512: false });
  });

  it("reads this machine's flags as /proc/cpuinfo lists them", () => {
    const f = cpuFeatures();
    expect(cpuFeatures()).toBe(f); // read once
    if (!fs.existsSync('/proc/cpuinfo')) return;
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    expect(f.vnni).toBe(/\b(avx512_vnni|avx_vnni|amx_int8)\b/.test(text));
    expect(f.avx512).toBe(/\bavx512f\b/.test(text));
  });
});

describe("this CPU's features match what onnxruntime does on it", () => {
  it("the NCHWc block is the one onnxruntime pads cls's blocked convs to", async () => {
    const opt = await optimizedGraph(encodeModel(prepareModel(readModel(ppocrModel(CLS_MODEL))).model), 1);
    const inits = new Map(opt.graph.initializer.map((t) => [t.name, t]));
    const outChannels = opt.graph.node
      .filter((n) => n.domain === 'com.microsoft.nchwc' && n.opType === 'Conv')
      .map((n) => Number(inits.get(n.input[1])?.dims[0] ?? 0));
    expect(outChannels.length).toBeGreaterThan(10);
    // Blocked weights carry output channels padded to the block; cls has 8- and 88-channel convs, so
    // the greatest common divisor is the block itself on either CPU kind.
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    expect(outChannels.reduce(gcd)).toBe(cpuFeatures().nchwcBlock);
  });
});

describe('placement rules follow the CPU flags', () => {
  const avx2 = parseCpuInfo(AVX2_NO_VNNI);
  const vnni = parseCpuInfo(EPYC_AVX512_VNNI);

  it('reduce-range weights only without VNNI, the reason naming the feature', () => {
    expect(cpuPlacement(avx2).reduceRange).toMatchObject({ apply: true, reason: expect.stringContaining('AVX2 without VNNI') });
    expect(cpuPlacement(vnni).reduceRange).toMatchObject({ apply: false, reason: expect.stringContaining('AVX-512 VNNI') });
    expect(decidePlacement(vnni, { reduceRange: true }).reduceRange.apply).toBe(true);
    expect(decidePlacement(avx2, { backend: 'tensorrt' }).reduceRange.apply).toBe(false);
  });

  it('the stem conv reading the 3-channel image stays float only without VNNI', () => {
    const model = prepareModel(readModel(ppocrModel(CLS_MODEL))).model;
    const narrow = (plan: ReturnType<typeof planQuantization>) => plan.skipped.filter((s) => /input channels/.test(s.reason));
    const onAvx2 = narrow(planQuantization(model, { cpu: avx2 }));
    expect(onAvx2.length).toBeGreaterThan(0);
    for (const s of onAvx2) expect(s.reason).toContain('AVX2 without VNNI');
    const onVnni = planQuantization(model, { cpu: vnni });
    expect(narrow(onVnni)).toEqual([]);
    // Every conv kept float for its width on AVX2 is quantized on the VNNI CPU.
    const marked = new Set(onVnni.marks.map((m) => m.node.name || m.node.output[0]));
    for (const s of onAvx2) expect(marked.has(s.name)).toBe(true);
  });

  it("report.json's meta states the rules of the CPU that wrote it, with their reasons", () => {
    const report = withWriterMeta({} as JobReport, { slimflowVersion: '0', cpu: { ...vnni, placement: cpuPlacement(vnni) } });
    expect(report.meta?.cpu?.placement?.reduceRange).toEqual({ apply: false, reason: expect.stringContaining('AVX-512 VNNI') });
    expect(report.meta?.cpu?.flags).toContain('avx512_vnni');
  });

  it('a model-free CPU description gives the same rules as its cpuinfo', () => {
    expect(cpuPlacement(fromFlags(vnni.model, vnni.flags))).toEqual(cpuPlacement(vnni));
  });
});
