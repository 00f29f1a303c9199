#!/usr/bin/env python3
"""Independent check of the bundled model's accuracy, without TensorFlow.

Reads the SavedModel's checkpoint (variables.index + variables.data) directly, runs the bundled
CNN's forward pass in NumPy, and prints {"accuracy": ..., "samples": ...} for the Fashion-MNIST
test split. Only for the architecture of models/fashion-mnist-cnn (see FashionCnn.java).

With --integer, each activation tensor that MODEL_DIR/encodings.json encodes is quantized as an
integer runtime (and TF's FakeQuantWithMinMaxVars) quantizes it, from the file's scale, offset, min
and max alone: the accuracy that `eval --model MODEL_DIR/fake-quant` reports, up to NumPy's own
float rounding in the convolutions.

Usage: tools/crosscheck-accuracy.py [--integer] MODEL_DIR [DATA_DIR]
"""
import gzip
import json
import struct
import sys

import numpy as np


def varint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def block_entries(buf, offset, size):
    """Key/value pairs of one uncompressed LevelDB-format table block."""
    block = buf[offset:offset + size]
    if buf[offset + size] != 0:
        raise ValueError("compressed checkpoint index blocks are not supported")
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = varint(block, pos)
        unshared, pos = varint(block, pos)
        length, pos = varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def bundle_entry(proto):
    """dtype, shape, offset and size of a BundleEntryProto."""
    fields, pos, shape = {}, 0, []
    while pos < len(proto):
        tag, pos = varint(proto, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            fields[number], pos = varint(proto, pos)
        elif wire == 2:
            length, pos = varint(proto, pos)
            sub = proto[pos:pos + length]
            pos += length
            if number == 2:  # TensorShapeProto: repeated dim (2) { size (1) }
                p = 0
                while p < len(sub):
                    _, p = varint(sub, p)
                    dim_len, p = varint(sub, p)
                    dim = sub[p:p + dim_len]
                    p += dim_len
                    size = 0
                    if dim:
                        _, q = varint(dim, 0)
                        size, _ = varint(dim, q)
                    shape.append(size)
        elif wire == 5:
            pos += 4
        else:
            raise ValueError("unexpected wire type %d" % wire)
    return fields.get(1), shape, fields.get(4, 0), fields.get(5, 0)


def read_checkpoint(prefix):
    index = open(prefix + ".index", "rb").read()
    data = open(prefix + ".data-00000-of-00001", "rb").read()
    footer = index[-48:]
    _, p = varint(footer, 0)
    _, p = varint(footer, p)  # metaindex handle
    index_offset, p = varint(footer, p)
    index_size, p = varint(footer, p)
    tensors = {}
    for _, handle in block_entries(index, index_offset, index_size):
        offset, q = varint(handle, 0)
        size, _ = varint(handle, q)
        for key, value in block_entries(index, offset, size):
            if not key:
                continue  # the bundle header
            dtype, shape, start, length = bundle_entry(value)
            if dtype != 1:
                raise ValueError("%s is not float32" % key.decode())
            array = np.frombuffer(data[start:start + length], dtype="<f4")
            tensors[key.decode()] = array.reshape(shape)
    return tensors


def read_idx(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    rank = raw[3]
    dims = struct.unpack(">%di" % rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def conv3x3_same(x, kernel):
    """x [n,h,w,c], kernel [3,3,c,k]; stride 1, SAME padding."""
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((n, h, w, kernel.shape[3]), dtype=np.float32)
    for i in range(3):
        for j in range(3):
            out += padded[:, i:i + h, j:j + w, :] @ kernel[i, j]
    return out


def depthwise3x3_same(x, kernel):
    """x [n,h,w,c], kernel [3,3,c,1]."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            out += padded[:, i:i + h, j:j + w, :] * kernel[i, j, :, 0]
    return out


def maxpool2x2(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def activation_quantizers(model):
    """Tensor name -> function that puts a float32 array on that tensor's encoded grid."""
    with open(model + "/encodings.json") as f:
        encodings = json.load(f)["activation_encodings"]

    def grid(e):
        scale, offset = np.float32(e["scale"]), np.float32(e["offset"])
        lo, hi = np.float32(e["min"]), np.float32(e["max"])
        half = np.float32(0.5)
        return lambda t: (np.floor((np.clip(t, lo, hi) - lo) / scale + offset + half) * scale)

    return {name: grid(entries[0]) for name, entries in encodings.items()}


def forward(v, x, q=None):
    """The logits; q maps tensor names to quantizers (None: float activations)."""
    at = (lambda name, t: q[name](t).astype(np.float32)) if q else (lambda name, t: t)
    relu = lambda t: np.maximum(t, 0)
    x = at("input:0", x)
    x = at("conv1/Relu:0", relu(conv3x3_same(x, v["conv1/kernel"]) + v["conv1/bias"]))
    x = at("conv1/MaxPool:0", maxpool2x2(x))
    x = np.clip(depthwise3x3_same(x, v["dw/depthwise_kernel"]) + v["dw/bias"], 0, 6)
    x = at("dw/Relu6:0", x)
    x = at("pw/Relu:0", relu(x @ v["pw/kernel"][0, 0] + v["pw/bias"]))
    x = at("pw/MaxPool:0", maxpool2x2(x))
    x = at("dense1/Relu:0", relu(x.reshape(len(x), -1) @ v["dense1/kernel"] + v["dense1/bias"]))
    return at("logits/BiasAdd:0", x @ v["logits/kernel"] + v["logits/bias"])


def main():
    args = sys.argv[1:]
    integer = "--integer" in args
    args = [a for a in args if a != "--integer"]
    model = args[0]
    data = args[1] if len(args) > 1 else "/usr/share/datasets/fashion-mnist"
    weights = read_checkpoint(model + "/variables/variables")
    q = activation_quantizers(model) if integer else None
    images = read_idx(data + "/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(data + "/t10k-labels-idx1-ubyte.gz")
    correct = 0
    for start in range(0, len(labels), 500):
        batch = images[start:start + 500, :, :, None]
        correct += int((forward(weights, batch, q).argmax(axis=1) == labels[start:start + 500]).sum())
    print(json.dumps({"accuracy": correct / len(labels), "samples": len(labels)}))


if __name__ == "__main__":
    main()
