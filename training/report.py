"""Markdown table of the metrics stored in exported weights: python -m training.report weights/*.safetensors"""
from __future__ import annotations

import json
import sys

from safetensors import safe_open


def main(paths: list[str]) -> None:
    print("| weights | arch | teacher | iterations | train s | test imgs | image AUROC | pixel AUROC | per defect (image / pixel) | threshold | FPR / recall @thr | storage |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in paths:
        with safe_open(p, framework="pt") as f:
            m = f.metadata()
        tr, me = json.loads(m["trained"]), json.loads(m["metrics"])
        teacher = "distilled (41 it)" if "distilled" in tr.get("teacher", "") else "random"
        pd = ", ".join(f"{k} {v['image_auroc']:.3f} / {v['pixel_auroc']:.3f}" for k, v in me.get("per_defect", {}).items())
        rec = sum(v["recall_at_threshold"] for v in me.get("per_defect", {}).values()) / max(len(me.get("per_defect", {})), 1)
        print(f"| `{p.split('/')[-1]}` | {m['arch']} | {teacher} | {tr['iterations']} | {tr['seconds']:.0f} | "
              f"{me.get('test_images', '-')} | {me.get('image_auroc', float('nan')):.3f} | {me.get('pixel_auroc', float('nan')):.3f} | "
              f"{pd} | {float(m['threshold']):.4f} | {me.get('false_positive_rate_at_threshold', float('nan')):.2f} / {rec:.2f} | "
              f"{tr.get('storage', '?')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
