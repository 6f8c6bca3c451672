"""Parcelroom's package detector: a small anchor-free CNN with three output scales.

The network predicts, at every cell of the stride-8, 16 and 32 grids, the distances from the
cell centre to the box's left, top, right and bottom edges (in strides) and one logit per class.
`ExportWrapper` turns that into the standard YOLOv8/YOLO11 detection layout,
[1, 4 + classes, anchors] with centre x, centre y, width, height in input pixels and class
scores after the sigmoid, so any runtime that reads such exports reads this one.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvBn(nn.Module):
    """Convolution, batch norm, SiLU; `groups=channels` makes it depthwise."""

    def __init__(self, cin: int, cout: int, k: int = 3, s: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, momentum=0.03, eps=1e-3)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class ResidualBlock(nn.Module):
    """A 3x3 convolution with a residual. Plain convolutions, not depthwise ones: on CPU,
    PyTorch trains depthwise layers several times slower per FLOP."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = ConvBn(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x)


class CspBlock(nn.Module):
    """Split, refine one half with `depth` residual blocks, concatenate, fuse (a C2f-like block)."""

    def __init__(self, cin: int, cout: int, depth: int = 1) -> None:
        super().__init__()
        hidden = cout // 2
        self.split = ConvBn(cin, 2 * hidden, 1)
        self.blocks = nn.ModuleList(ResidualBlock(hidden) for _ in range(depth))
        self.fuse = ConvBn(hidden * (2 + depth), cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = list(self.split(x).chunk(2, 1))
        for block in self.blocks:
            parts.append(block(parts[-1]))
        return self.fuse(torch.cat(parts, 1))


class SpatialPool(nn.Module):
    """SPPF: three chained 5x5 max pools widen the receptive field at stride 32 for free."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = channels // 2
        self.reduce = ConvBn(channels, hidden, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)
        self.fuse = ConvBn(hidden * 4, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.reduce(x)
        p1 = self.pool(x)
        p2 = self.pool(p1)
        return self.fuse(torch.cat([x, p1, p2, self.pool(p2)], 1))


class Head(nn.Module):
    """Per scale: a 3x3 then the box (4) and class outputs."""

    def __init__(self, cin: int, classes: int) -> None:
        super().__init__()
        self.stem = ConvBn(cin, cin, 3)
        self.box = nn.Conv2d(cin, 4, 1)
        self.cls = nn.Conv2d(cin, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return torch.cat([self.box(x), self.cls(x)], 1)


class PackageDetector(nn.Module):
    strides = (8, 16, 32)

    def __init__(self, classes: int = 2, width: tuple[int, ...] = (16, 32, 64, 96, 128)) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = width
        self.classes = classes
        self.stage1 = ConvBn(3, c1, 3, 2)  # /2
        # No block at stride 4: at that resolution every layer costs more than all the deep ones.
        self.stage2 = ConvBn(c1, c2, 3, 2)  # /4
        self.stage3 = nn.Sequential(ConvBn(c2, c3, 3, 2), CspBlock(c3, c3, 2))  # /8
        self.stage4 = nn.Sequential(ConvBn(c3, c4, 3, 2), CspBlock(c4, c4, 2))  # /16
        self.stage5 = nn.Sequential(ConvBn(c4, c5, 3, 2), CspBlock(c5, c5, 1), SpatialPool(c5))  # /32
        n3, n4, n5 = 48, 64, 96
        self.lateral5 = ConvBn(c5, n4, 1)
        self.top_down4 = CspBlock(n4 + c4, n4, 1)
        self.lateral4 = ConvBn(n4, n3, 1)
        self.top_down3 = CspBlock(n3 + c3, n3, 1)
        self.down3 = ConvBn(n3, n3, 3, 2)
        self.bottom_up4 = CspBlock(n3 + n4, n4, 1)
        self.down4 = ConvBn(n4, n4, 3, 2)
        self.bottom_up5 = CspBlock(n4 + n4, n5, 1)
        self.heads = nn.ModuleList([Head(n3, classes), Head(n4, classes), Head(n5, classes)])
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self._init_biases()

    def _init_biases(self) -> None:
        # Class logits start near "nothing here" (prior 1 %), so early training is not swamped by
        # the thousands of background cells.
        for head in self.heads:
            nn.init.constant_(head.cls.bias, -4.6)
            nn.init.constant_(head.box.bias, 1.0)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        p3 = self.stage3(self.stage2(self.stage1(x)))
        p4 = self.stage4(p3)
        p5 = self.stage5(p4)
        l5 = self.lateral5(p5)
        t4 = self.top_down4(torch.cat([self.upsample(l5), p4], 1))
        l4 = self.lateral4(t4)
        t3 = self.top_down3(torch.cat([self.upsample(l4), p3], 1))
        b4 = self.bottom_up4(torch.cat([self.down3(t3), t4], 1))
        b5 = self.bottom_up5(torch.cat([self.down4(b4), l5], 1))
        # Each: [batch, 4 + classes, h, w]; box channels are raw (softplus later), class channels logits.
        return [head(f) for head, f in zip(self.heads, (t3, b4, b5))]


def grid_centres(height: int, width: int, stride: int, device=None) -> torch.Tensor:
    """Centres of a level's cells in input pixels, [h * w, 2] as (x, y), row-major."""
    ys, xs = torch.meshgrid(
        torch.arange(height, device=device, dtype=torch.float32),
        torch.arange(width, device=device, dtype=torch.float32),
        indexing="ij",
    )
    return (torch.stack([xs, ys], -1).reshape(-1, 2) + 0.5) * stride


def decode_levels(outputs: list[torch.Tensor], strides=PackageDetector.strides):
    """Flattens the levels: boxes as x1, y1, x2, y2 in input pixels [b, n, 4], logits [b, n, c],
    cell centres [n, 2] and strides [n]."""
    boxes, logits, centres, stride_of = [], [], [], []
    for out, stride in zip(outputs, strides):
        b, ch, h, w = out.shape
        flat = out.permute(0, 2, 3, 1).reshape(b, h * w, ch)
        centre = grid_centres(h, w, stride, out.device)
        distance = nn.functional.softplus(flat[..., :4]) * stride
        boxes.append(torch.cat([centre - distance[..., :2], centre + distance[..., 2:]], -1))
        logits.append(flat[..., 4:])
        centres.append(centre)
        stride_of.append(torch.full((h * w,), float(stride), device=out.device))
    return torch.cat(boxes, 1), torch.cat(logits, 1), torch.cat(centres, 0), torch.cat(stride_of, 0)


class ExportWrapper(nn.Module):
    """The standard detection export layout: [1, 4 + classes, anchors], cx cy w h in pixels,
    class scores in [0, 1]."""

    def __init__(self, model: PackageDetector) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        boxes, logits, _, _ = decode_levels(self.model(images))
        xy = (boxes[..., :2] + boxes[..., 2:]) / 2
        wh = boxes[..., 2:] - boxes[..., :2]
        return torch.cat([xy, wh, logits.sigmoid()], -1).permute(0, 2, 1)
