#!/usr/bin/env python3
"""PyTorch/cuDNN peer of the GPU conv3d benchmark (benchmarks/gpu/bench.ts runs it).

Reads one JSON object on stdin: {"layers": [{"name", "N", "C", "K", "in", "k", "s", "p", "d",
"groups"}...], "warmup": int, "repeats": int} and writes one JSON object on stdout:
{"torch", "cuda", "cudnn", "device", "results": [{"name", "tf32": false|true,
"forward": [ms...], "backward_data": [ms...], "backward_weight": [ms...]} | {"name", "error"}]}.

fp32 tensors; each layer is timed twice: TF32 off (torch.backends.cudnn.allow_tf32 = False,
true fp32 math) and TF32 on (cuDNN may use TF32 tensor cores). cudnn.benchmark = True so cuDNN
picks its fastest algorithm (the pick happens in the warmup). Times are CUDA-event times of
one call, everything already on the GPU. Backward passes call aten::convolution_backward with
one output mask each, exactly what autograd runs.
"""
import json
import sys

import torch


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


def run_layer(req, warmup, repeats, tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(0)
    dev = torch.device("cuda")
    x = torch.rand(req["N"], req["C"], *req["in"], device=dev) * 2 - 1
    w = torch.rand(req["K"], req["C"] // req["groups"], *req["k"], device=dev) * 0.1
    b = torch.rand(req["K"], device=dev)
    s, p, d, g = req["s"], req["p"], req["d"], req["groups"]
    y = torch.nn.functional.conv3d(x, w, b, s, p, d, g)
    dy = torch.rand_like(y)
    fns = {
        "forward": lambda: torch.nn.functional.conv3d(x, w, b, s, p, d, g),
        "backward_data": lambda: torch.ops.aten.convolution_backward(
            dy, x, w, [req["K"]], s, p, d, False, [0, 0, 0], g, [True, False, False]),
        "backward_weight": lambda: torch.ops.aten.convolution_backward(
            dy, x, w, [req["K"]], s, p, d, False, [0, 0, 0], g, [False, True, True]),
    }
    res = {"name": req["name"], "tf32": tf32}
    with torch.no_grad():
        for name, fn in fns.items():
            res[name] = timed(fn, warmup, repeats)
    return res


def main():
    if not torch.cuda.is_available():
        sys.stderr.write("torch_conv3d_cuda.py: torch.cuda.is_available() is False "
                         f"(torch {torch.__version__}, built for CUDA {torch.version.cuda})\n")
        sys.exit(2)
    req = json.load(sys.stdin)
    torch.backends.cudnn.benchmark = True
    results = []
    for layer in req["layers"]:
        for tf32 in (False, True):
            try:
                results.append(run_layer(layer, req["warmup"], req["repeats"], tf32))
            except Exception as e:  # report the layer, keep going
                results.append({"name": layer["name"], "tf32": tf32, "error": f"{type(e).__name__}: {e}"})
            torch.cuda.empty_cache()
    out = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name(0),
        "results": results,
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
