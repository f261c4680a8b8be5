#!/usr/bin/env python3
"""The GPU conv3d benchmark (benchmarks/gpu/run.sh runs it; needs no Node.js).

Ours: native/test/cuda_check's `time` mode (our CUDA conv3d through the engine, CUDA-event
times, tensors on the device). Theirs: PyTorch with cuDNN in this process, fp32 tensors, timed
twice: TF32 off (torch.backends.cudnn.allow_tf32 = False: true fp32 math) and TF32 on (cuDNN
may use TF32 tensor cores); cudnn.benchmark = True (the algorithm search happens in the
warmup); CUDA-event time of one call. Backward passes call aten::convolution_backward with one
output mask each, exactly what autograd runs (backward-weight includes the bias gradient, and
so does ours).

Layers: layers.json, seven DeepSC-COVID layers at the paper's sizes, generated from
benchmarks/src/layers.ts by make-layers.ts. Prints a table and writes
benchmarks/results/gpu-conv3d-<GPU>-<time>.json (atomically).

  python3 gpu_bench.py --check-bin PATH [--warmup N] [--repeats N] [--ours-math fp32|3xtf32] [--out FILE]

--ours-math 3xtf32 times our opt-in 3xTF32 tensor-core multiply (DEEPSC_CONV3D_MATH) instead of
the default FFMA one.
"""
import argparse
import datetime
import json
import math
import os
import re
import statistics
import subprocess
import sys

import torch

PASSES = ("forward", "backward_data", "backward_weight")
HERE = os.path.dirname(os.path.abspath(__file__))


def flops(l):
    out = [(l["in"][a] + 2 * l["p"][a] - l["d"][a] * (l["k"][a] - 1) - 1) // l["s"][a] + 1 for a in range(3)]
    return 2 * l["N"] * l["K"] * out[0] * out[1] * out[2] * (l["C"] // l["groups"]) * l["k"][0] * l["k"][1] * l["k"][2]


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    out = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        out.append(start.elapsed_time(stop))
    return out


def torch_layer(l, warmup, repeats, tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(0)
    dev = torch.device("cuda")
    x = torch.rand(l["N"], l["C"], *l["in"], device=dev) * 2 - 1
    w = torch.rand(l["K"], l["C"] // l["groups"], *l["k"], device=dev) * 0.1
    b = torch.rand(l["K"], device=dev)
    s, p, d, g = l["s"], l["p"], l["d"], l["groups"]
    y = torch.nn.functional.conv3d(x, w, b, s, p, d, g)
    dy = torch.rand_like(y)
    fns = {
        "forward": lambda: torch.nn.functional.conv3d(x, w, b, s, p, d, g),
        "backward_data": lambda: torch.ops.aten.convolution_backward(
            dy, x, w, [l["K"]], s, p, d, False, [0, 0, 0], g, [True, False, False]),
        "backward_weight": lambda: torch.ops.aten.convolution_backward(
            dy, x, w, [l["K"]], s, p, d, False, [0, 0, 0], g, [False, True, True]),
    }
    with torch.no_grad():
        return {name: timed(fn, warmup, repeats) for name, fn in fns.items()}


def ours(check_bin, layers, warmup, repeats, math):
    lines = "".join(
        " ".join(str(v) for v in [l["name"], l["N"], l["C"], l["K"], *l["in"], *l["k"], *l["s"], *l["p"], *l["d"], l["groups"]])
        + "\n" for l in layers)
    r = subprocess.run([check_bin, "time", str(warmup), str(repeats)], input=lines, capture_output=True, text=True,
                       timeout=240, env={**os.environ, "DEEPSC_CONV3D_MATH": math})
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise SystemExit(f"gpu_bench.py: {check_bin} time failed with status {r.returncode}")
    return {row["name"]: row for row in (json.loads(x) for x in r.stdout.splitlines() if x.strip())}


def fmt(ms):
    return "-" if ms is None else (f"{ms:.3f}" if ms < 10 else f"{ms:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-bin", required=True, help="path of the built cuda_check program")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ours-math", choices=("fp32", "3xtf32"), default="fp32",
                    help="our conv3d multiply: FFMA (default) or the opt-in 3xTF32 tensor-core one")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if not (0 <= a.warmup <= 1000 and 1 <= a.repeats <= 1000):
        raise SystemExit(f"gpu_bench.py: --warmup must be in [0, 1000] and --repeats in [1, 1000], got {a.warmup}, {a.repeats}")
    if not torch.cuda.is_available():
        raise SystemExit(f"gpu_bench.py: torch.cuda.is_available() is False (torch {torch.__version__}, CUDA {torch.version.cuda})")
    with open(os.path.join(HERE, "layers.json")) as f:
        layers = json.load(f)
    gpu = torch.cuda.get_device_name(0)
    mine = ours(a.check_bin, layers, a.warmup, a.repeats, a.ours_math)
    torch.backends.cudnn.benchmark = True
    rows, ratios = [], []
    for l in layers:
        theirs = {}
        for tf32 in (False, True):
            try:
                theirs[tf32] = torch_layer(l, a.warmup, a.repeats, tf32)
            except Exception as e:  # report the layer, keep going
                theirs[tf32] = {"error": f"{type(e).__name__}: {e}"}
            torch.cuda.empty_cache()
        for p in PASSES:
            m = statistics.median(mine[l["name"]][p]) if l["name"] in mine else None
            f32 = statistics.median(theirs[False][p]) if p in theirs[False] else None
            t32 = statistics.median(theirs[True][p]) if p in theirs[True] else None
            ratio = f32 / m if (m and f32) else None
            if ratio:
                ratios.append(ratio)
            rows.append({"layer": l["name"], "source": l["source"], "pass": p, "flops": flops(l), "oursMs": m,
                         "oursAllMs": mine.get(l["name"], {}).get(p), "cudnnFp32Ms": f32, "cudnnTf32Ms": t32,
                         "torchErrors": [t.get("error") for t in theirs.values() if "error" in t],
                         "oursOverCudnnFp32Speed": ratio})
    header = ["layer", "pass", "GFLOP", "ours ms", "ours TFLOP/s", "cuDNN fp32 ms", "cuDNN tf32 ms", "ours/fp32 speed"]
    table = [header] + [[r["layer"], r["pass"], f"{r['flops'] / 1e9:.2f}", fmt(r["oursMs"]),
                         "-" if not r["oursMs"] else f"{r['flops'] / r['oursMs'] / 1e9:.2f}",
                         fmt(r["cudnnFp32Ms"]), fmt(r["cudnnTf32Ms"]),
                         "-" if r["oursOverCudnnFp32Speed"] is None else f"{r['oursOverCudnnFp32Speed']:.3f}"]
                        for r in rows]
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)))
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else None
    print(f"\nGPU: {gpu}; PyTorch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    print(f"ours vs cuDNN fp32 (TF32 off), geometric mean of speed ratios: "
          f"{'-' if geomean is None else f'{geomean:.3f}'} (target >= 0.5)")
    now = datetime.datetime.now(datetime.timezone.utc)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", gpu).strip("-")
    out = a.out or os.path.join(HERE, "..", "results", f"gpu-conv3d-{slug}-{now.strftime('%Y-%m-%dT%H-%M-%SZ')}.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    doc = {
        "benchmark": "gpu-conv3d",
        "date": now.isoformat(),
        "gpu": gpu,
        "torch": {"version": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()},
        "precision": ("fp32 tensors; ours: " + ("fp32 FMA, no tensor cores" if a.ours_math == "fp32" else
                                                 "3xTF32 tensor cores (fp32-accurate split)") +
                      "; cuDNN timed with TF32 off (allow_tf32 = False) and on"),
        "oursMath": a.ours_math,
        "timing": f"CUDA events, tensors on the GPU, median of {a.repeats} after {a.warmup} warmup; cudnn.benchmark = True",
        "geomeanOursOverCudnnFp32Speed": geomean,
        "rows": rows,
    }
    with open(out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
