"""Golden fixtures for the Swift engine and imaging parity tests.

    python -m training.make_goldens weights/hkt-fabric.safetensors [--data DIR] [--out Tests/Fixtures/model]
    python -m training.make_goldens --preprocess-only

Writes `<out>/<weights-name>.golden.safetensors` (e.g. hkt-fabric.golden.safetensors). Tensor names:
  small path (deterministic input, N = 48 for hkt, 38 for hkt+; post-processing with image_size = N):
    small.input [1,3,N,N] F32 (normalised input, torch.Generator seed 0, randn*0.8 rounded to F16 values)
    small.t1..small.t4        teacher stage outputs (t4 = raw conv4 / conv6 output, before normalisation)
    small.t_norm              (t4 - teacher_mean) / teacher_std
    small.s{i}_conv           student stage i output before CBAM (i = 1..3)
    small.s{i}_cbam_channel   after CBAM channel attention
    small.s{i}                full CBAM output (= student stage output S_i)
    small.p{i}                projector output P_i (nearest-resized S_i through proj.i) at t4's grid
    small.s4                  student stage 4 output
    small.m1..small.m4        per-stage maps [1,1,h,w]; small.fused; small.normalised
    small.map [1,1,N,N]       padded, resized, blurred map; small.score [1]
  real path (one 256x256 test image of the model's category):
    real.resized [256,256,3] U8 (the test image after PIL resize((256,256), BILINEAR); the model
               input is (real.resized / 255 - input_mean) / input_std, CHW, in F32),
    real.map [1,1,256,256] F32, real.score [1] F32
  metadata: weights file name and version, small_size, real_image (dataset-relative path), format.
All tensors are F32 unless stated. Every value was computed by training/model.py in F32 from the
weights file as stored (F16 weights converted to F32).

`<out>/preprocess.golden.safetensors` (PIL preprocessing, for the Imaging engineer) with the two
synthetic images `<out>/pre_a.jpg` (400x300, downscale path) and `<out>/pre_b.png` (160x200, upscale):
    pre_a.decoded / pre_b.decoded  U8 [H,W,3]  PIL-decoded RGB pixels
    pre_a.resized / pre_b.resized  U8 [256,256,3]  after resize((256,256), Image.BILINEAR)
    pre_a.input / pre_b.input      F32 [3,256,256]  resized/255, normalised with ImageNet mean/std
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save_file

from .data import load_rgb, normalise, preprocess, test_items
from .export import load_weights

SMALL_SIZE = {"hkt": 48, "hkt+": 38}
MAX_BYTES = 2_500_000


@torch.no_grad()
def model_golden(weights: str, data: str, out_dir: str) -> str:
    torch.set_num_threads(2)
    m, meta = load_weights(weights)
    n = SMALL_SIZE[m.arch]
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(1, 3, n, n, generator=g) * 0.8).half().float()
    inter = m.forward_intermediates(x)
    tensors = {f"small.{k}": v.contiguous().float() for k, v in inter.items()}

    cat = meta.get("category", "fabric")
    items = [i for i in test_items(data, cat) if i.defect != "good"] or test_items(data, cat)
    real_rel = ""
    if items:
        it = items[0]
        resized = load_rgb(it.path).resize((256, 256), Image.BILINEAR)
        u8 = torch.from_numpy(np.asarray(resized).copy())  # [256,256,3]
        xr = preprocess(load_rgb(it.path)).unsqueeze(0)
        assert torch.equal(xr[0], normalise(u8.permute(2, 0, 1).float() / 255.0))
        score, mp = m(xr)
        tensors["real.resized"] = u8.contiguous()
        tensors["real.map"] = mp.contiguous().float()
        tensors["real.score"] = score.contiguous().float()
        real_rel = os.path.relpath(it.path, data)
    name = os.path.basename(weights).removesuffix(".safetensors")
    path = os.path.join(out_dir, f"{name}.golden.safetensors")
    os.makedirs(out_dir, exist_ok=True)
    save_file(tensors, path, metadata={"format": "hkt-serve-golden/1", "weights": os.path.basename(weights),
                                        "weights_version": meta.get("version", ""), "small_size": str(n),
                                        "real_image": real_rel, "arch": m.arch})
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise RuntimeError(f"{path} is {size} bytes > {MAX_BYTES}")
    print(f"wrote {path} ({size / 1e6:.2f} MB, small {n}x{n}, real {real_rel!r}, score {float(inter['score']):.5f})")
    return path


def synthetic_images(out_dir: str) -> list[tuple[str, str]]:
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(42)
    # a: 400x300 JPEG (downscale path): gradients, shapes, noise.
    w, h = 400, 300
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) % 256], axis=-1).astype(np.float32)
    arr += rng.normal(0, 12, arr.shape)
    im = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    d.ellipse((60, 40, 200, 180), fill=(250, 30, 40))
    d.rectangle((230, 150, 380, 280), outline=(0, 0, 0), width=5)
    d.line((0, 299, 399, 0), fill=(255, 255, 255), width=3)
    pa = os.path.join(out_dir, "pre_a.jpg")
    im.save(pa, quality=90)
    # b: 160x200 PNG (upscale path): checkerboard + stripes.
    w, h = 160, 200
    yy, xx = np.mgrid[0:h, 0:w]
    chk = (((xx // 10) + (yy // 10)) % 2) * 200 + 20
    arr = np.stack([chk, (xx * 7) % 256, 255 - chk * (yy > 100)], axis=-1).astype(np.uint8)
    pb = os.path.join(out_dir, "pre_b.png")
    Image.fromarray(arr, "RGB").save(pb)
    return [("pre_a", pa), ("pre_b", pb)]


def preprocess_golden(out_dir: str) -> str:
    tensors = {}
    for key, p in synthetic_images(out_dir):
        img = load_rgb(p)
        tensors[f"{key}.decoded"] = torch.from_numpy(np.asarray(img).copy())
        resized = img.resize((256, 256), Image.BILINEAR)
        tensors[f"{key}.resized"] = torch.from_numpy(np.asarray(resized).copy())
        x = preprocess(img)
        ref = normalise(torch.from_numpy(np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / 255.0))
        assert torch.equal(x, ref)
        tensors[f"{key}.input"] = x.contiguous()
    path = os.path.join(out_dir, "preprocess.golden.safetensors")
    save_file(tensors, path, metadata={"format": "hkt-serve-preprocess-golden/1",
                                        "input_mean": "[0.485, 0.456, 0.406]", "input_std": "[0.229, 0.224, 0.225]",
                                        "resize": "PIL Image.BILINEAR to 256x256"})
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB)")
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="*")
    ap.add_argument("--data", default="/work/shared/datasets/synthetic-industrial")
    ap.add_argument("--out", default="Tests/Fixtures/model")
    ap.add_argument("--preprocess-only", action="store_true")
    ap.add_argument("--no-preprocess", action="store_true")
    args = ap.parse_args(argv)
    if not args.no_preprocess:
        preprocess_golden(args.out)
    if not args.preprocess_only:
        for w in args.weights:
            model_golden(w, args.data, args.out)


if __name__ == "__main__":
    main()
