"""End-to-end smoke test (`make train-smoke`, < 2 min on CPU): a tiny MVTec-layout folder made of
synthetic images in a temp dir -> a few teacher-pretraining and student iterations -> calibrate,
evaluate -> export safetensors -> reload -> goldens in the temp dir. Fails loudly on any mismatch."""
from __future__ import annotations

import os
import tempfile

import numpy as np
import torch
from PIL import Image

from . import export, make_goldens, pretrain_teacher, train


def make_dataset(root: str) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(90, 160, (64, 64, 3)).astype(np.uint8)
    tile = np.tile(base, (5, 5, 1))[:300, :300]

    def img(defect: bool) -> np.ndarray:
        a = np.clip(tile.astype(int) + rng.integers(-10, 10, tile.shape), 0, 255).astype(np.uint8)
        if defect:
            a[100:140, 120:170] = (250, 20, 20)
        return a
    for sub, n, defect in (("train/good", 10, False), ("test/good", 2, False), ("test/spot", 2, True)):
        d = os.path.join(root, "toy", sub)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            Image.fromarray(img(defect)).save(os.path.join(d, f"{i:03d}.png"))
            if defect:
                md = os.path.join(root, "toy", "ground_truth", "spot")
                os.makedirs(md, exist_ok=True)
                m = np.zeros((300, 300), np.uint8)
                m[100:140, 120:170] = 255
                Image.fromarray(m).save(os.path.join(md, f"{i:03d}_mask.png"))


def main() -> None:
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        make_dataset(data)
        teacher = os.path.join(tmp, "teacher.pt")
        pretrain_teacher.main(["--data", data, "--categories", "toy", "--minutes", "0.05", "--batch", "2",
                               "--out", teacher])
        ck = os.path.join(tmp, "hkt-toy.pt")
        out = train.main(["--data", data, "--category", "toy", "--arch", "hkt", "--iterations", "3",
                          "--teacher", teacher, "--out", ck, "--checkpoint-every", "2"])
        assert out["trained"]["iterations"] == 3
        assert 0.0 <= out["metrics"]["image_auroc"] <= 1.0
        # resume path: 2 more iterations on top of the checkpoint
        out2 = train.main(["--data", data, "--category", "toy", "--arch", "hkt", "--iterations", "5",
                           "--teacher", teacher, "--out", ck, "--resume", "--no-eval"])
        assert out2["trained"]["iterations"] == 5
        w = os.path.join(tmp, "hkt-toy.safetensors")
        export.main([ck, w])
        m, meta = export.load_weights(w)
        assert meta["arch"] == "hkt" and meta["category"] == "toy"
        make_goldens.main([w, "--data", data, "--out", os.path.join(tmp, "gold")])
        print("train-smoke: OK")


if __name__ == "__main__":
    main()
