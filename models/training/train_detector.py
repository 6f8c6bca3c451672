#!/usr/bin/python3
"""Trains Parcelroom's package detector on YOLO-format folders and exports it to ONNX.

    /usr/bin/python3 models/training/train_detector.py \\
        --data DIR[:CLASSES[:PER_EPOCH]] [--data ...] --out DIR [--epochs 30] [--seed 1] [--resume]

Each --data folder holds images/*.jpg|png and labels/*.txt (`class cx cy w h`, normalised).
CLASSES lists the class ids that folder labels (default: all): a folder of real photos that
labels packages only says `0`, so people in it are not taught as background. PER_EPOCH is how
many of its images one epoch draws (default: all of them).

CPU only, seeded, resumable: every epoch writes OUT/checkpoint.pt (model, EMA, optimiser, RNG
state) and OUT/package-detector.onnx (the EMA weights) with the class names and input size in
the model's metadata. `npm run train:detector` runs the recipe the bundled model was trained with.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from copy import deepcopy
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detector_model import ExportWrapper, PackageDetector, decode_levels  # noqa: E402

CLASS_NAMES = {0: "package", 1: "person"}
INPUT_W, INPUT_H = 512, 288
PAD = 114


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True, help="DIR[:CLASSES[:PER_EPOCH]]")
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resume", action="store_true")
    return parser.parse_args()


class Source:
    def __init__(self, spec: str) -> None:
        parts = spec.split(":")
        self.path = Path(parts[0])
        self.classes = [int(c) for c in parts[1].split(",")] if len(parts) > 1 and parts[1] else list(CLASS_NAMES)
        image_dir = self.path / "images"
        if not image_dir.is_dir():
            raise SystemExit(f"{self.path}: no images/ folder (expected a YOLO-format dataset)")
        self.items: list[tuple[Path, np.ndarray]] = []
        for image in sorted(image_dir.iterdir()):
            if image.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
                continue
            label = self.path / "labels" / f"{image.stem}.txt"
            rows = []
            if label.exists():
                for line in label.read_text().splitlines():
                    values = line.split()
                    if len(values) == 5:
                        rows.append([float(v) for v in values])
            self.items.append((image, np.array(rows, dtype=np.float32).reshape(-1, 5)))
        if not self.items:
            raise SystemExit(f"{self.path}: no images")
        self.per_epoch = int(parts[2]) if len(parts) > 2 else len(self.items)
        self.cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The image fitted into the input size (aspect kept) and its boxes as class, x1, y1, x2, y2 px."""
        if index not in self.cache:
            path, labels = self.items[index]
            with Image.open(path) as image:
                image = image.convert("RGB")
                scale = min(INPUT_W / image.width, INPUT_H / image.height)
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                array = np.asarray(image.resize(size, Image.BILINEAR), dtype=np.uint8)
            boxes = np.zeros((len(labels), 5), dtype=np.float32)
            if len(labels):
                w, h = size
                boxes[:, 0] = labels[:, 0]
                boxes[:, 1] = (labels[:, 1] - labels[:, 3] / 2) * w
                boxes[:, 2] = (labels[:, 2] - labels[:, 4] / 2) * h
                boxes[:, 3] = (labels[:, 1] + labels[:, 3] / 2) * w
                boxes[:, 4] = (labels[:, 2] + labels[:, 4] / 2) * h
            self.cache[index] = (array, boxes)
        return self.cache[index]


def augment(array: np.ndarray, boxes: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """Random scale and placement on a grey canvas, horizontal flip; boxes follow and are clipped."""
    scale = rng.uniform(0.65, 1.35)
    h, w = array.shape[:2]
    nw, nh = max(8, round(w * scale)), max(8, round(h * scale))
    image = Image.fromarray(array).resize((nw, nh), Image.BILINEAR)
    canvas = np.full((INPUT_H, INPUT_W, 3), PAD, dtype=np.uint8)
    dx = rng.randint(min(0, INPUT_W - nw), max(0, INPUT_W - nw))
    dy = rng.randint(min(0, INPUT_H - nh), max(0, INPUT_H - nh))
    src_x0, src_y0 = max(0, -dx), max(0, -dy)
    dst_x0, dst_y0 = max(0, dx), max(0, dy)
    cw, ch = min(nw - src_x0, INPUT_W - dst_x0), min(nh - src_y0, INPUT_H - dst_y0)
    canvas[dst_y0 : dst_y0 + ch, dst_x0 : dst_x0 + cw] = np.asarray(image)[src_y0 : src_y0 + ch, src_x0 : src_x0 + cw]
    out = boxes.copy()
    if len(out):
        out[:, [1, 3]] = out[:, [1, 3]] * (nw / w) + dx
        out[:, [2, 4]] = out[:, [2, 4]] * (nh / h) + dy
        area = (out[:, 3] - out[:, 1]) * (out[:, 4] - out[:, 2])
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, INPUT_W)
        out[:, [2, 4]] = out[:, [2, 4]].clip(0, INPUT_H)
        kept = (out[:, 3] - out[:, 1]) * (out[:, 4] - out[:, 2])
        # A box cut to less than 40 % of itself, or to a sliver, is no longer a fair target.
        good = (kept > 0.4 * np.maximum(area, 1e-6)) & (out[:, 3] - out[:, 1] > 2) & (out[:, 4] - out[:, 2] > 2)
        out = out[good]
    if rng.random() < 0.5:
        canvas = canvas[:, ::-1].copy()
        if len(out):
            out[:, [1, 3]] = INPUT_W - out[:, [3, 1]]
    return canvas, out


def colour_jitter(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per image brightness, contrast, saturation and a slight colour cast, in [0, 1] space."""
    b = batch.shape[0]
    rand = lambda lo, hi: lo + (hi - lo) * torch.rand(b, 1, 1, 1, generator=generator)  # noqa: E731
    grey = batch.mean(1, keepdim=True)
    batch = grey + (batch - grey) * rand(0.5, 1.5)
    mean = batch.mean((1, 2, 3), keepdim=True)
    batch = mean + (batch - mean) * rand(0.7, 1.3)
    batch = batch * rand(0.45, 1.4) * (1 + 0.08 * (torch.rand(b, 3, 1, 1, generator=generator) - 0.5))
    return batch.clamp(0, 1)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU of x1y1x2y2 boxes, [n, m]."""
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def ciou_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - complete IoU, elementwise over matching rows."""
    lt = torch.max(pred[:, :2], target[:, :2])
    rb = torch.min(pred[:, 2:], target[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    wp, hp = (pred[:, 2] - pred[:, 0]).clamp(min=1e-6), (pred[:, 3] - pred[:, 1]).clamp(min=1e-6)
    wt, ht = (target[:, 2] - target[:, 0]).clamp(min=1e-6), (target[:, 3] - target[:, 1]).clamp(min=1e-6)
    union = wp * hp + wt * ht - inter + 1e-9
    iou = inter / union
    enclose_lt = torch.min(pred[:, :2], target[:, :2])
    enclose_rb = torch.max(pred[:, 2:], target[:, 2:])
    diagonal = ((enclose_rb - enclose_lt) ** 2).sum(-1) + 1e-9
    centre = (((pred[:, :2] + pred[:, 2:]) - (target[:, :2] + target[:, 2:])) ** 2).sum(-1) / 4
    v = (4 / math.pi**2) * (torch.atan(wt / ht) - torch.atan(wp / hp)) ** 2
    with torch.no_grad():
        alpha = v / (v - iou + 1 + 1e-9)
    return 1 - (iou - centre / diagonal - alpha * v)


def assign(boxes, scores, centres, strides, gt, topk=10, alpha=1.0, beta=6.0):
    """Task-aligned assignment for one image: each ground-truth box takes the `topk` cells (among
    those near it) whose predictions best combine its class score and IoU. Returns the assigned
    box [n, 4], class [n], soft target [n] (0 = background)."""
    n = boxes.shape[0]
    target_box = torch.zeros(n, 4)
    target_cls = torch.zeros(n, dtype=torch.long)
    soft = torch.zeros(n)
    if len(gt) == 0:
        return target_box, target_cls, soft
    gt_cls = gt[:, 0].long()
    gt_box = gt[:, 1:5]
    g_centre = (gt_box[:, :2] + gt_box[:, 2:]) / 2
    g_half = (gt_box[:, 2:] - gt_box[:, :2]) / 2
    # Near = the cell centre lies in the box, or within half a stride of a box smaller than a cell.
    reach = torch.max(g_half[None], strides[:, None, None] / 2)
    near = ((centres[:, None] - g_centre[None]).abs() < reach).all(-1)
    ious = box_iou(boxes, gt_box) * near
    align = scores[:, gt_cls].pow(alpha) * ious.pow(beta) * near
    k = min(topk, n)
    top = align.topk(k, dim=0).indices
    chosen = torch.zeros_like(near)
    chosen.scatter_(0, top, True)
    chosen &= near & (align > 0)
    # Also always give each box its best-placed cell, so tiny boxes are never left unassigned.
    distance = ((centres[:, None] - g_centre[None]) ** 2).sum(-1) / strides[:, None]
    chosen[distance.argmin(0), torch.arange(len(gt))] = True
    positive = chosen.any(1)
    if not positive.any():
        return target_box, target_cls, soft
    owner = (ious * chosen + chosen * 1e-6).argmax(1)
    target_box[positive] = gt_box[owner[positive]]
    target_cls[positive] = gt_cls[owner[positive]]
    # Soft labels: alignment normalised per box, scaled by that box's best IoU.
    align_chosen = align * chosen
    best_align = align_chosen.max(0).values.clamp(min=1e-9)
    best_iou = (ious * chosen).max(0).values
    norm = align_chosen / best_align * best_iou
    soft[positive] = norm[positive, owner[positive]].clamp(min=0.05)
    return target_box, target_cls, soft


def compute_loss(outputs, targets, class_masks):
    boxes, logits, centres, strides = decode_levels(outputs)
    batch, n, classes = logits.shape
    cls_target = torch.zeros_like(logits)
    box_terms, weight_sum = [], 0.0
    with torch.no_grad():
        scores = logits.sigmoid()
    for i in range(batch):
        t_box, t_cls, soft = assign(boxes[i].detach(), scores[i], centres, strides, targets[i])
        positive = soft > 0
        if positive.any():
            cls_target[i, positive, t_cls[positive]] = soft[positive]
            w = soft[positive]
            iou_term = ciou_loss(boxes[i, positive], t_box[positive])
            l1 = ((boxes[i, positive] - t_box[positive]).abs() / strides[positive, None]).mean(-1)
            box_terms.append(((iou_term + 0.25 * l1) * w).sum())
            weight_sum += float(w.sum())
    bce = nn.functional.binary_cross_entropy_with_logits(logits, cls_target, reduction="none")
    bce = bce * class_masks[:, None, :]
    normaliser = max(weight_sum, 1.0)
    cls_loss = bce.sum() / normaliser
    box_loss = torch.stack(box_terms).sum() / normaliser if box_terms else logits.sum() * 0
    return cls_loss + 7.5 * box_loss / 2.5, cls_loss.detach(), box_loss.detach()


class Ema:
    """Exponential moving average of the weights; its copy is what gets exported."""

    def __init__(self, model: nn.Module, decay: float = 0.9995) -> None:
        self.model = deepcopy(model).eval()
        self.decay = decay
        self.updates = 0
        for p in self.model.parameters():
            p.requires_grad_(False)

    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / 1000))
        with torch.no_grad():
            for ema_v, v in zip(self.model.state_dict().values(), model.state_dict().values()):
                if ema_v.dtype.is_floating_point:
                    ema_v.mul_(d).add_(v.detach(), alpha=1 - d)
                else:
                    ema_v.copy_(v)


def export_onnx(model: PackageDetector, path: Path, info: dict) -> None:
    import onnx

    wrapper = ExportWrapper(deepcopy(model).eval())
    dummy = torch.zeros(1, 3, INPUT_H, INPUT_W)
    tmp = path.with_suffix(".tmp.onnx")
    torch.onnx.export(
        wrapper, dummy, str(tmp), opset_version=13, input_names=["images"], output_names=["output0"],
        do_constant_folding=True,
    )
    proto = onnx.load(str(tmp))
    # The same metadata keys Ultralytics exports carry, so tools that read theirs read ours.
    metadata = {
        "description": "Parcelroom package detector",
        "author": "Parcelroom",
        "task": "detect",
        "stride": "32",
        "imgsz": f"[{INPUT_H}, {INPUT_W}]",
        "names": "{" + ", ".join(f"{k}: '{v}'" for k, v in CLASS_NAMES.items()) + "}",
        "training": json.dumps(info),
    }
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    tmp.unlink()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = [Source(spec) for spec in args.data]
    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    model = PackageDetector(classes=len(CLASS_NAMES))
    ema = Ema(model)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    optimiser = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}], lr=args.lr
    )
    per_epoch = sum(s.per_epoch for s in sources)
    steps_per_epoch = math.ceil(per_epoch / args.batch)
    total_steps = steps_per_epoch * args.epochs
    warmup = min(steps_per_epoch, 300)
    start_epoch, step = 0, 0
    checkpoint_path = out / "checkpoint.pt"
    if args.resume and checkpoint_path.exists():
        state = torch.load(checkpoint_path)
        model.load_state_dict(state["model"])
        ema.model.load_state_dict(state["ema"])
        ema.updates = state["ema_updates"]
        optimiser.load_state_dict(state["optimiser"])
        start_epoch, step = state["epoch"], state["step"]
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        generator.set_state(state["generator"])
        print(f"resumed after epoch {start_epoch}", flush=True)

    info = {
        "data": [str(s.path) for s in sources],
        "epochs": args.epochs,
        "seed": args.seed,
        "input": [INPUT_H, INPUT_W],
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    print(json.dumps(info), flush=True)
    for epoch in range(start_epoch, args.epochs):
        model.train()
        plan = [(si, rng.randrange(len(s.items))) for si, s in enumerate(sources) for _ in range(s.per_epoch)]
        rng.shuffle(plan)
        started = time.time()
        totals = [0.0, 0.0, 0.0]
        for b in range(0, len(plan), args.batch):
            chunk = plan[b : b + args.batch]
            images, targets, masks = [], [], []
            for si, index in chunk:
                array, boxes = augment(*sources[si].load(index), rng)
                images.append(torch.from_numpy(array).permute(2, 0, 1))
                targets.append(torch.from_numpy(boxes))
                mask = torch.zeros(len(CLASS_NAMES))
                mask[sources[si].classes] = 1
                masks.append(mask)
            batch = colour_jitter(torch.stack(images).float() / 255, generator)
            for group in optimiser.param_groups:
                progress = step / max(1, total_steps)
                factor = min(1.0, (step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
                group["lr"] = args.lr * factor
            loss, cls_loss, box_loss = compute_loss(model(batch), targets, torch.stack(masks))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            optimiser.step()
            ema.update(model)
            step += 1
            totals[0] += float(loss)
            totals[1] += float(cls_loss)
            totals[2] += float(box_loss)
        batches = math.ceil(len(plan) / args.batch)
        seconds = time.time() - started
        print(
            json.dumps(
                {
                    "epoch": epoch + 1,
                    "loss": round(totals[0] / batches, 4),
                    "cls": round(totals[1] / batches, 4),
                    "box": round(totals[2] / batches, 4),
                    "seconds": round(seconds, 1),
                    "msPerImage": round(1000 * seconds / len(plan), 1),
                }
            ),
            flush=True,
        )
        torch.save(
            {
                "model": model.state_dict(),
                "ema": ema.model.state_dict(),
                "ema_updates": ema.updates,
                "optimiser": optimiser.state_dict(),
                "epoch": epoch + 1,
                "step": step,
                "rng": rng.getstate(),
                "torch_rng": torch.get_rng_state(),
                "generator": generator.get_state(),
            },
            checkpoint_path,
        )
        export_onnx(ema.model, out / "package-detector.onnx", {**info, "epochsDone": epoch + 1})


if __name__ == "__main__":
    main()
