"""MVTec-AD-layout dataset reader and the exact input preprocessing of docs/MODEL-SPEC.md."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from .model import INPUT_MEAN, INPUT_STD

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def load_rgb(path: str) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def to_unit_tensor(img: Image.Image, size: int = 256) -> torch.Tensor:
    """PIL RGB -> resize size x size, Image.BILINEAR (PIL antialiases when downscaling) -> [0,1] CHW."""
    img = img.convert("RGB").resize((size, size), Image.BILINEAR)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())


def normalise(x: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(INPUT_MEAN, dtype=x.dtype).view(-1, 1, 1)
    std = torch.tensor(INPUT_STD, dtype=x.dtype).view(-1, 1, 1)
    return (x - mean) / std


def preprocess(img: Image.Image, size: int = 256) -> torch.Tensor:
    """The model input: normalised 3 x size x size float32."""
    return normalise(to_unit_tensor(img, size))


def _images(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTS))


@dataclass
class TestItem:
    path: str
    defect: str          # "good" or a defect type
    mask_path: str | None


def train_images(root: str, category: str) -> list[str]:
    files = _images(os.path.join(root, category, "train", "good"))
    if not files:
        raise FileNotFoundError(f"no training images in {os.path.join(root, category, 'train', 'good')}; "
                                "expected MVTec AD layout <root>/<category>/train/good/*.png|jpg")
    return files


def test_items(root: str, category: str) -> list[TestItem]:
    test_root = os.path.join(root, category, "test")
    if not os.path.isdir(test_root):
        return []
    items = []
    for defect in sorted(os.listdir(test_root)):
        for p in _images(os.path.join(test_root, defect)):
            mask = None
            if defect != "good":
                stem = os.path.splitext(os.path.basename(p))[0]
                cand = os.path.join(root, category, "ground_truth", defect, stem + "_mask.png")
                mask = cand if os.path.exists(cand) else None
            items.append(TestItem(p, defect, mask))
    return items


def load_mask(path: str | None, size: int = 256) -> np.ndarray:
    """Binary mask at size x size (nearest); zeros for good images."""
    if path is None:
        return np.zeros((size, size), dtype=np.uint8)
    with Image.open(path) as m:
        m = m.convert("L").resize((size, size), Image.NEAREST)
        return (np.asarray(m) > 127).astype(np.uint8)
