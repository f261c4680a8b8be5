"""Whole-scan prediction with the DeepSC-COVID PyTorch twin: PyTorch's side of the inference benchmark.

Called by benchmarks/gpu/infer.ts, one process per case (so a CPU run's peak RSS is that case's).
Prints one JSON line.

    /usr/bin/python3 deepsc_infer_torch.py '{"whole":[48,256,256],"patch":[24,256,256],"stem":16,
        "unet":[...],"cls":[...],"groups":4,"variant":"joint","window_batch":1,"overlap":0.5,
        "threads":2,"warmup":1,"scans":5}' [--device cpu|cuda] [--precision fp32,tf32,bf16]

What one scan is (what our `predict` in packages/deepsc-covid/src/predict.ts does, written as a
PyTorch user would): the synthetic scan is the whole-scan input itself (whole_size), so no resampling;
the patch grid is the whole-scan grid (predict's default `whole-scan`); windows of patch_size
placed with `overlap` exactly as core's windowGrid (nnU-Net's rule: evenly spaced, step
floor(window * (1 - overlap))), run `window_batch` at a time under torch.inference_mode(); each
window's lesion probability softmax(seg_logits)[:, 1] blended on the device with Gaussian weights
(sigma = window / 8, core's gaussianWeights) into float32 sums, divided by the summed weights at
the end; class probabilities (softmax of the logits) and the three evidence maps averaged over
the windows, the maps upsampled (trilinear) to the whole-scan size and averaged. The joint
variant's windows each need their own region in the scan (the cross-stitch's crop / paste
matrices, computed per window as region.ts does), so it runs one window per call, as ours does.
A scan's time ends when its results are on the host (torch.cuda.synchronize on CUDA).

--check FILE (the agreement check): FILE is the JSON our side wrote for the case (a small
configuration, the scan, our prediction, and our weights in FILE's "weights", a safetensors file
with the twin's parameter names); the twin loads those weights, predicts that scan in fp32 (TF32
off) and prints its prediction under "check", for the caller to compare with ours.

--precision (CUDA): fp32 = TF32 off (true fp32 in cuDNN and cuBLAS), tf32 = TF32 allowed, bf16 =
torch.autocast(bfloat16) with TF32 allowed; each from the same weights, cudnn.benchmark on (its
search happens in the warm-up), the peak GPU memory allocated per precision
(torch.cuda.max_memory_allocated after reset_peak_memory_stats). On the CPU only fp32 runs.
"""

import argparse
import json
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deepsc_covid_torch import Config, DeepScCovid, region_matrices, resample_matrix  # noqa: E402
from deepsc_train_step_torch import set_tf32  # noqa: E402

PRECISIONS = ("fp32", "tf32", "bf16")


def window_starts(size, window, overlap):
    """core's windowStarts (packages/core/src/sliding-window.ts)."""
    if window > size:
        raise SystemExit(f"deepsc_infer_torch.py: window {window} is larger than the axis ({size})")
    if window == size:
        return [0]
    step = max(1, int(window * (1 - overlap)))
    n = -(-(size - window) // step) + 1
    # JavaScript's Math.round: halves round up
    return [int((i * (size - window)) / (n - 1) + 0.5) for i in range(n)]


def window_grid(shape, window, overlap):
    sd, sh, sw = (window_starts(shape[a], window[a], overlap) for a in range(3))
    return [(d, h, w) for d in sd for h in sh for w in sw]


def gaussian_weights(size):
    """core's gaussianWeights: sigma = size / 8 per axis, peak 1, computed in float64, stored float32."""
    axes = []
    for n in size:
        sigma = n / 8
        centre = (n - 1) / 2
        i = torch.arange(n, dtype=torch.float64)
        axes.append(torch.exp(-((i - centre) ** 2) / (2 * sigma * sigma)))
    w = (axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]).float()
    positive = w[w > 0]
    return torch.where(w > 0, w, positive.min()) if positive.numel() else w


def load_safetensors(path):
    """The float32 tensors of a safetensors file (by hand: the package may be missing)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        if h["dtype"] != "F32":
            raise SystemExit(f"deepsc_infer_torch.py: {path}: tensor {name} is {h['dtype']}, expected F32")
        a, b = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(h["shape"])
    return out


class Scan:
    """Everything fixed across scans of one case: the network, grid, weights and each window's region matrices."""

    def __init__(self, a, dev):
        self.dev = dev
        self.cfg = Config(
            whole_size=tuple(a["whole"]), patch_size=tuple(a["patch"]), stem_width=a["stem"],
            unet_widths=tuple(a["unet"]), cls_widths=tuple(a["cls"]), groups=a["groups"], variant=a["variant"],
        )
        torch.manual_seed(0)
        self.net = DeepScCovid(self.cfg).eval().to(dev)
        cfg = self.cfg
        self.batch = a["window_batch"]
        if self.net.has_cls and self.batch != 1:
            raise SystemExit(
                f"deepsc_infer_torch.py: variant {cfg.variant} runs one window per call (each window has its own region), got window_batch {self.batch}"
            )
        # the patch grid is the whole-scan grid (predict's default), or the whole scan for classification-only
        self.window = tuple(cfg.patch_size) if self.net.has_seg else tuple(cfg.whole_size)
        self.starts = window_grid(cfg.whole_size, self.window, a["overlap"])
        self.weights = gaussian_weights(self.window).to(dev)
        scales, c = [], [1, 1, 1]
        for s in cfg.strides:
            c = [c[i] * s[i] for i in range(3)]
            scales.append(tuple(c))
        self.scales = scales

    def grid(self, size, k):
        return tuple(size[i] // self.scales[k][i] for i in range(3))

    def regions(self, start):
        """The joint variant's region matrices for the window at `start` (windowRegion with the grid = the whole scan)."""
        cfg, dev = self.cfg, self.dev
        lo = tuple(float(s) for s in start)
        hi = tuple(float(start[i] + cfg.patch_size[i]) for i in range(3))
        region = {k: v.to(dev) for k, v in region_matrices(lo, hi, self.scales[0], self.grid(cfg.whole_size, 0), self.grid(cfg.patch_size, 0)).items()}
        cams = []
        for k in (1, 2, 3):
            wk, pk = self.grid(cfg.whole_size, k), self.grid(cfg.patch_size, k)
            cams.append({f"crop_{n}": resample_matrix(pk[i], wk[i], lo[i] / self.scales[k][i], hi[i] / self.scales[k][i]).float().to(dev) for i, n in enumerate("dhw")})
        return region, cams

    def predict(self, scan):
        """scan [1, 1, *whole_size] on the device; returns (class probabilities, lesion, evidence) on the host."""
        cfg, net = self.cfg, self.net
        n_win = len(self.starts)
        lesion_sum = torch.zeros(cfg.whole_size, device=self.dev) if net.has_seg else None
        weight_sum = torch.zeros(cfg.whole_size, device=self.dev) if net.has_seg else None
        probs = torch.zeros(cfg.num_classes, device=self.dev) if net.has_cls else None
        evidence = [None, None, None]
        win = self.window
        for b0 in range(0, n_win, self.batch):
            batch = self.starts[b0 : b0 + self.batch]
            if net.has_seg:
                patch = torch.cat([scan[:, :, d : d + win[0], h : h + win[1], w : w + win[2]] for d, h, w in batch], 0)
            if net.joint:
                region, cams = self.regions(batch[0])
                out = net(scan, patch, region, cams)
            elif net.has_seg:
                out = net(patch=patch)
            else:
                out = net(whole=scan)
            if net.has_seg:
                p = torch.softmax(out["seg_logits"].float(), 1)[:, 1]
                for j, (d, h, w) in enumerate(batch):
                    lesion_sum[d : d + win[0], h : h + win[1], w : w + win[2]] += self.weights * p[j]
                    weight_sum[d : d + win[0], h : h + win[1], w : w + win[2]] += self.weights
            if net.has_cls:
                probs += torch.softmax(out["logits"].float(), 1).sum(0) / n_win
                for k in range(3):
                    m = out[f"evidence{k + 1}"].float().sum(0) / n_win
                    evidence[k] = m if evidence[k] is None else evidence[k] + m
        result = {}
        if net.has_cls:
            up = [F.interpolate(e[None], size=tuple(cfg.whole_size), mode="trilinear", align_corners=False) for e in evidence]
            result["probs"] = probs.cpu()
            result["evidence"] = (sum(up) / 3).cpu()
        if net.has_seg:
            result["lesion"] = (lesion_sum / weight_sum).cpu()
        return result


def run_precision(s, a, precision):
    cuda = s.dev.type == "cuda"
    if cuda:
        set_tf32(precision != "fp32")
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    gen = torch.Generator().manual_seed(1)
    scan = (torch.rand((1, 1, *s.cfg.whole_size), generator=gen) * 2 - 1).to(s.dev)
    times = []
    result = None
    for i in range(a["warmup"] + a["scans"]):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.inference_mode():
            if precision == "bf16":
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    result = s.predict(scan)
            else:
                result = s.predict(scan)
        if cuda:
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        if i >= a["warmup"]:
            times.append(dt)
    finite = all(bool(torch.isfinite(v).all()) for v in result.values())
    if not finite:
        raise SystemExit(f"deepsc_infer_torch.py: {precision}: the prediction is not finite")
    med = sorted(times)[len(times) // 2] if len(times) % 2 else sum(sorted(times)[len(times) // 2 - 1 : len(times) // 2 + 1]) / 2
    r = {"precision": precision, "median_s": med, "times_s": times, "scans_per_min": 60.0 / med}
    if cuda:
        r["peak_gpu_bytes"] = torch.cuda.max_memory_allocated()
    return r


def agreement(path, dev):
    """The twin's prediction of the check case our side wrote to `path` (see --check)."""
    with open(path) as f:
        c = json.load(f)
    s = Scan(c, dev)
    state = load_safetensors(c["weights"])
    missing, unexpected = s.net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"deepsc_infer_torch.py: {c['weights']}: parameters missing {missing}, unexpected {unexpected}")
    if dev.type == "cuda":
        set_tf32(False)
    scan = torch.tensor(c["scan"], dtype=torch.float32).reshape(1, 1, *c["whole"]).to(dev)
    with torch.inference_mode():
        r = s.predict(scan)
    return {k: v.flatten().tolist() for k, v in r.items()}


def main():
    ap = argparse.ArgumentParser(description="Whole-scan sliding-window prediction of the DeepSC-COVID PyTorch twin, timed.")
    ap.add_argument("config", help="JSON: whole, patch, stem, unet, cls, groups, variant, window_batch, overlap, threads, warmup, scans")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--precision", default="fp32", help="comma-separated subset of fp32,tf32,bf16 (tf32 and bf16: CUDA only)")
    ap.add_argument("--check", metavar="FILE", help="also predict our check case (FILE: JSON our side wrote) with our weights")
    o = ap.parse_args()
    a = json.loads(o.config)
    if not (a.get("warmup", -1) >= 0 and a.get("scans", 0) >= 1 and a.get("window_batch", 0) >= 1):
        raise SystemExit(f"deepsc_infer_torch.py: need warmup >= 0, scans >= 1, window_batch >= 1; got {a.get('warmup')}, {a.get('scans')}, {a.get('window_batch')}")
    precisions = [p for p in o.precision.split(",") if p]
    bad = [p for p in precisions if p not in PRECISIONS or (o.device == "cpu" and p != "fp32")]
    if bad or not precisions:
        raise SystemExit(f"deepsc_infer_torch.py: --precision {o.precision!r}: expected a subset of {','.join(PRECISIONS)} (only fp32 on the CPU)")
    torch.set_num_threads(a["threads"])
    if o.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit(f"deepsc_infer_torch.py: --device cuda but torch.cuda.is_available() is False (torch {torch.__version__}, CUDA {torch.version.cuda})")
        torch.backends.cudnn.benchmark = True
    dev = torch.device(o.device)
    check = agreement(o.check, dev) if o.check else None
    s = Scan(a, dev)
    runs = [run_precision(s, a, p) for p in precisions]
    print(json.dumps({
        "check": check,
        "device": o.device,
        "gpu": torch.cuda.get_device_name(0) if o.device == "cuda" else "cpu",
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if o.device == "cuda" else None,
        "threads": torch.get_num_threads(),
        "variant": a["variant"],
        "window_batch": s.batch,
        "windows": len(s.starts),
        "starts": s.starts,
        "runs": runs,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
