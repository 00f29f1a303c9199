#!/usr/bin/env python3
"""Independent check of a quantized SavedModel, without TensorFlow or Java.

Reads the exported checkpoint (float storage) and encodings.json, and checks that every encoded
weight is exactly scale * k with k an integer in [offset, offset + 2^bitwidth - 1], channel by
channel: over the axes report.json gives as the layer's channel_axes (axis 2 of a Conv2DTranspose
kernel [h, w, out, in], the first of a transposed MatMul's), row-major; without them over the last
axis, or the last two for a depthwise kernel [h, w, in, multiplier] (flat index i in channel
i mod channels). Prints {"weights": ..., "off_grid": ..., "out_of_range": ...}; exits 1 on any.

Usage: tools/check-grid.py QUANTIZED_MODEL_DIR
"""
import importlib.util
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("checkpoint", os.path.join(here, "crosscheck-accuracy.py"))
checkpoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checkpoint)


def main(model):
    tensors = checkpoint.read_checkpoint(os.path.join(model, "variables", "variables"))
    encodings = json.load(open(os.path.join(model, "encodings.json")))["param_encodings"]
    report_file = os.path.join(model, "report.json")
    axes_of = {}
    if os.path.exists(report_file):
        for layer in json.load(open(report_file))["layers"]:
            if "channel_axes" in layer:
                axes_of[layer["weight"]] = layer["channel_axes"]
    weights = off_grid = out_of_range = 0
    for name, entries in encodings.items():
        w = tensors[name].astype(np.float32)
        axes = axes_of.get(name, [])
        if axes:
            w = np.moveaxis(w, axes, list(range(w.ndim - len(axes), w.ndim)))
        channels = w.reshape(-1, len(entries))
        scale = np.array([e["scale"] for e in entries], dtype=np.float32)
        low = np.array([e["offset"] for e in entries])
        high = low + np.array([2 ** e["bitwidth"] - 1 for e in entries])
        k = np.rint(channels / scale)
        off_grid += int(np.count_nonzero((k.astype(np.float32) * scale) != channels))
        out_of_range += int(np.count_nonzero((k < low) | (k > high)))
        weights += channels.size
    print(json.dumps({"weights": weights, "off_grid": off_grid, "out_of_range": out_of_range}))
    return 1 if off_grid or out_of_range else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
