"""Train one HKT / HKT+ student for one MVTec-layout category, calibrate and evaluate it.

    python -m training.train --data DIR --category fabric --arch hkt --iterations 50000 \
        --device cpu --minutes 15 --teacher training/runs/teacher_small.pt --out training/runs/hkt-fabric.pt

Paper defaults: Adam lr 1e-4, weight decay 1e-5, batch 1, 256x256 (EfficientAD-style 10x lr drop at
95 % of the budget). Stops at --iterations or --minutes, whichever comes first. Deterministic
(seeded), tqdm progress, checkpoints every --checkpoint-every iterations to OUT.ckpt, `--resume`.

Validation: every 10th train/good image (index % 10 == 9) is held out. map_q_low / map_q_high are
the 0.9 / 0.995 quantiles over all pixels of the fused validation maps; threshold rule:
threshold = max of the validation image scores (so every held-out normal image is "not anomalous").
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import time

import numpy as np
import torch
from tqdm import tqdm

from .data import load_mask, load_rgb, preprocess, test_items, train_images
from .model import HKT


def set_threads(n: int) -> None:
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def load_teacher(model: HKT, path: str | None, seed: int) -> str:
    if path:
        ck = torch.load(path, map_location="cpu", weights_only=False)
        if ck.get("arch", model.arch) != model.arch:
            raise ValueError(f"teacher {path} is for arch {ck['arch']}, model is {model.arch}")
        model.teacher.load_state_dict(ck["state_dict"])
        return (f"PDN distilled from EfficientNet-Lite0 ImageNet features ({os.path.basename(path)}: "
                f"{ck.get('iterations')} it x batch {ck.get('batch')}, {ck.get('seconds')} s)")
    torch.manual_seed(seed + 1)
    model.teacher = type(model.teacher)(model.arch)
    return "random init (no pretraining)"


@torch.no_grad()
def teacher_stats(model: HKT, xs: torch.Tensor, n: int | None) -> int:
    """Per-channel mean/std of the teacher output over n evenly spaced training images (all if None)."""
    idx = range(len(xs)) if not n or n >= len(xs) else torch.linspace(0, len(xs) - 1, n).round().long().tolist()
    s = torch.zeros(384, dtype=torch.float64)
    s2 = torch.zeros(384, dtype=torch.float64)
    cnt = 0
    for i in idx:
        t = model.teacher(xs[i:i + 1]).double()
        s += t.sum(dim=(0, 2, 3))
        s2 += (t * t).sum(dim=(0, 2, 3))
        cnt += t.shape[0] * t.shape[2] * t.shape[3]
    mean = s / cnt
    std = ((s2 / cnt - mean * mean).clamp_min(0) * cnt / max(cnt - 1, 1)).sqrt().clamp_min(1e-6)
    model.teacher_mean.copy_(mean.float())
    model.teacher_std.copy_(std.float())
    return len(idx)


class TeacherCache:
    """Normalised teacher outputs, computed on first use per training image (no augmentation), F16."""

    def __init__(self, model: HKT, xs: torch.Tensor):
        self.model, self.xs, self.store = model, xs, {}

    @torch.no_grad()
    def get(self, i: int) -> torch.Tensor:
        if i not in self.store:
            self.store[i] = self.model.teacher_normalised(self.xs[i:i + 1]).half()
        return self.store[i].float()


@torch.no_grad()
def calibrate(model: HKT, val: torch.Tensor, q_low=0.9, q_high=0.995) -> list[float]:
    fused = torch.cat([model.fused_map(val[i:i + 1]) for i in range(len(val))])
    flat = fused.flatten().double()
    model.map_q_low = float(torch.quantile(flat, q_low))
    model.map_q_high = float(torch.quantile(flat, q_high))
    scores = [float(model.postprocess(fused[i:i + 1], image_size=val.shape[-1])[2]) for i in range(len(val))]
    model.threshold = max(scores)
    return scores


@torch.no_grad()
def evaluate(model: HKT, root: str, category: str, size: int = 256, every: int = 1) -> dict:
    from sklearn.metrics import roc_auc_score
    items = test_items(root, category)[::every]
    if not items:
        return {}
    scores, maps, masks, kinds = [], [], [], []
    for it in tqdm(items, desc="eval", leave=False, mininterval=5):
        x = preprocess(load_rgb(it.path), size).unsqueeze(0)
        s, m = model(x)
        scores.append(float(s))
        maps.append(m[0, 0].numpy().astype(np.float32))
        masks.append(load_mask(it.mask_path, size))
        kinds.append(it.defect)
    scores = np.array(scores)
    kinds = np.array(kinds)
    labels = (kinds != "good").astype(int)
    res = {"image_auroc": float(roc_auc_score(labels, scores)),
           "pixel_auroc": float(roc_auc_score(np.stack(masks).ravel(), np.stack(maps).ravel())),
           "per_defect": {},
           "test_images": int(len(items)),
           "accuracy_at_threshold": float(np.mean((scores > model.threshold) == labels.astype(bool)))}
    for d in sorted(set(kinds) - {"good"}):
        sel = (kinds == "good") | (kinds == d)
        idx = np.where(sel)[0]
        res["per_defect"][d] = {
            "image_auroc": float(roc_auc_score(labels[sel], scores[sel])),
            "pixel_auroc": float(roc_auc_score(np.stack([masks[i] for i in idx]).ravel(),
                                               np.stack([maps[i] for i in idx]).ravel())),
            "recall_at_threshold": float(np.mean(scores[kinds == d] > model.threshold))}
    res["false_positive_rate_at_threshold"] = float(np.mean(scores[kinds == "good"] > model.threshold))
    return res


def save_ckpt(path, model, opt, it, elapsed, gen, extra):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "it": it, "elapsed": elapsed,
                "gen": gen.get_state(), **extra}, tmp)
    os.replace(tmp, path)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="MVTec-layout root folder")
    ap.add_argument("--category", required=True)
    ap.add_argument("--arch", choices=["hkt", "hkt+"], default="hkt")
    ap.add_argument("--iterations", type=int, default=50000)
    ap.add_argument("--minutes", type=float, default=None, help="wall-clock budget for the training loop")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--teacher", default=None, help="pretrained teacher .pt (else random init)")
    ap.add_argument("--out", default=None,
                    help="final checkpoint .pt (default training/runs/<category>-<arch>.pt; export with training.export)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--weight-decay", type=float, default=1e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-every", type=int, default=250)
    ap.add_argument("--max-train", type=int, default=None, help="use only the first N train images (smoke)")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--stats-images", type=int, default=40,
                    help="teacher_mean/std over this many evenly spaced train images (0 = all; default 40)")
    ap.add_argument("--eval-every", type=int, default=1, help="evaluate on every k-th test image only (CPU budget)")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = os.path.join("training", "runs", f"{args.category}-{args.arch}.pt")
    set_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    dev = torch.device(args.device)
    t_start = time.time()

    files = train_images(args.data, args.category)
    if args.max_train:
        files = files[:args.max_train]
    val_files = [f for i, f in enumerate(files) if i % 10 == 9] or files[-1:]
    tr_files = [f for i, f in enumerate(files) if i % 10 != 9] or files
    xs = torch.stack([preprocess(load_rgb(f)) for f in tr_files])
    val = torch.stack([preprocess(load_rgb(f)) for f in val_files])

    model = HKT(args.arch)
    teacher_desc = load_teacher(model, args.teacher, args.seed)
    model.teacher.requires_grad_(False)
    model.teacher.eval()
    n_stats = teacher_stats(model, xs, args.stats_images)
    cache = TeacherCache(model, xs)
    print(f"{args.arch}/{args.category}: {len(tr_files)} train, {len(val_files)} val; teacher: {teacher_desc}; "
          f"teacher mean/std over {n_stats} images in {time.time() - t_start:.0f}s", flush=True)
    model.to(dev)
    params = list(model.student.parameters()) + list(model.proj.parameters())
    opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    gen = torch.Generator().manual_seed(args.seed)
    it, elapsed_before = 0, 0.0
    ckpt_path = args.out + ".ckpt"
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        it, elapsed_before = ck["it"], ck["elapsed"]
        gen.set_state(ck["gen"])
        print(f"resumed at iteration {it} ({elapsed_before:.0f}s)", flush=True)

    budget = args.minutes * 60.0 if args.minutes else math.inf
    t0 = time.time() - elapsed_before
    model.student.train()
    bar = tqdm(total=args.iterations, initial=it, desc="train", mininterval=10)
    loss_ema = None
    while it < args.iterations:
        elapsed = time.time() - t0
        if elapsed >= budget:
            break
        frac = max(it / args.iterations, elapsed / budget)
        lr = args.lr * (0.1 if frac >= 0.95 else 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        i = int(torch.randint(len(xs), (1,), generator=gen))
        x = xs[i:i + 1].to(dev)
        loss = model.loss(x, cache.get(i).to(dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        loss_ema = loss.item() if loss_ema is None else 0.99 * loss_ema + 0.01 * loss.item()
        bar.update(1)
        if it % 50 == 0:
            bar.set_postfix(loss=f"{loss_ema:.4f}")
        if it % args.checkpoint_every == 0:
            save_ckpt(ckpt_path, model, opt, it, time.time() - t0, gen, {"arch": args.arch})
    bar.close()
    train_seconds = time.time() - t0
    save_ckpt(ckpt_path, model, opt, it, train_seconds, gen, {"arch": args.arch})
    model.to("cpu").eval()

    val_scores = calibrate(model, val)
    print(f"trained {it} it in {train_seconds:.0f}s, loss ema {loss_ema}; q_low {model.map_q_low:.5g} "
          f"q_high {model.map_q_high:.5g} threshold {model.threshold:.4f}", flush=True)
    metrics = {} if args.no_eval else evaluate(model, args.data, args.category, every=args.eval_every)
    if metrics:
        print("metrics: " + json.dumps({k: v for k, v in metrics.items() if k != "per_defect"}), flush=True)
        print("per defect: " + json.dumps(metrics["per_defect"]), flush=True)
    trained = {"dataset": os.path.basename(os.path.normpath(args.data)), "category": args.category,
               "iterations": it, "teacher": teacher_desc, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "seconds": round(train_seconds, 1), "lr": args.lr, "weight_decay": args.weight_decay, "batch": 1,
               "train_images": len(tr_files), "val_images": len(val_files), "device": args.device,
               "threshold_rule": "max of validation image scores", "loss_ema": loss_ema,
               "eval_every": args.eval_every, "teacher_stats_images": n_stats}
    out = {"state_dict": model.state_dict(), "settings": model.metadata_settings(), "category": args.category,
           "trained": trained, "metrics": metrics, "val_scores": val_scores}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(out, args.out)
    print(f"saved {args.out} (total {time.time() - t_start:.0f}s)", flush=True)
    return out


if __name__ == "__main__":
    main()
