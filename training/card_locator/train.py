"""Trains the card locator: a small CNN that predicts one heatmap per card corner.

Input: [1, 3, S, S] RGB in 0..1, the photo letterboxed at the top-left of a black square
(hawiya_pipeline::card::learned::letterbox, also used by the dataset program).
Output: [1, 4, S/4, S/4] sigmoid heatmaps, channel k = the card's own corner k
(top-left, top-right, bottom-right, bottom-left). A cell (i, j) stands for input pixel
((j + 0.5) * 4, (i + 0.5) * 4).

Usage: python train.py DATA_DIR [DATA_DIR ...] --out OUT_DIR [--minutes M] [--seed 0]
Writes OUT_DIR/card_locator.pt, OUT_DIR/card_locator.onnx and OUT_DIR/train_log.json.
"""

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDE = 4
# Gaussian radius of a corner target in heatmap cells: wide enough that the sub-cell
# centroid is informative, narrow enough that neighbouring corners of a small card
# (about 12 cells apart) stay apart.
SIGMA = 1.5


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, stride)
        self.b = conv_bn(cout, cout)

    def forward(self, x):
        return self.b(self.a(x))


class CornerNet(nn.Module):
    """Encoder to 1/32 with a global-context vector (orientation needs the whole card),
    decoder back to 1/4 with skip connections."""

    def __init__(self, width=1.0):
        super().__init__()
        c = [int(round(v * width)) for v in (16, 24, 32, 64, 96)]
        self.stem = conv_bn(3, c[0], 2)  # 1/2
        self.e1 = Block(c[0], c[1], 2)  # 1/4
        self.e2 = Block(c[1], c[2], 2)  # 1/8
        self.e3 = Block(c[2], c[3], 2)  # 1/16
        self.e4 = Block(c[3], c[4], 2)  # 1/32
        self.ctx = nn.Sequential(nn.Conv2d(c[4], c[4], 1), nn.ReLU(inplace=True))
        self.d3 = conv_bn(c[4] * 2 + c[3], c[3])
        self.d2 = conv_bn(c[3] + c[2], 48)
        self.d1 = conv_bn(48 + c[1], 32)
        self.head = nn.Sequential(conv_bn(32, 32), nn.Conv2d(32, 4, 1))
        # Start the heatmaps near the background rate (CenterNet's prior), so the
        # focal loss is not swamped by easy negatives in the first steps.
        nn.init.constant_(self.head[-1].bias, -4.0)

    def forward(self, x):
        x = (x - 0.5) / 0.25
        s = self.stem(x)
        f1 = self.e1(s)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        g = self.ctx(f4.mean(dim=(2, 3), keepdim=True)).expand_as(f4)
        x = torch.cat([f4, g], 1)
        x = F.interpolate(x, size=f3.shape[2:], mode="bilinear", align_corners=False)
        x = self.d3(torch.cat([x, f3], 1))
        x = F.interpolate(x, size=f2.shape[2:], mode="bilinear", align_corners=False)
        x = self.d2(torch.cat([x, f2], 1))
        x = F.interpolate(x, size=f1.shape[2:], mode="bilinear", align_corners=False)
        x = self.d1(torch.cat([x, f1], 1))
        return self.head(x)  # logits


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x))


def init_from_onnx(net, onnx_path):
    """Loads a shipped ONNX export back into `net`. The export folded every BatchNorm into
    the convolution before it, so each BatchNorm becomes an exact identity-plus-bias
    (running mean 0, variance 1, weight sqrt(1 + eps), bias = the folded bias) and must
    stay frozen in eval mode while fine-tuning (`freeze_bn`): batch statistics would
    undo the folding. The graph's Conv nodes are in forward order, as are the modules'."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(onnx_path)
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    mods = []  # (conv, the BatchNorm after it or None), in forward order
    for m in [net.stem, net.e1, net.e2, net.e3, net.e4, net.ctx, net.d3, net.d2, net.d1, net.head]:
        for sub in m.modules():
            if isinstance(sub, nn.Conv2d):
                mods.append([sub, None])
            elif isinstance(sub, nn.BatchNorm2d):
                mods[-1][1] = sub
    assert len(mods) == len(convs), (len(mods), len(convs))
    with torch.no_grad():
        for (conv, bn), node in zip(mods, convs):
            w = torch.from_numpy(init[node.input[1]].copy())
            b = torch.from_numpy(init[node.input[2]].copy()) if len(node.input) > 2 else None
            assert conv.weight.shape == w.shape, (conv.weight.shape, w.shape)
            conv.weight.copy_(w)
            if bn is None:
                conv.bias.copy_(b)
            else:
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0)
                bn.weight.fill_(math.sqrt(1.0 + bn.eps))
                bn.bias.copy_(b if b is not None else torch.zeros_like(bn.bias))


def freeze_bn(net):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def load(dirs, size):
    imgs, labels = [], []
    for d in dirs:
        lb = np.fromfile(os.path.join(d, "labels.f32"), dtype=np.float32).reshape(-1, 12)
        im = np.fromfile(os.path.join(d, "images.u8"), dtype=np.uint8).reshape(-1, size, size, 3)
        assert len(im) == len(lb), d
        imgs.append(im)
        labels.append(lb)
    return np.concatenate(imgs), np.concatenate(labels)


def targets(lb, hw, device):
    """Gaussian corner heatmaps [B, 4, hw, hw] for labels [B, 12] (input pixels)."""
    b = lb.shape[0]
    pts = lb[:, :8].view(b, 4, 2) / STRIDE - 0.5  # cell coordinates
    present = lb[:, 9].view(b, 1, 1, 1)
    ys = torch.arange(hw, device=device, dtype=torch.float32).view(1, 1, hw, 1)
    xs = torch.arange(hw, device=device, dtype=torch.float32).view(1, 1, 1, hw)
    d2 = (xs - pts[..., 0].view(b, 4, 1, 1)) ** 2 + (ys - pts[..., 1].view(b, 4, 1, 1)) ** 2
    return torch.exp(-d2 / (2 * SIGMA * SIGMA)) * present


def focal_loss(logits, gt):
    """CenterNet's penalty-reduced focal loss, normalised by the number of corners."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = (gt > 0.99).float()
    neg = 1 - pos
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p**2 * (1 - gt) ** 4 * neg
    n = pos.sum().clamp(min=1)
    return (pos_loss.sum() + neg_loss.sum()) / n


def decode_peaks(heat):
    """Per-channel argmax + 3x3 centroid, in input pixels: a quick training-time metric."""
    b, k, h, w = heat.shape
    flat = heat.view(b, k, -1)
    idx = flat.argmax(-1)
    y = (idx // w).float()
    x = (idx % w).float()
    return torch.stack([(x + 0.5) * STRIDE, (y + 0.5) * STRIDE], -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val", type=int, default=500, help="scenes held out for validation")
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument(
        "--init",
        help="start from this state dict (card_locator.pt) instead of random weights: "
        "fine-tuning a shipped model on freshly rendered scenes",
    )
    ap.add_argument(
        "--init-onnx",
        help="start from this exported model (card_locator.onnx) instead: fine-tuning "
        "a shipped model whose state dict was not kept; its BatchNorms stay frozen",
    )
    ap.add_argument(
        "--contrast-min",
        type=float,
        default=0.75,
        help="lowest contrast factor of the photometric jitter (pale cards on pale "
        "backgrounds need lower)",
    )
    ap.add_argument("--log-every", type=int, default=200, help="steps between log lines")
    ap.add_argument(
        "--eval-every", type=int, default=1000, help="steps between validations and checkpoints"
    )
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "2")))
    os.makedirs(args.out, exist_ok=True)

    imgs, labels = load(args.data, args.size)
    n = len(imgs)
    val_n = min(args.val, max(1, n // 10))
    # Held out by position: the dataset's scenes are independent renders.
    tr_img = torch.from_numpy(imgs[val_n:])
    tr_lb = torch.from_numpy(labels[val_n:])
    va_img = torch.from_numpy(imgs[:val_n])
    va_lb = torch.from_numpy(labels[:val_n])
    if device == "cuda":
        tr_img, tr_lb = tr_img.to(device), tr_lb.to(device)
        va_img, va_lb = va_img.to(device), va_lb.to(device)
    print(f"{n} scenes ({n - val_n} train, {val_n} val) on {device}", flush=True)

    net = CornerNet(args.width).to(device)
    if args.init:
        net.load_state_dict(torch.load(args.init, map_location=device))
        print(f"initialised from {args.init}", flush=True)
    if args.init_onnx:
        init_from_onnx(net, args.init_onnx)
        print(f"initialised from {args.init_onnx} (BatchNorm frozen)", flush=True)

    def train_mode():
        net.train()
        if args.init_onnx:
            freeze_bn(net)

    train_mode()
    params = sum(p.numel() for p in net.parameters())
    print(f"{params} parameters", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    hw = args.size // STRIDE
    budget = args.minutes * 60
    start = time.time()
    step = 0
    log = []
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    use_amp = device == "cuda"

    def lr_at(t):
        # Warm-up for 3% of the time, then cosine to 2% of the peak.
        f = t / budget
        if f < 0.03:
            return args.lr * f / 0.03
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(f, 1.0))))

    def batch_to(x, lb, train):
        x = x.to(device, non_blocking=True).permute(0, 3, 1, 2).float() / 255.0
        lb = lb.to(device)
        if train:
            # Photometric jitter per scene: exposure, contrast, colour cast.
            b = x.shape[0]
            gain = torch.empty(b, 1, 1, 1, device=device).uniform_(0.7, 1.25)
            cast = torch.empty(b, 3, 1, 1, device=device).uniform_(0.92, 1.08)
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            con = torch.empty(b, 1, 1, 1, device=device).uniform_(args.contrast_min, 1.2)
            x = ((x - mean) * con + mean) * gain * cast
            x = x.clamp(0, 1)
        return x, lb

    def evaluate():
        net.eval()
        errs, orient_ok, neg_conf, pos_conf = [], [], [], []
        with torch.no_grad():
            for i in range(0, val_n, 128):
                x, lb = batch_to(va_img[i : i + 128], va_lb[i : i + 128], False)
                heat = torch.sigmoid(net(x)).float()
                pk = decode_peaks(heat)
                conf = heat.flatten(2).max(-1).values.mean(-1)
                present = lb[:, 9] > 0
                gt = lb[:, :8].view(-1, 4, 2)
                diag = (gt[:, 0] - gt[:, 2]).norm(dim=-1)
                e = (pk - gt).norm(dim=-1).mean(-1) / diag.clamp(min=1)
                errs.append(e[present].cpu())
                pos_conf.append(conf[present].cpu())
                neg_conf.append(conf[~present].cpu())
        train_mode()
        e = torch.cat(errs)
        return {
            "val_mean_corner_err_pct_of_diag": float(e.mean() * 100),
            "val_share_under_2_5pct": float((e < 0.025).float().mean()),
            "val_pos_conf_p05": float(torch.cat(pos_conf).quantile(0.05)) if len(e) else 0.0,
            "val_neg_conf_p95": float(torch.cat(neg_conf).quantile(0.95))
            if sum(len(c) for c in neg_conf)
            else 0.0,
        }

    if args.init or args.init_onnx:
        # Where fine-tuning starts from, on the same held-out scenes.
        entry = {"step": 0, "seconds": 0.0, **evaluate()}
        print(json.dumps(entry), flush=True)
        log.append(entry)
    scaler = torch.amp.GradScaler(enabled=use_amp)
    ntr = len(tr_img)
    while time.time() - start < budget:
        perm = torch.randperm(ntr, generator=gen)
        for i in range(0, ntr - args.batch + 1, args.batch):
            t = time.time() - start
            if t >= budget:
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(t)
            idx = perm[i : i + args.batch]
            if device == "cuda":
                idx = idx.to(device)
            x, lb = batch_to(tr_img[idx], tr_lb[idx], True)
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_amp):
                logits = net(x)
            loss = focal_loss(logits.float(), targets(lb, hw, device))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            step += 1
            if step % args.log_every == 0:
                entry = {"step": step, "seconds": round(t, 1), "loss": float(loss)}
                if step % args.eval_every == 0:
                    entry.update(evaluate())
                    # A checkpoint survives a machine that is taken back mid-run.
                    torch.save(net.state_dict(), os.path.join(args.out, "card_locator.pt"))
                print(json.dumps(entry), flush=True)
                log.append(entry)
    final = {"step": step, "seconds": round(time.time() - start, 1), **evaluate()}
    print(json.dumps(final), flush=True)
    log.append(final)

    net.eval().cpu()
    torch.save(net.state_dict(), os.path.join(args.out, "card_locator.pt"))
    export_onnx(net, args.size, os.path.join(args.out, "card_locator.onnx"))
    with open(os.path.join(args.out, "train_log.json"), "w") as f:
        json.dump(
            {
                "parameters": params,
                "scenes": n,
                "val_scenes": val_n,
                "device": device,
                "args": vars(args),
                "log": log,
            },
            f,
            indent=1,
        )


def export_onnx(net, size, onnx_path):
    export = Exported(net).eval()
    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(
        export,
        dummy,
        onnx_path,
        input_names=["image"],
        output_names=["heatmaps"],
        opset_version=17,
        dynamo=False,
    )
    print("exported", onnx_path, os.path.getsize(onnx_path), "bytes", flush=True)


if __name__ == "__main__":
    main()
