"""One training step (forward, task-aware loss, backward, Adam) of the DeepSC-COVID PyTorch twin.

Called by benchmarks/src/train-step.ts, one process per configuration so the peak RSS is that
configuration's. Prints one JSON line: median step seconds, every step's seconds, peak RSS.

    /usr/bin/python3 deepsc_train_step_torch.py '{"whole":[32,64,64],"patch":[16,64,64],"stem":8,
        "unet":[8,16,32,64],"cls":[16,32,64],"groups":4,"threads":2,"warmup":2,"steps":5}'
"""

import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deepsc_covid_torch import Config, DeepScCovid, region_matrices, resample_matrix  # noqa: E402


def task_aware_loss(out, label, mask, cfg):
    """The loss of packages/core/src/model/task-aware-loss.ts with its defaults (batch of 1)."""
    logits = out["logits"]
    w = torch.tensor([1.0, 1.0, 0.5])
    lp = torch.log_softmax(logits, 1)[0, label]
    p = lp.exp()
    cls = w[label] * (-lp) + 2 * w[label] * (-(1 - p) ** 2 * lp)
    z = out["seg_logits"]
    prob = torch.softmax(z, 1)[:, 1]
    g = mask[:, 0]
    dice = 1 - (2 * (prob * g).sum() + 1e-5) / (prob.sum() + g.sum() + 1e-5)
    wce = F.cross_entropy(z, g.long(), weight=torch.tensor([0.1, 1.0]))
    task = sum(b * F.mse_loss(out[f"side{k}"], out[f"evidence{k}_patch"]) for k, b in zip((1, 2, 3), (0.25, 0.25, 0.5)))
    return cls + dice + 2 * wce + 5 * task


def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a["threads"])
    cfg = Config(whole_size=tuple(a["whole"]), patch_size=tuple(a["patch"]), stem_width=a["stem"], unet_widths=tuple(a["unet"]), cls_widths=tuple(a["cls"]), groups=a["groups"])
    torch.manual_seed(0)
    net = DeepScCovid(cfg).train()
    fast = [p for n, p in net.named_parameters() if n.startswith("lesion.") or n.startswith("cross_stitch.")]
    slow = [p for n, p in net.named_parameters() if not (n.startswith("lesion.") or n.startswith("cross_stitch."))]
    opt = torch.optim.Adam([{"params": slow, "lr": 2e-3}, {"params": fast, "lr": 5e-3}], betas=(0.9, 0.999))
    scales, c = [], [1, 1, 1]
    for s in cfg.strides:
        c = [c[i] * s[i] for i in range(3)]
        scales.append(tuple(c))
    grid = lambda size, k: tuple(size[i] // scales[k][i] for i in range(3))  # noqa: E731
    lo = (cfg.whole_size[0] / 4, 0.0, 0.0)
    hi = (cfg.whole_size[0] / 4 + cfg.whole_size[0] / 2, float(cfg.whole_size[1]), float(cfg.whole_size[2]))
    region = region_matrices(lo, hi, scales[0], grid(cfg.whole_size, 0), grid(cfg.patch_size, 0))
    cams = []
    for k in (1, 2, 3):
        wk, pk = grid(cfg.whole_size, k), grid(cfg.patch_size, k)
        cams.append({f"crop_{n}": resample_matrix(pk[i], wk[i], lo[i] / scales[k][i], hi[i] / scales[k][i]).float() for i, n in enumerate("dhw")})
    whole = torch.rand(1, 1, *cfg.whole_size) * 2 - 1
    patch = torch.rand(1, 1, *cfg.patch_size) * 2 - 1
    mask = (torch.rand(1, 1, *cfg.patch_size) > 0.8).float()
    times = []
    for i in range(a["warmup"] + a["steps"]):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        out = net(whole, patch, region, cams)
        loss = task_aware_loss(out, 1, mask, cfg)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if i >= a["warmup"]:
            times.append(dt)
    times_sorted = sorted(times)
    print(json.dumps({
        "median_s": times_sorted[len(times) // 2],
        "times_s": times,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "loss": float(loss),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
