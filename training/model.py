"""PyTorch reference of HKT / HKT+ (Xu & Jiang 2025), exactly as docs/MODEL-SPEC.md.

The module/attribute names are chosen so that `state_dict()` yields the tensor names of the
contract (`teacher.conv1.weight`, `student.cbam1.mlp1.weight`, `proj.1.weight`, `teacher_mean`, ...).
Run `python -m training.model` to print parameter counts and analytic GFLOPs.
"""
from __future__ import annotations

import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_CHANNELS = 384
DEFAULT_FUSION = [0.5 / 3, 0.5 / 3, 0.5 / 3, 1.0]
INPUT_MEAN = [0.485, 0.456, 0.406]
INPUT_STD = [0.229, 0.224, 0.225]

# Layer tables: (name, in, out, kernel, relu_after, pool_after). Stage boundaries listed separately.
_SMALL = [
    ("conv1", 3, 128, 4, True, True),
    ("conv2", 128, 256, 4, True, True),
    ("conv3", 256, 256, 3, True, False),
    ("conv4", 256, 384, 4, False, False),
]
_SMALL_STAGES = [["conv1"], ["conv2"], ["conv3"], ["conv4"]]
_MEDIUM = [
    ("conv1", 3, 256, 4, True, True),
    ("conv2", 256, 512, 4, True, True),
    ("conv3", 512, 512, 1, True, False),
    ("conv4", 512, 512, 3, True, False),
    ("conv5", 512, 384, 4, True, False),
    ("conv6", 384, 384, 1, False, False),
]
_MEDIUM_STAGES = [["conv1"], ["conv2"], ["conv3", "conv4"], ["conv5", "conv6"]]


def arch_table(arch: str):
    if arch == "hkt":
        return _SMALL, _SMALL_STAGES
    if arch == "hkt+":
        return _MEDIUM, _MEDIUM_STAGES
    raise ValueError(f"unknown arch {arch!r}; expected 'hkt' or 'hkt+'")


def stage_channels(arch: str) -> list[int]:
    layers, stages = arch_table(arch)
    by_name = {l[0]: l for l in layers}
    return [by_name[s[-1]][2] for s in stages]


class PDN(nn.Module):
    """Patch description network (EfficientAD PDN-small / PDN-medium), unpadded convs."""

    def __init__(self, arch: str):
        super().__init__()
        self.arch = arch
        layers, stages = arch_table(arch)
        self._layers = layers
        self._stages = stages
        for name, cin, cout, k, _, _ in layers:
            setattr(self, name, nn.Conv2d(cin, cout, k, stride=1, padding=0, bias=True))
        self.pool = nn.AvgPool2d(2, 2, 0)

    def run_stage(self, i: int, x: torch.Tensor) -> torch.Tensor:
        spec = {l[0]: l for l in self._layers}
        for name in self._stages[i]:
            _, _, _, _, relu, pool = spec[name]
            x = getattr(self, name)(x)
            if relu:
                x = F.relu(x)
            if pool:
                x = self.pool(x)
        return x

    def forward_stages(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = []
        for i in range(4):
            x = self.run_stage(i, x)
            outs.append(x)
        return outs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_stages(x)[-1]


class CBAM(nn.Module):
    """Channel then spatial attention (Woo et al. 2018), r = 16, no biases."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        self.mlp1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.mlp2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)
        self.spatial = nn.Conv2d(2, 1, 7, padding=3, bias=False)

    def channel(self, x: torch.Tensor) -> torch.Tensor:
        avg = x.mean(dim=(2, 3), keepdim=True)
        mx = x.amax(dim=(2, 3), keepdim=True)
        a = torch.sigmoid(self.mlp2(F.relu(self.mlp1(avg))) + self.mlp2(F.relu(self.mlp1(mx))))
        return x * a

    def spatial_attention(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial(s))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial_attention(self.channel(x))


class Student(PDN):
    """Same layers as the teacher plus a CBAM after stages 1, 2, 3."""

    def __init__(self, arch: str):
        super().__init__(arch)
        for i, c in enumerate(stage_channels(arch)[:3], start=1):
            setattr(self, f"cbam{i}", CBAM(c))

    def forward_stages(self, x: torch.Tensor, record: dict | None = None) -> list[torch.Tensor]:
        outs = []
        for i in range(4):
            x = self.run_stage(i, x)
            if i < 3:
                cbam = getattr(self, f"cbam{i + 1}")
                if record is not None:
                    record[f"s{i + 1}_conv"] = x
                    xc = cbam.channel(x)
                    record[f"s{i + 1}_cbam_channel"] = xc
                    x = cbam.spatial_attention(xc)
                else:
                    x = cbam(x)
            outs.append(x)
        return outs


def gaussian_kernel1d(sigma: float = 4.0) -> torch.Tensor:
    radius = int(math.floor(4 * sigma + 0.5))
    xs = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-(xs ** 2) / (2 * sigma * sigma))
    return (k / k.sum()).to(torch.float32)


def blur(x: torch.Tensor, sigma: float = 4.0) -> torch.Tensor:
    """Separable Gaussian blur, kernel 2*floor(4 sigma + 0.5)+1 (33 for sigma 4), reflect padding.
    x: [N,1,H,W]."""
    k = gaussian_kernel1d(sigma).to(x.device, x.dtype)
    r = (k.numel() - 1) // 2
    x = F.pad(x, (r, r, 0, 0), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    x = F.pad(x, (0, 0, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, -1, 1))
    return x


class HKT(nn.Module):
    """Teacher + student + projectors, with the anomaly-map post-processing of MODEL-SPEC."""

    def __init__(self, arch: str = "hkt"):
        super().__init__()
        self.arch = arch
        self.teacher = PDN(arch)
        self.student = Student(arch)
        self.proj = nn.ModuleDict(
            {str(i): nn.Conv2d(c, OUT_CHANNELS, 1, bias=True)
             for i, c in enumerate(stage_channels(arch)[:3], start=1)})
        self.register_buffer("teacher_mean", torch.zeros(OUT_CHANNELS))
        self.register_buffer("teacher_std", torch.ones(OUT_CHANNELS))
        # Non-tensor settings (exported as metadata).
        self.fusion = list(DEFAULT_FUSION)
        self.map_q_low = 0.0
        self.map_q_high = 0.1  # identity-ish default until calibrated
        self.threshold = 0.1
        self.image_size = 256

    # --- pieces -----------------------------------------------------------------------------
    def teacher_normalised(self, x: torch.Tensor) -> torch.Tensor:
        t = self.teacher(x)
        return (t - self.teacher_mean.view(1, -1, 1, 1)) / self.teacher_std.view(1, -1, 1, 1)

    def student_outputs(self, x: torch.Tensor, out_hw, record: dict | None = None):
        s = self.student.forward_stages(x, record)
        projs = [self.proj[str(i + 1)](F.interpolate(s[i], size=out_hw, mode="nearest"))
                 for i in range(3)]
        return s, projs

    def stage_maps(self, t: torch.Tensor, s4: torch.Tensor, projs) -> list[torch.Tensor]:
        maps = [((t - p) ** 2).mean(dim=1, keepdim=True) for p in projs]
        maps.append(((t - s4) ** 2).mean(dim=1, keepdim=True))
        return maps  # m1, m2, m3, m4, each [N,1,h,w]

    def loss(self, x: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        """L4 + 0.5 * LP with LP the mean of the three projector losses. `t` may be the cached
        normalised teacher output."""
        if t is None:
            with torch.no_grad():
                t = self.teacher_normalised(x)
        s, projs = self.student_outputs(x, t.shape[-2:])
        l4 = ((t - s[3]) ** 2).mean()
        lp = sum(((t - p) ** 2).mean() for p in projs) / 3
        return l4 + 0.5 * lp

    def fused_map(self, x: torch.Tensor) -> torch.Tensor:
        t = self.teacher_normalised(x)
        s, projs = self.student_outputs(x, t.shape[-2:])
        maps = self.stage_maps(t, s[3], projs)
        return sum(w * m for w, m in zip(self.fusion, maps))

    def postprocess(self, fused: torch.Tensor, image_size: int | None = None,
                    q_low: float | None = None, q_high: float | None = None):
        """fused [N,1,h,w] -> (normalised [N,1,h,w], final [N,1,S,S], score [N])."""
        size = image_size or self.image_size
        ql = self.map_q_low if q_low is None else q_low
        qh = self.map_q_high if q_high is None else q_high
        norm = 0.1 * (fused - ql) / (qh - ql)
        m = F.pad(norm, (4, 4, 4, 4), mode="constant", value=0.0)
        m = F.interpolate(m, size=(size, size), mode="bilinear", align_corners=False)
        m = blur(m, 4.0)
        score = m.flatten(1).amax(dim=1)
        return norm, m, score

    def forward(self, x: torch.Tensor):
        """x [N,3,S,S] normalised -> (score [N], map [N,1,S,S])."""
        _, m, score = self.postprocess(self.fused_map(x), image_size=x.shape[-1])
        return score, m

    def forward_intermediates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every intermediate of the graph, named as in the golden files (see docs/MODEL.md)."""
        out: dict[str, torch.Tensor] = {"input": x}
        ts = self.teacher.forward_stages(x)
        for i, t in enumerate(ts, start=1):
            out[f"t{i}"] = t
        t = (ts[3] - self.teacher_mean.view(1, -1, 1, 1)) / self.teacher_std.view(1, -1, 1, 1)
        out["t_norm"] = t
        rec: dict = {}
        s, projs = self.student_outputs(x, t.shape[-2:], record=rec)
        for i in range(3):
            out[f"s{i + 1}_conv"] = rec[f"s{i + 1}_conv"]
            out[f"s{i + 1}_cbam_channel"] = rec[f"s{i + 1}_cbam_channel"]
            out[f"s{i + 1}"] = s[i]
            out[f"p{i + 1}"] = projs[i]
        out["s4"] = s[3]
        maps = self.stage_maps(t, s[3], projs)
        for i, m in enumerate(maps, start=1):
            out[f"m{i}"] = m
        fused = sum(w * m for w, m in zip(self.fusion, maps))
        out["fused"] = fused
        norm, final, score = self.postprocess(fused, image_size=x.shape[-1])
        out["normalised"] = norm
        out["map"] = final
        out["score"] = score
        return out

    def metadata_settings(self) -> dict[str, str]:
        return {"arch": self.arch, "image_size": str(self.image_size),
                "map_q_low": repr(float(self.map_q_low)), "map_q_high": repr(float(self.map_q_high)),
                "threshold": repr(float(self.threshold)),
                "fusion": json.dumps({"weights": [float(w) for w in self.fusion]})}


# --- analytic cost ---------------------------------------------------------------------------
def count_macs(arch: str, size: int = 256) -> dict[str, int]:
    """Multiply-accumulates of the convolutions (teacher, student incl. CBAM, projectors)."""
    layers, stages = arch_table(arch)
    spec = {l[0]: l for l in layers}
    hw = size
    pdn = 0
    stage_hw = []
    stage_c = []
    for st in stages:
        for name in st:
            _, cin, cout, k, _, pool = spec[name]
            hw = hw - k + 1
            pdn += cin * cout * k * k * hw * hw
            if pool:
                hw //= 2
        stage_hw.append(hw)
        stage_c.append(spec[st[-1]][2])
    cbam = 0
    for c, h in zip(stage_c[:3], stage_hw[:3]):
        cbam += 2 * (c * (c // 16) * 2)  # two 1x1 convs on avg and max vectors
        cbam += 2 * 49 * h * h           # 7x7 spatial conv, 2 -> 1
    out_hw = stage_hw[3]
    proj = sum(c * OUT_CHANNELS * out_hw * out_hw for c in stage_c[:3])
    return {"teacher": pdn, "student": pdn + cbam, "proj": proj, "total": 2 * pdn + cbam + proj}


def count_params(model: HKT) -> dict[str, int]:
    t = sum(p.numel() for p in model.teacher.parameters())
    s = sum(p.numel() for p in model.student.parameters())
    p = sum(p.numel() for p in model.proj.parameters())
    return {"teacher": t, "student": s, "proj": p, "total": t + s + p}


PAPER = {"hkt": (2.85e6, 20.31), "hkt+": (8.52e6, 63.21)}


def main() -> None:
    for arch in ("hkt", "hkt+"):
        m = HKT(arch)
        p = count_params(m)
        macs = count_macs(arch)
        print(f"{arch}: params teacher {p['teacher'] / 1e6:.3f} M, student {p['student'] / 1e6:.3f} M, "
              f"proj {p['proj'] / 1e6:.3f} M, total {p['total'] / 1e6:.3f} M "
              f"(paper {PAPER[arch][0] / 1e6:.2f} M)")
        print(f"      GFLOPs (2*MACs @256): teacher {2 * macs['teacher'] / 1e9:.2f}, student "
              f"{2 * macs['student'] / 1e9:.2f}, proj {2 * macs['proj'] / 1e9:.2f}, total "
              f"{2 * macs['total'] / 1e9:.2f} (paper {PAPER[arch][1]:.2f}); "
              f"student+proj {2 * (macs['student'] + macs['proj']) / 1e9:.2f}")


if __name__ == "__main__":
    main()
