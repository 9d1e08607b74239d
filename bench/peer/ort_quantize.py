"""The peer: onnxruntime's own static quantizer, as a user would run it.

QDQ format, per-channel weights, MinMax calibration, u8 activations / s8 weights (its defaults),
fed the very batches slimflow calibrates with (saved as .npy, one file per batch).
Prints one JSON line: output path, seconds, peak RSS, and what preparation was needed.

Usage: ort_quantize.py <model.onnx> <calib-dir> <out.onnx> [--input-name x]
"""
import argparse
import glob
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import version_converter
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


class NpyBatches(CalibrationDataReader):
    """Feeds each .npy file of a folder (sorted by name) as one batch."""

    def __init__(self, folder, input_name):
        self.files = sorted(glob.glob(os.path.join(folder, "*.npy")))
        if not self.files:
            raise SystemExit(f"no .npy calibration batches in {folder}")
        self.input_name = input_name
        self.pos = 0

    def get_next(self):
        if self.pos >= len(self.files):
            return None
        batch = np.load(self.files[self.pos])
        self.pos += 1
        return {self.input_name: batch}

    def rewind(self):
        self.pos = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("calib_dir")
    ap.add_argument("out")
    ap.add_argument("--input-name", default="x")
    args = ap.parse_args()

    t0 = time.perf_counter()
    work = tempfile.mkdtemp(prefix="ort-peer-")
    model = onnx.load(args.model)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    notes = []
    # Per-channel Q/DQ needs opset 13; onnxruntime's quantizer only warns below that, so upgrade first.
    if opset < 13:
        model = version_converter.convert_version(model, 13)
        notes.append(f"opset {opset} -> 13 (onnx.version_converter)")
    upgraded = os.path.join(work, "upgraded.onnx")
    onnx.save(model, upgraded)
    # onnxruntime's recommended preparation: shape inference and graph optimization (which also turns
    # paddle2onnx's Constant-node weights into initializers, which the quantizer needs to see weights).
    prepared = os.path.join(work, "prepared.onnx")
    quant_pre_process(upgraded, prepared, skip_symbolic_shape=True)
    notes.append("quant_pre_process")

    quantize_static(
        prepared,
        args.out,
        NpyBatches(args.calib_dir, args.input_name),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        calibrate_method=CalibrationMethod.MinMax,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"out": args.out, "seconds": seconds, "peakRssMB": peak_kb / 1024, "notes": notes}))


if __name__ == "__main__":
    sys.exit(main())
