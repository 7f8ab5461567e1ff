"""Export a trained checkpoint (training.train output) to hkt-serve safetensors (docs/MODEL-SPEC.md).

    python -m training.export training/runs/hkt-fabric.pt weights/hkt-fabric.safetensors [--onnx out.onnx]
        [--dtype auto|f16|f32] [--image some.png]

`--dtype auto` (default) stores F16 when the F16 round-trip model matches the F32 model within
tolerance (score |diff| <= 1 % of the threshold and map max |diff| <= 2 % of the threshold, on
deterministic inputs and the --image), else F32. teacher_mean/std stay F32 (tiny). The written file
is reloaded and checked against the in-memory model.
"""
from __future__ import annotations

import argparse
import hashlib
import json

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .model import HKT, INPUT_MEAN, INPUT_STD

F32_ONLY = ("teacher_mean", "teacher_std")


def model_from_checkpoint(path: str) -> tuple[HKT, dict]:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    s = ck["settings"]
    m = HKT(s["arch"])
    m.load_state_dict(ck["state_dict"])
    apply_settings(m, s)
    return m.eval(), ck


def apply_settings(m: HKT, meta: dict) -> None:
    m.image_size = int(meta["image_size"])
    m.map_q_low = float(meta["map_q_low"])
    m.map_q_high = float(meta["map_q_high"])
    m.threshold = float(meta["threshold"])
    m.fusion = [float(w) for w in json.loads(meta["fusion"])["weights"]]


def load_weights(path: str) -> tuple[HKT, dict]:
    """Load an exported .safetensors into the F32 reference model; returns (model, metadata)."""
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
        sd = {k: f.get_tensor(k).float() for k in f.keys()}
    if meta.get("format") != "hkt-serve/1":
        raise ValueError(f"{path}: format {meta.get('format')!r}, expected 'hkt-serve/1'")
    m = HKT(meta["arch"])
    m.load_state_dict(sd)
    apply_settings(m, meta)
    return m.eval(), meta


def probe_inputs(image: str | None) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1234)
    xs = [torch.randn(1, 3, 256, 256, generator=g) * 0.8]
    if image:
        from .data import load_rgb, preprocess
        xs.append(preprocess(load_rgb(image)).unsqueeze(0))
    return xs


@torch.no_grad()
def parity(m32: HKT, m16: HKT, xs) -> dict:
    ds, dm = 0.0, 0.0
    for x in xs:
        s1, a = m32(x)
        s2, b = m16(x)
        ds = max(ds, float((s1 - s2).abs().max()))
        dm = max(dm, float((a - b).abs().max()))
    return {"score_max_abs_diff": ds, "map_max_abs_diff": dm}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint_pos", nargs="?", metavar="CHECKPOINT")
    ap.add_argument("out_pos", nargs="?", metavar="OUT")
    ap.add_argument("--checkpoint", default=None, help="same as the first positional argument")
    ap.add_argument("--out", default=None, help="same as the second positional argument")
    ap.add_argument("--dtype", choices=["auto", "f16", "f32"], default="auto")
    ap.add_argument("--image", default=None, help="a real image for the parity probe")
    ap.add_argument("--onnx", default=None)
    args = ap.parse_args(argv)
    args.checkpoint = args.checkpoint or args.checkpoint_pos
    args.out = args.out or args.out_pos
    if not args.checkpoint or not args.out:
        ap.error("need a checkpoint and an output path (positional or --checkpoint/--out)")
    torch.set_num_threads(2)
    m, ck = model_from_checkpoint(args.checkpoint)
    sd = {k: v.detach().float().contiguous() for k, v in m.state_dict().items()}

    m16 = HKT(m.arch)
    m16.load_state_dict({k: (v if k in F32_ONLY else v.half().float()) for k, v in sd.items()})
    apply_settings(m16, m.metadata_settings())
    m16.eval()
    par = parity(m, m16, probe_inputs(args.image))
    ok16 = par["score_max_abs_diff"] <= 0.01 * m.threshold and par["map_max_abs_diff"] <= 0.02 * m.threshold
    dtype = {"auto": "f16" if ok16 else "f32", "f16": "f16", "f32": "f32"}[args.dtype]
    tensors = {k: (v if (dtype == "f32" or k in F32_ONLY) else v.half()).contiguous() for k, v in sd.items()}

    h = hashlib.sha256()
    for k in sorted(tensors):
        h.update(k.encode())
        h.update(tensors[k].numpy().tobytes())
    trained = dict(ck.get("trained", {}))
    trained["storage"] = dtype
    trained["f16_parity"] = par
    meta = {"format": "hkt-serve/1", **m.metadata_settings(), "category": ck.get("category", ""),
            "input_mean": json.dumps(INPUT_MEAN), "input_std": json.dumps(INPUT_STD),
            "trained": json.dumps(trained), "metrics": json.dumps(ck.get("metrics", {})),
            "version": f"{m.arch}-{ck.get('category', 'x')}-{h.hexdigest()[:12]}"}
    save_file(tensors, args.out, metadata=meta)

    # Reload and verify.
    m2, meta2 = load_weights(args.out)
    assert meta2 == meta, "metadata round trip mismatch"
    ref = m16 if dtype == "f16" else m
    chk = parity(ref, m2, probe_inputs(None))
    assert chk["score_max_abs_diff"] <= 1e-6 and chk["map_max_abs_diff"] <= 1e-6, f"reload mismatch {chk}"
    print(f"wrote {args.out} ({dtype}; f16 parity {par}; version {meta['version']})", flush=True)

    if args.onnx:
        export_onnx(m, args.onnx)
    return {"dtype": dtype, "parity": par, "version": meta["version"]}


def export_onnx(m: HKT, path: str) -> None:
    import numpy as np
    import onnxruntime as ort
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(7))
    torch.onnx.export(m, (x,), path, input_names=["input"], output_names=["score", "map"],
                      opset_version=17, dynamo=False)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    s, mp = sess.run(None, {"input": x.numpy()})
    with torch.no_grad():
        s0, m0 = m(x)
    print(f"wrote {path}; onnxruntime vs torch: score diff {abs(float(s[0]) - float(s0[0])):.2e}, "
          f"map max diff {float(np.abs(mp - m0.numpy()).max()):.2e}", flush=True)


if __name__ == "__main__":
    main()
