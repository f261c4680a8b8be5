"""One training step (forward, task-aware loss, backward, Adam) of the DeepSC-COVID PyTorch twin.

Called by benchmarks/src/train-step.ts (CPU; one process per configuration so the peak RSS is
that configuration's) and by benchmarks/gpu/train-step.ts (--device cuda). Prints one JSON line.

    /usr/bin/python3 deepsc_train_step_torch.py '{"whole":[32,64,64],"patch":[16,64,64],"stem":8,
        "unet":[8,16,32,64],"cls":[16,32,64],"groups":4,"threads":2,"warmup":2,"steps":5}'
        [--device cpu|cuda] [--tf32 off|on|both]

--device cpu (default): median step seconds, every step's seconds, peak RSS.
--device cuda: fp32 tensors on GPU 0, cudnn.benchmark on (its algorithm search happens in the
warm-up), torch.cuda.synchronize() before and after each timed step; one run per TF32 setting
(--tf32, default both: off = true fp32 math in cuDNN convolutions and cuBLAS matmuls, on =
TF32 tensor cores allowed), each from the same initial weights; per run the median and every
step's seconds and the peak GPU memory allocated.
"""

import argparse
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
    """The loss of packages/deepsc-covid/src/task-aware-loss.ts with its defaults (batch of 1)."""
    dev = mask.device
    logits = out["logits"]
    w = torch.tensor([1.0, 1.0, 0.5], device=dev)
    lp = torch.log_softmax(logits, 1)[0, label]
    p = lp.exp()
    cls = w[label] * (-lp) + 2 * w[label] * (-(1 - p) ** 2 * lp)
    z = out["seg_logits"]
    prob = torch.softmax(z, 1)[:, 1]
    g = mask[:, 0]
    dice = 1 - (2 * (prob * g).sum() + 1e-5) / (prob.sum() + g.sum() + 1e-5)
    wce = F.cross_entropy(z, g.long(), weight=torch.tensor([0.1, 1.0], device=dev))
    task = sum(b * F.mse_loss(out[f"side{k}"], out[f"evidence{k}_patch"]) for k, b in zip((1, 2, 3), (0.25, 0.25, 0.5)))
    return cls + dice + 2 * wce + 5 * task


def set_tf32(on):
    """TF32 for cuDNN convolutions and cuBLAS matmuls (the einsum resampling, the linear layer).
    torch >= 2.9 has fp32_precision settings and deprecates allow_tf32; the two must not be mixed."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        conv.fp32_precision = "tf32" if on else "ieee"
        torch.backends.cuda.matmul.fp32_precision = "tf32" if on else "ieee"
    else:
        torch.backends.cudnn.allow_tf32 = on
        torch.backends.cuda.matmul.allow_tf32 = on


def run(a, cfg, dev):
    """Builds the twin from seed 0 and times warmup + steps training steps on `dev`."""
    cuda = dev.type == "cuda"
    torch.manual_seed(0)
    net = DeepScCovid(cfg).train().to(dev)
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
    region = {k: v.to(dev) for k, v in region_matrices(lo, hi, scales[0], grid(cfg.whole_size, 0), grid(cfg.patch_size, 0)).items()}
    cams = []
    for k in (1, 2, 3):
        wk, pk = grid(cfg.whole_size, k), grid(cfg.patch_size, k)
        cams.append({f"crop_{n}": resample_matrix(pk[i], wk[i], lo[i] / scales[k][i], hi[i] / scales[k][i]).float().to(dev) for i, n in enumerate("dhw")})
    whole = (torch.rand(1, 1, *cfg.whole_size) * 2 - 1).to(dev)
    patch = (torch.rand(1, 1, *cfg.patch_size) * 2 - 1).to(dev)
    mask = (torch.rand(1, 1, *cfg.patch_size) > 0.8).float().to(dev)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(a["warmup"] + a["steps"]):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        out = net(whole, patch, region, cams)
        loss = task_aware_loss(out, 1, mask, cfg)
        loss.backward()
        opt.step()
        if cuda:
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        if i >= a["warmup"]:
            times.append(dt)
    r = {"median_s": sorted(times)[len(times) // 2], "times_s": times, "loss": float(loss)}
    if cuda:
        r["peak_gpu_bytes"] = torch.cuda.max_memory_allocated()
    return r


def main():
    ap = argparse.ArgumentParser(description="One DeepSC-COVID training step of the PyTorch twin, timed.")
    ap.add_argument("config", help="JSON: whole, patch, stem, unet, cls, groups, threads, warmup, steps")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--tf32", choices=("off", "on", "both"), default="both", help="--device cuda only (default both)")
    o = ap.parse_args()
    a = json.loads(o.config)
    if not (a.get("warmup", -1) >= 0 and a.get("steps", 0) >= 1):
        raise SystemExit(f"deepsc_train_step_torch.py: warmup must be >= 0 and steps >= 1, got {a.get('warmup')}, {a.get('steps')}")
    torch.set_num_threads(a["threads"])
    cfg = Config(whole_size=tuple(a["whole"]), patch_size=tuple(a["patch"]), stem_width=a["stem"], unet_widths=tuple(a["unet"]), cls_widths=tuple(a["cls"]), groups=a["groups"])
    if o.device == "cpu":
        r = run(a, cfg, torch.device("cpu"))
        r.update({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "torch": torch.__version__, "threads": torch.get_num_threads()})
        print(json.dumps(r))
        return
    if not torch.cuda.is_available():
        raise SystemExit(f"deepsc_train_step_torch.py: --device cuda but torch.cuda.is_available() is False (torch {torch.__version__}, CUDA {torch.version.cuda})")
    torch.backends.cudnn.benchmark = True
    runs = []
    for tf32 in {"off": [False], "on": [True], "both": [False, True]}[o.tf32]:
        set_tf32(tf32)
        r = run(a, cfg, torch.device("cuda"))
        r["tf32"] = tf32
        runs.append(r)
        torch.cuda.empty_cache()
    print(json.dumps({
        "device": "cuda",
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "cudnn_benchmark": True,
        "optimizer": "torch.optim.Adam, default implementation (foreach on CUDA)",
        "runs": runs,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
