"""The peers of bench:zoo, as a user would run them on one model.

onnxruntime: quant_pre_process, then quantize_static (QDQ, per-channel weights, u8 activations / s8
weights) with MinMax and Percentile calibration, each with onnxruntime's default op types and with
Conv/MatMul/Gemm only; quantize_dynamic (per-channel s8 weights) when --dynamic; NNCF's
nncf.quantize (defaults) when --nncf and nncf imports. Every variant is tried on its own: a failure is
recorded with its message, never hidden. All are fed the very batches slimflow calibrates with: each
sub-folder of <calib-dir> is one batch holding <input name>.npy per graph input.

Prints one JSON line: {"prepared": note, "variants": [{"name", "out" | "error", "seconds"}]}.

Usage: peer_quantize.py <model.onnx> <calib-dir> <out-dir> [--dynamic] [--nncf]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import version_converter

CMG = ["Conv", "MatMul", "Gemm"]


def batches(calib_dir):
    out = []
    for sub in sorted(os.listdir(calib_dir)):
        d = os.path.join(calib_dir, sub)
        if os.path.isdir(d):
            out.append({f[:-4]: np.load(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".npy")})
    if not out:
        raise SystemExit(f"no calibration batches in {calib_dir}")
    return out


def prepare(model_path, work):
    """Opset 13 (per-channel Q/DQ needs it), then onnxruntime's recommended quant_pre_process."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    notes = []
    model = onnx.load(model_path)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 13:
        model = version_converter.convert_version(model, 13)
        notes.append(f"opset {opset} -> 13")
    upgraded = os.path.join(work, "upgraded.onnx")
    onnx.save(model, upgraded)
    prepared = os.path.join(work, "prepared.onnx")
    try:
        quant_pre_process(upgraded, prepared)
        notes.append("quant_pre_process")
    except Exception as e:  # symbolic shape inference fails on some exports: retry without it, say so
        quant_pre_process(upgraded, prepared, skip_symbolic_shape=True)
        notes.append(f"quant_pre_process(skip_symbolic_shape) after: {str(e).splitlines()[0][:160]}")
    return prepared, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("calib_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--dynamic", action="store_true")
    ap.add_argument("--nncf", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_dynamic, quantize_static

    data = batches(args.calib_dir)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.pos = 0

        def get_next(self):
            if self.pos >= len(data):
                return None
            self.pos += 1
            return data[self.pos - 1]

        def rewind(self):
            self.pos = 0

    t0 = time.perf_counter()
    prepared, notes = prepare(args.model, args.out_dir)
    prep_seconds = time.perf_counter() - t0
    variants = []

    def attempt(name, fn):
        out = os.path.join(args.out_dir, f"{name}.onnx")
        t = time.perf_counter()
        try:
            fn(out)
            variants.append({"name": name, "out": out, "seconds": prep_seconds + time.perf_counter() - t})
        except Exception as e:
            variants.append({"name": name, "error": f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}", "seconds": time.perf_counter() - t})

    for method, tag in ((CalibrationMethod.MinMax, "minmax"), (CalibrationMethod.Percentile, "percentile")):
        for ops, otag in ((None, "default-ops"), (CMG, "conv-matmul-gemm")):
            def run(out, method=method, ops=ops):
                quantize_static(prepared, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True, calibrate_method=method,
                                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=ops)
            attempt(f"ort-static-{tag}-{otag}", run)

    if args.dynamic:
        attempt("ort-dynamic", lambda out: quantize_dynamic(prepared, out, per_channel=True, weight_type=QuantType.QInt8))

    if args.nncf:
        def run_nncf(out):
            import nncf  # noqa: imported here so a missing NNCF fails this variant alone

            q = nncf.quantize(onnx.load(args.model), nncf.Dataset(data), subset_size=len(data))
            onnx.save(q, out)
        attempt("nncf", run_nncf)

    print(json.dumps({"prepared": "; ".join(notes), "variants": variants}))


if __name__ == "__main__":
    sys.exit(main())
