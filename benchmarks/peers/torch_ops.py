#!/usr/bin/python3
"""PyTorch peer of the small-op benchmark (src/ops.ts); run with Debian's /usr/bin/python3.

Reads one JSON request per line on stdin, answers one JSON line on stdout:
  {"threads": N}                                   -> {"threads", "torch"}
  {"case", "op", "shape", "pass", "warmup", "repeats"} -> {"case", "ms": [...]}
`pass` is "forward" (no autograd) or "forward_backward" (forward + backward of the sum of the
output times a fixed gradient, or of the loss). Each op mirrors the DeepSC op of the same name.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def make(op, shape):
    """Returns (inputs requiring grad, fn(inputs) -> output)."""
    x = torch.randn(*shape)
    n, c = shape[0], shape[1]
    rest = shape[2:]
    if op in ("softmax", "log_softmax"):
        f = F.softmax if op == "softmax" else F.log_softmax
        return [x], lambda i: f(i[0], 1)
    if op == "sigmoid":
        return [x], lambda i: torch.sigmoid(i[0])
    if op in ("cross_entropy", "focal"):
        y = torch.randint(0, c, (n, *rest))
        w = torch.linspace(0.5, 1.0, c)
        if op == "cross_entropy":
            return [x], lambda i: F.cross_entropy(i[0], y, weight=w)

        def focal(i):
            lp = F.log_softmax(i[0], 1).gather(1, y.unsqueeze(1)).squeeze(1)
            wy = w[y]
            return (wy * -(1 - lp.exp()) ** 2 * lp).sum() / wy.sum()

        return [x], focal
    if op == "soft_dice":
        p = torch.rand(*shape)
        t = (torch.rand(*shape) < 0.5).float()
        m = (torch.rand(n, 1, *rest) < 0.8).float()

        def dice(i):
            pm = i[0] * m
            inter = (pm * t).flatten(1).sum(1)
            total = pm.flatten(1).sum(1) + (t * m).flatten(1).sum(1)
            return 1 - ((2 * inter + 1e-5) / (total + 1e-5)).mean()

        return [p], dice
    if op == "mse":
        return [x, torch.randn(*shape)], lambda i: F.mse_loss(i[0], i[1])
    if op == "add_per_channel":
        return [x, torch.randn(1, c, *[1] * len(rest))], lambda i: i[0] + i[1]
    if op == "concat":
        return [x, torch.randn(*shape)], lambda i: torch.cat(i, 1)
    if op == "crop":
        d, h, w_ = rest
        return [x], lambda i: i[0][:, :, d // 4 : d // 4 + d // 2, h // 4 : h // 4 + h // 2, w_ // 4 : w_ // 4 + w_ // 2].contiguous()
    raise ValueError("unknown op " + op)


def run(req):
    inputs, fn = make(req["op"], req["shape"])
    if req["pass"] == "forward":
        with torch.no_grad():
            return timed(lambda: fn(inputs), req["warmup"], req["repeats"])
    leaves = [i.detach().requires_grad_() for i in inputs]
    out = fn(leaves)
    grad = torch.randn_like(out)

    def step():
        for leaf in leaves:
            leaf.grad = None
        fn(leaves).backward(grad)

    return timed(step, req["warmup"], req["repeats"])


def main():
    for line in sys.stdin:
        req = json.loads(line)
        if "threads" in req:
            torch.set_num_threads(req["threads"])
            print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
            continue
        print(json.dumps({"case": req["case"], "ms": run(req)}), flush=True)


if __name__ == "__main__":
    main()
