#!/usr/bin/env python3
"""The step that `tools/adaround bench` times, in PyTorch: the figure to compare with.

Per case (the same five layers as BenchCase.ALL): 256 cached calibration samples, a minibatch of
`batch` distinct samples drawn at random each step, the AdaRound quantizer (eq. 22-23 of Nagel et
al. 2020) on a 4-bit per-tensor grid, the layer and its ReLU, the paper's loss (squared error summed
over output channels and averaged over the rest, plus 0.01 * sum(1 - |2h - 1|^beta) at the beta of
the first iteration after the warm start) and one Adam step on V, as a PyTorch user writes it.
After 20 warm-up steps, the median of 5 repeats of `steps` steps (about 2 GFLOP per repeat).

PyTorch at its best: each case is timed in two child processes, with OpenBLAS's thread pool at its
default and with OPENBLAS_NUM_THREADS=1 (OpenBLAS threads on top of torch's intra-op threads can
oversubscribe a small machine), and the faster is kept, with the setting that gave it.

--bare times the step without the minibatch draw and the ReLU (one fixed minibatch, the bare
layer): the step of the project steering's own torch_step.py (bench/ of its shared folder), to
check the two scripts against each other.

usage: tools/torch_step.py [--json] [--threads N] [--bare] [--one-config]
Needs PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3).
"""
import json
import math
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

ZETA, GAMMA = 1.1, -0.1
QMIN, QMAX = -8, 7
CALIBRATION_SAMPLES = 256
WARM_UP, REPEATS = 20, 5
# name: (conv, in, out, size, batch), as in BenchCase.ALL
CASES = {
    "dense_512x512_b32": (False, 512, 512, 1, 32),
    "dense_3136x128_b32": (False, 3136, 128, 1, 32),
    "conv3x3_64x64_16x16_b32": (True, 64, 64, 16, 32),
    "conv3x3_1x32_28x28_b32": (True, 1, 32, 28, 32),
    "dense_16x32_b50": (False, 16, 32, 1, 50),
}


def flops_per_step(conv, cin, cout, size, batch):
    """Forward product and weight gradient (as many again); elementwise work is not counted."""
    return 2 * (2.0 * batch * size * size * cout * cin * (9 if conv else 1))


def default_steps(case):
    return int(max(30, min(400, 2e9 / flops_per_step(*case))))


def time_case(conv, cin, cout, size, batch, steps, bare):
    g = torch.Generator().manual_seed(1)
    wshape = (cout, cin, 3, 3) if conv else (cout, cin)
    xshape = (CALIBRATION_SAMPLES, cin, size, size) if conv else (CALIBRATION_SAMPLES, cin)
    weight = torch.randn(wshape, generator=g) * 0.1
    inputs = torch.randn(xshape, generator=g)

    def layer(x, w):
        y = F.conv2d(x, w, padding=1) if conv else F.linear(x, w)
        return y if bare else F.relu(y)

    with torch.no_grad():
        targets = layer(inputs, weight)
    scale = weight.abs().max() / ((QMAX - QMIN) / 2)
    floor = torch.floor(weight / scale)
    residual = weight / scale - floor
    v = (-torch.log((ZETA - GAMMA) / (residual - GAMMA) - 1)).requires_grad_(True)
    adam = torch.optim.Adam([v], lr=1e-3)
    timed = WARM_UP + steps * REPEATS
    iterations = 5 * (timed + 1)
    warm_end = 0.2 * iterations
    iteration = [math.ceil(warm_end)]
    draw = torch.Generator().manual_seed(0)

    def step():
        if bare:
            x, y = inputs[:batch], targets[:batch]
        else:
            batch_index = torch.randperm(CALIBRATION_SAMPLES, generator=draw)[:batch]
            x, y = inputs[batch_index], targets[batch_index]
        adam.zero_grad()
        h = torch.clamp(torch.sigmoid(v) * (ZETA - GAMMA) + GAMMA, 0, 1)
        soft = torch.clamp(floor + h, QMIN, QMAX) * scale
        out = layer(x, soft)
        reconstruction = F.mse_loss(out, y, reduction="sum") / (out.numel() / out.shape[1])
        rel = (iteration[0] - warm_end) / (iterations - warm_end)
        beta = 2 + 0.5 * (20 - 2) * (1 + math.cos(rel * math.pi))
        regularization = 0.01 * (1 - (2 * h - 1).abs().pow(beta)).sum()
        (reconstruction + regularization).backward()
        adam.step()
        iteration[0] += 1

    for _ in range(WARM_UP):
        step()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(times)


def one_config(threads, bare):
    torch.set_num_threads(threads)
    rows = []
    for name, case in CASES.items():
        ms = time_case(*case, default_steps(case), bare)
        rows.append({"case": name, "ms_per_step": round(ms, 4),
                     "gflops_per_s": round(flops_per_step(*case) / ms / 1e6, 2)})
    return {"torch": torch.__version__, "threads": threads, "cases": rows}


def best_of_configs(threads, bare):
    best = {}
    for label, openblas in (("openblas-default", None), ("openblas-1-thread", "1")):
        env = dict(os.environ)
        env.pop("OPENBLAS_NUM_THREADS", None)
        if openblas:
            env["OPENBLAS_NUM_THREADS"] = openblas
        args = [sys.executable, os.path.abspath(__file__), "--one-config", "--json",
                "--threads", str(threads)] + (["--bare"] if bare else [])
        out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
        run = json.loads(out.strip().splitlines()[-1])
        for row in run["cases"]:
            if row["case"] not in best or row["ms_per_step"] < best[row["case"]]["ms_per_step"]:
                best[row["case"]] = dict(row, config=label)
    return {"torch": run["torch"], "threads": threads, "cases": [best[n] for n in CASES]}


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    bare = "--bare" in sys.argv
    result = one_config(threads, bare) if "--one-config" in sys.argv else best_of_configs(threads, bare)
    if "--json" in sys.argv:
        print(json.dumps(result))
        return
    for row in result["cases"]:
        print(f"{row['case']:28s} {row['ms_per_step']:9.3f} ms/step "
              f"{row['gflops_per_s']:8.1f} GFLOP/s  {row.get('config', '')}")


if __name__ == "__main__":
    main()
