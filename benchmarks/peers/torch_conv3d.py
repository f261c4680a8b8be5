#!/usr/bin/python3
"""PyTorch peer of the conv3d kernel benchmark (run with Debian's /usr/bin/python3).

Reads one JSON request per line on stdin and answers one JSON line on stdout, so the
TypeScript runner can interleave it with our kernels layer by layer (same machine state).

Request:  {"threads": 2} once, then per layer
          {"name", "N", "C", "K", "in": [D,H,W], "k", "s", "p", "d", "groups",
           "passes": ["forward", "backward_data", "backward_weight"], "warmup", "repeats"}
Answer:   {"name", "forward": [ms...], "backward_data": [ms...], "backward_weight": [ms...]}
Backward passes call aten::convolution_backward with one output mask each: exactly what
autograd runs (oneDNN where PyTorch picks it), without autograd's bookkeeping.
"""
import json
import sys
import time

import torch


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def run_layer(req):
    torch.manual_seed(0)
    x = torch.rand(req["N"], req["C"], *req["in"]) * 2 - 1
    w = torch.rand(req["K"], req["C"] // req["groups"], *req["k"]) * 0.1
    b = torch.rand(req["K"])
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
    res = {"name": req["name"]}
    with torch.no_grad():
        for ps in req["passes"]:
            res[ps] = timed(fns[ps], req["warmup"], req["repeats"])
    return res


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            if "threads" in req:
                torch.set_num_threads(req["threads"])
                res = {"threads": torch.get_num_threads(), "torch": torch.__version__,
                       "mkldnn": torch.backends.mkldnn.is_available()}
            else:
                res = run_layer(req)
        except Exception as e:  # report, keep serving
            res = {"name": req.get("name"), "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
