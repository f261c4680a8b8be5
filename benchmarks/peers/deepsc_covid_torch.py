"""PyTorch twin of DeepSC-COVID as built by @deepsc/deepsc-covid (packages/deepsc-covid/src/).

Same modules, same parameter names (PyTorch state-dict names are ours), same arithmetic, so
weights move both ways and outputs agree to float32 rounding. Used by the fixture script
(packages/deepsc-covid/test/fixtures/make_twin_fixtures.py) and the training-step benchmark
(benchmarks/src/train-step.ts). Runs with Debian's python3-torch (1.13).

The region matrices (crop_*, paste_*, inside_* per axis d, h, w, and the evidence maps'
crop matrices per level) are inputs, computed exactly as packages/deepsc-covid/src/region.ts does
(see `region_matrices` below): the cross-stitch unit crops / pastes along each axis with a
linear map, so the patch's place in the whole scan is data, not part of the graph. On axes
where the patch spans the scan the matrices are identities (our graph skips them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

Size3 = Tuple[int, int, int]


@dataclass
class Config:
    whole_size: Size3 = (32, 64, 64)
    patch_size: Size3 = (16, 64, 64)
    stem_width: int = 16
    unet_widths: Tuple[int, int, int, int] = (16, 32, 64, 128)
    cls_widths: Tuple[int, int, int] = (32, 64, 128)
    lesion_width: int = 1
    groups: int = 4
    num_classes: int = 3
    strides: List[Size3] = field(default_factory=list)  # stem + 3 levels; planned when empty
    variant: str = "joint"


def plan_strides(whole: Size3, patch: Size3, min_size: int = 2) -> List[Size3]:
    """Same rule as packages/deepsc-covid/src/strides.ts: stride 2 on an axis while both sizes stay even and >= 2*min."""
    out: List[Size3] = []
    cw, cp = list(whole), list(patch)
    for _level in range(4):
        s = []
        for a in range(3):
            ok = cw[a] % 2 == 0 and cp[a] % 2 == 0 and cw[a] // 2 >= min_size and cp[a] // 2 >= min_size
            s.append(2 if ok else 1)
            if ok:
                cw[a] //= 2
                cp[a] //= 2
        out.append((s[0], s[1], s[2]))
    return out


def resample_matrix(out_n: int, in_n: int, lo: float, hi: float) -> torch.Tensor:
    """[out_n, in_n]: linear interpolation (align_corners=False, edge-clamped) of the span [lo, hi) of an in_n grid onto out_n cells."""
    m = torch.zeros(out_n, in_n, dtype=torch.float64)
    scale = (hi - lo) / out_n
    for i in range(out_n):
        c = lo + (i + 0.5) * scale - 0.5
        c = min(max(c, 0.0), in_n - 1.0)
        i0 = int(math.floor(c))
        i1 = min(i0 + 1, in_n - 1)
        t = c - i0
        m[i, i0] += 1.0 - t
        m[i, i1] += t
    return m


def paste_matrix(whole_n: int, patch_n: int, lo: float, hi: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """(paste [whole_n, patch_n], inside [whole_n, whole_n] diagonal): whole cells whose centre lies in [lo, hi) take the patch resampled there."""
    p = torch.zeros(whole_n, patch_n, dtype=torch.float64)
    inside = torch.zeros(whole_n, whole_n, dtype=torch.float64)
    scale = patch_n / (hi - lo)
    for j in range(whole_n):
        centre = j + 0.5
        if lo <= centre < hi:
            inside[j, j] = 1.0
            c = (centre - lo) * scale - 0.5
            c = min(max(c, 0.0), patch_n - 1.0)
            i0 = int(math.floor(c))
            i1 = min(i0 + 1, patch_n - 1)
            t = c - i0
            p[j, i0] += 1.0 - t
            p[j, i1] += t
    return p, inside


def apply_axis(x: torch.Tensor, m: torch.Tensor, axis: int) -> torch.Tensor:
    """Applies m [out, in] along spatial axis (0 = D, 1 = H, 2 = W) of x [N, C, D, H, W]."""
    eq = {0: "ncdhw,ed->ncehw", 1: "ncdhw,eh->ncdew", 2: "ncdhw,ew->ncdhe"}[axis]
    return torch.einsum(eq, x, m)


def region_matrices(region_lo: Sequence[float], region_hi: Sequence[float], scale: Size3, whole_feat: Size3, patch_feat: Size3) -> Dict[str, torch.Tensor]:
    """Region in whole-scan input voxels; matrices for feature grids whose cells span `scale` input voxels.
    Axes where the patch and whole grids have the same size and the region spans the whole axis get identities."""
    out: Dict[str, torch.Tensor] = {}
    for a, name in enumerate("dhw"):
        lo = region_lo[a] / scale[a]
        hi = region_hi[a] / scale[a]
        out[f"crop_{name}"] = resample_matrix(patch_feat[a], whole_feat[a], lo, hi).float()
        p, inside = paste_matrix(whole_feat[a], patch_feat[a], lo, hi)
        out[f"paste_{name}"] = p.float()
        out[f"inside_{name}"] = inside.float()
    return out


def conv(cin: int, cout: int, k: int = 3, stride=1, dilation: int = 1, bias: bool = False) -> nn.Conv3d:
    pad = dilation * (k - 1) // 2
    return nn.Conv3d(cin, cout, k, stride=stride, padding=pad, dilation=dilation, bias=bias)


class InceptionStem(nn.Module):
    """Four branches (1x1x1; 3x3x3 at dilation 1, 2, 3), each width/4, concatenated, GroupNorm, ReLU; all strided."""

    def __init__(self, width: int, groups: int, stride: Size3):
        super().__init__()
        q = width // 4
        self.branch1 = conv(1, q, 1, stride)
        self.branch3 = conv(1, q, 3, stride, 1)
        self.branch5 = conv(1, q, 3, stride, 2)
        self.branch7 = conv(1, q, 3, stride, 3)
        self.norm = nn.GroupNorm(groups, width)

    def forward(self, x):
        y = torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branch7(x)], 1)
        return F.relu(self.norm(y))


class CrossStitch(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor([0.9]))
        self.beta = nn.Parameter(torch.tensor([0.1]))

    def forward(self, fw, fp, m):
        cropped, pasted, inside = fw, fp, fw
        for a, n in enumerate("dhw"):
            cropped = apply_axis(cropped, m[f"crop_{n}"], a)
            pasted = apply_axis(pasted, m[f"paste_{n}"], a)
            inside = apply_axis(inside, m[f"inside_{n}"], a)
        # The other stream's view of the whole scan: its own features outside the patch's
        # region, the patch's features (resampled onto the whole grid) inside it.
        other = (fw + pasted) + (-1.0) * inside
        whole = self.alpha * fw + self.beta * other
        patch = self.alpha * fp + self.beta * cropped
        return whole, patch


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int, groups: int, stride=1):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.conv2 = conv(cout, cout, 3)
        self.norm2 = nn.GroupNorm(groups, cout)

    def forward(self, x):
        x = F.relu(self.norm1(self.conv1(x)))
        return F.relu(self.norm2(self.conv2(x)))


class LesionSubnet(nn.Module):
    def __init__(self, in_width: int, widths, groups: int, strides: List[Size3]):
        super().__init__()
        w1, w2, w3, w4 = widths
        s1, s2, s3 = strides[1], strides[2], strides[3]
        self.enc1 = ConvBlock(in_width, w1, groups)
        self.enc2 = ConvBlock(w1, w2, groups, s1)
        self.enc3 = ConvBlock(w2, w3, groups, s2)
        self.enc4 = ConvBlock(w3, w4, groups, s3)
        self.up3 = nn.ConvTranspose3d(w4, w3, s3, stride=s3)
        self.dec3 = ConvBlock(2 * w3, w3, groups)
        self.up2 = nn.ConvTranspose3d(w3, w2, s2, stride=s2)
        self.dec2 = ConvBlock(2 * w2, w2, groups)
        self.up1 = nn.ConvTranspose3d(w2, w1, s1, stride=s1)
        self.dec1 = ConvBlock(2 * w1, w1, groups)
        self.head4 = nn.Conv3d(w4, 2, 1)
        self.head3 = nn.Conv3d(w3, 2, 1)
        self.head2 = nn.Conv3d(w2, 2, 1)
        self.head1 = nn.Conv3d(w1, 2, 1)

    def forward(self, f):
        e1 = self.enc1(f)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        d3 = self.dec3(torch.cat([self.up3(e4), e3], 1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        h4, h3, h2, h1 = self.head4(e4), self.head3(d3), self.head2(d2), self.head1(d1)
        size = h1.shape[2:]
        up = lambda h: F.interpolate(h, size=size, mode="trilinear", align_corners=False)
        fused = h1 + 0.5 * up(h2) + 0.25 * up(h3) + 0.25 * up(h4)
        return fused, (h2, h3, h4)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, groups: int, stride: Size3):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.conv2 = conv(cout, cout, 3)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.down = nn.Conv3d(cin, cout, 1, stride=stride, bias=False)
        self.down_norm = nn.GroupNorm(groups, cout)

    def forward(self, x):
        y = F.relu(self.norm1(self.conv1(x)))
        y = self.norm2(self.conv2(y))
        return F.relu(y + self.down_norm(self.down(x)))


class ClassificationSubnet(nn.Module):
    def __init__(self, cfg: Config, with_lesion: bool):
        super().__init__()
        self.with_lesion = with_lesion
        cin = cfg.stem_width
        if with_lesion:
            self.lesion_conv = nn.Conv3d(1, cfg.lesion_width, 1)
            self.lesion_scale = nn.Parameter(torch.ones(1))
            cin += cfg.lesion_width
        c1, c2, c3 = cfg.cls_widths
        self.block1 = ResBlock(cin, c1, cfg.groups, cfg.strides[1])
        self.block2 = ResBlock(c1, c2, cfg.groups, cfg.strides[2])
        self.block3 = ResBlock(c2, c3, cfg.groups, cfg.strides[3])
        self.fc = nn.Linear(c1 + c2 + c3, cfg.num_classes)

    def forward(self, fw, lesion_prob):
        x = fw
        if self.with_lesion:
            x = torch.cat([fw, self.lesion_scale * self.lesion_conv(lesion_prob)], 1)
        b1 = self.block1(x)
        b2 = self.block2(b1)
        b3 = self.block3(b2)
        pooled = torch.cat([b.mean(dim=(2, 3, 4)) for b in (b1, b2, b3)], 1)
        logits = self.fc(pooled)
        # Class-activation maps at three scales, averaged over COVID-19 (0) and CAP (1), then a sigmoid.
        w = 0.5 * (self.fc.weight[0] + self.fc.weight[1])
        maps = []
        off = 0
        for b in (b1, b2, b3):
            c = b.shape[1]
            cam = torch.einsum("ncdhw,c->ndhw", b, w[off : off + c]).unsqueeze(1)
            maps.append(torch.sigmoid(cam))
            off += c
        return logits, maps


class DeepScCovid(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        if not cfg.strides:
            cfg.strides = plan_strides(cfg.whole_size, cfg.patch_size)
        self.cfg = cfg
        v = cfg.variant
        self.has_cls = v != "segmentation-only"
        self.has_seg = v != "classification-only"
        self.joint = self.has_cls and self.has_seg
        if self.has_cls:
            self.stem_whole = InceptionStem(cfg.stem_width, cfg.groups, cfg.strides[0])
        if self.has_seg:
            self.stem_patch = InceptionStem(cfg.stem_width, cfg.groups, cfg.strides[0])
            self.lesion = LesionSubnet(cfg.stem_width, cfg.unet_widths, cfg.groups, cfg.strides)
        if self.joint:
            self.cross_stitch = CrossStitch()
        if self.has_cls:
            self.classifier = ClassificationSubnet(cfg, self.joint)

    def forward(self, whole=None, patch=None, region=None, cam_region=None):
        """Returns a dict of outputs named as in the TS model."""
        out = {}
        fw = self.stem_whole(whole) if self.has_cls else None
        fp = self.stem_patch(patch) if self.has_seg else None
        if self.joint:
            fw, fp = self.cross_stitch(fw, fp, region)
        if self.has_seg:
            fused, sides = self.lesion(fp)
            out["seg_logits"] = F.interpolate(fused, size=tuple(self.cfg.patch_size), mode="trilinear", align_corners=False)
            for k, s in enumerate(sides):
                out[f"side{k + 1}"] = torch.softmax(s, 1)[:, 1:2]
        lesion_prob = None
        if self.joint:
            fused_w, _ = self.lesion(fw)
            lesion_prob = torch.softmax(fused_w, 1)[:, 1:2]
            out["whole_lesion"] = lesion_prob
        if self.has_cls:
            logits, maps = self.classifier(fw, lesion_prob)
            out["logits"] = logits
            for k, m in enumerate(maps):
                out[f"evidence{k + 1}"] = m
            if self.joint:
                for k, m in enumerate(maps):
                    c = m
                    for a, n in enumerate("dhw"):
                        c = apply_axis(c, cam_region[k][f"crop_{n}"], a)
                    out[f"evidence{k + 1}_patch"] = c
        return out
