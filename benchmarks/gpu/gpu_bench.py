#!/usr/bin/env python3
"""The GPU conv3d benchmark (benchmarks/gpu/run.sh runs it; needs no Node.js).

Ours: native/test/cuda_check's `time` mode (our CUDA conv3d through the engine, CUDA-event
times, tensors on the device). Theirs: PyTorch with cuDNN in this process, fp32 tensors, timed
twice: TF32 off (torch.backends.cudnn.allow_tf32 = False: true fp32 math) and TF32 on (cuDNN
may use TF32 tensor cores); cudnn.benchmark = True (the algorithm search happens in the
warmup); CUDA-event time of one call. Backward passes call aten::convolution_backward with one
output mask each, exactly what autograd runs (backward-weight includes the bias gradient, and
so does ours). With --lowp-bin (native/test/cuda_emu/gpu/conv3d_lowp_gpu, its `time` mode) our
TF32 and bf16 tensor-core kernels (src/cuda/conv3d_lowp.cu; not yet used by the engine) are
timed too, against cuDNN with TF32 on and with bfloat16 tensors: the TF32 / bf16 columns. Ours
keep fp32 tensors and round when the operands are loaded; cuDNN's bf16 reads bf16 tensors (half
the bytes). A pass our tensor-core kernels do not take (M <= 8, thin backward-weight) shows our
fp32 time in those columns, marked "*": the engine runs it in fp32. Written without a GPU: the
TF32 / bf16 columns have not run yet.

Layers: layers.json, seven DeepSC-COVID layers at the paper's sizes, generated from
benchmarks/src/layers.ts by make-layers.ts. Prints a table and writes
benchmarks/results/gpu-conv3d-<GPU>-<time>.json (atomically).

  python3 gpu_bench.py --check-bin PATH [--lowp-bin PATH] [--warmup N] [--repeats N] [--ours-math fp32|3xtf32]
                       [--out FILE]

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


def torch_layer(l, warmup, repeats, math):
    """cuDNN's times of the three passes: math "fp32" (TF32 off), "tf32" (TF32 on) or "bf16"
    (bfloat16 tensors, fp32 accumulation inside cuDNN)."""
    tf32 = math == "tf32"
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(0)
    dev = torch.device("cuda")
    dtype = torch.bfloat16 if math == "bf16" else torch.float32
    x = (torch.rand(l["N"], l["C"], *l["in"], device=dev) * 2 - 1).to(dtype)
    w = (torch.rand(l["K"], l["C"] // l["groups"], *l["k"], device=dev) * 0.1).to(dtype)
    b = torch.rand(l["K"], device=dev).to(dtype)
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


def layer_lines(layers):
    """The layers in cuda_check time's stdin format, one a line."""
    return "".join(
        " ".join(str(v) for v in [l["name"], l["N"], l["C"], l["K"], *l["in"], *l["k"], *l["s"], *l["p"], *l["d"], l["groups"]])
        + "\n" for l in layers)


def ours(check_bin, layers, warmup, repeats, math):
    r = subprocess.run([check_bin, "time", str(warmup), str(repeats)], input=layer_lines(layers), capture_output=True, text=True,
                       timeout=240, env={**os.environ, "DEEPSC_CONV3D_MATH": math})
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        raise SystemExit(f"gpu_bench.py: {check_bin} time failed with status {r.returncode}")
    return {row["name"]: row for row in (json.loads(x) for x in r.stdout.splitlines() if x.strip())}


def ours_lowp(lowp_bin, layers, warmup, repeats):
    """Our TF32 / bf16 kernels' rows by layer name ({precision: {pass: {"ms", "math", ...}}}), or
    (None, reason) when the program fails: a kernel that fails its determinism or accuracy
    check (or faults) has no times worth showing, and the fp32 benchmark goes on without them."""
    try:
        r = subprocess.run([lowp_bin, "time", str(warmup), str(repeats)], input=layer_lines(layers),
                           capture_output=True, text=True, timeout=240)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{lowp_bin}: {type(e).__name__}: {e}"
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        return None, (f"{lowp_bin} time ended with status {r.returncode}: a TF32 / bf16 kernel failed its determinism "
                      f"or accuracy check or did not run (its output is above)")
    return {row["name"]: row for row in (json.loads(x) for x in r.stdout.splitlines() if x.strip())}, None


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(ms):
    return "-" if ms is None else (f"{ms:.3f}" if ms < 10 else f"{ms:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-bin", required=True, help="path of the built cuda_check program")
    ap.add_argument("--lowp-bin", default=None,
                    help="path of the built conv3d_lowp_gpu program: adds our TF32 and bf16 columns")
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
    lowp, lowp_error = ours_lowp(a.lowp_bin, layers, a.warmup, a.repeats) if a.lowp_bin else (None, None)
    if lowp_error:
        print(f"ERROR: no TF32 / bf16 columns of ours: {lowp_error}", file=sys.stderr)
    maths = ("fp32", "tf32", "bf16") if lowp is not None else ("fp32", "tf32")
    torch.backends.cudnn.benchmark = True
    rows, ratios = [], []
    low_ratios = {"tf32": [], "bf16": []}
    for l in layers:
        theirs = {}
        for m_ in maths:
            try:
                theirs[m_] = torch_layer(l, a.warmup, a.repeats, m_)
            except Exception as e:  # report the layer, keep going
                theirs[m_] = {"error": f"{type(e).__name__}: {e}"}
            torch.cuda.empty_cache()
        for p in PASSES:
            m = statistics.median(mine[l["name"]][p]) if l["name"] in mine else None
            cudnn = {m_: statistics.median(theirs[m_][p]) if p in theirs[m_] else None for m_ in maths}
            f32, t32 = cudnn["fp32"], cudnn["tf32"]
            ratio = f32 / m if (m and f32) else None
            if ratio:
                ratios.append(ratio)
            row = {"layer": l["name"], "source": l["source"], "pass": p, "flops": flops(l), "oursMs": m,
                   "oursAllMs": mine.get(l["name"], {}).get(p), "cudnnFp32Ms": f32, "cudnnTf32Ms": t32,
                   "torchErrors": [t.get("error") for t in theirs.values() if "error" in t],
                   "oursOverCudnnFp32Speed": ratio}
            if lowp is not None:
                row["cudnnBf16Ms"] = cudnn["bf16"]
                for prec in ("tf32", "bf16"):
                    entry = lowp.get(l["name"], {}).get(prec, {}).get(p, {})
                    fallback = entry.get("math") == "fp32"  # the engine runs this pass in fp32
                    ms = m if fallback else entry.get("ms")
                    r_ = cudnn[prec] / ms if (ms and cudnn[prec]) else None
                    if r_:
                        low_ratios[prec].append(r_)
                    key = prec.capitalize()
                    row[f"ours{key}Ms"] = ms
                    row[f"ours{key}Fp32Fallback"] = fallback
                    row[f"ours{key}Plan"] = entry
                    row[f"ours{key}OverCudnn{key}Speed"] = r_
            rows.append(row)
    header = ["layer", "pass", "GFLOP", "ours ms", "ours TFLOP/s", "cuDNN fp32 ms", "cuDNN tf32 ms", "ours/fp32 speed"]
    if lowp is not None:
        header += ["ours tf32 ms", "ours/tf32 speed", "ours bf16 ms", "cuDNN bf16 ms", "ours/bf16 speed"]

    def low_cells(r):
        if lowp is None:
            return []
        cells = []
        for key in ("Tf32", "Bf16"):
            mark = "*" if r[f"ours{key}Fp32Fallback"] else ""
            cells.append(fmt(r[f"ours{key}Ms"]) + mark)
            if key == "Bf16":
                cells.append(fmt(r["cudnnBf16Ms"]))
            sp = r[f"ours{key}OverCudnn{key}Speed"]
            cells.append("-" if sp is None else f"{sp:.3f}")
        return cells

    table = [header] + [[r["layer"], r["pass"], f"{r['flops'] / 1e9:.2f}", fmt(r["oursMs"]),
                         "-" if not r["oursMs"] else f"{r['flops'] / r['oursMs'] / 1e9:.2f}",
                         fmt(r["cudnnFp32Ms"]), fmt(r["cudnnTf32Ms"]),
                         "-" if r["oursOverCudnnFp32Speed"] is None else f"{r['oursOverCudnnFp32Speed']:.3f}"]
                        + low_cells(r)
                        for r in rows]
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)))
    gm = geomean(ratios)
    print(f"\nGPU: {gpu}; PyTorch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    print(f"ours vs cuDNN fp32 (TF32 off), geometric mean of speed ratios: "
          f"{'-' if gm is None else f'{gm:.3f}'} (target >= 1.5)")
    low_summary = {}
    if lowp is not None:
        print("(*: a pass our tensor-core kernels do not take; our fp32 time, as the engine would run it)")
        for prec in ("tf32", "bf16"):
            g = geomean(low_ratios[prec])
            worst = min(low_ratios[prec]) if low_ratios[prec] else None
            low_summary[prec] = {"geomean": g, "worst": worst}
            print(f"ours {prec} vs cuDNN {prec}: geometric mean {'-' if g is None else f'{g:.3f}'} (target >= 1.0), "
                  f"slowest pass {'-' if worst is None else f'{worst:.3f}'} (target >= 0.7)")
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
                      "; cuDNN timed with TF32 off (allow_tf32 = False) and on" +
                      ("; ours TF32 / bf16: conv3d_lowp tensor-core kernels on fp32 tensors (operands rounded at "
                       "load); cuDNN bf16 on bfloat16 tensors" if lowp is not None else "")),
        "oursMath": a.ours_math,
        "geomeanOursLowpOverCudnnSpeed": low_summary if lowp is not None else None,
        "lowpError": lowp_error,
        "timing": f"CUDA events, tensors on the GPU, median of {a.repeats} after {a.warmup} warmup; cudnn.benchmark = True",
        "geomeanOursOverCudnnFp32Speed": gm,
        "rows": rows,
    }
    with open(out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
