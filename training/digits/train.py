"""Trains the Arabic-Indic digit line recogniser (conv-only CRNN, CTC) and exports ONNX.

Input: the crops `digits_dataset` wrote (already cut and prepared by the product's own
Rust code: 32 x 256 grey, 0-255). Output: `id_digits.onnx` taking `[N, 1, 32, 256]` in
0-1 and giving `[N, 64, 12]` class probabilities (blank, 0-9, '/'), and a Markdown report.
Seeds are fixed; the run is bounded by wall time, not epochs (2 shared cores).
"""

import argparse
import datetime
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = "0123456789/"
H, W = 32, 256


def conv(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class DigitNet(nn.Module):
    """Five 3x3 conv layers down to one row of 64 columns, then two 1-D convs (digits.md)."""

    def __init__(self, classes=len(CLASSES) + 1):
        super().__init__()
        self.features = nn.Sequential(
            *conv(1, 16), nn.MaxPool2d(2, 2),          # 16 x 128
            *conv(16, 32), nn.MaxPool2d(2, 2),         # 8 x 64
            *conv(32, 64),
            *conv(64, 64), nn.MaxPool2d((2, 1)),       # 4 x 64
            *conv(64, 96), nn.MaxPool2d((4, 1)),       # 1 x 64
        )
        self.head = nn.Sequential(
            nn.Conv1d(96, 96, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv1d(96, classes, 1),
        )

    def forward(self, x):  # x: N,1,32,256 in 0-1
        f = self.features(x - 0.5).squeeze(2)  # N,96,64
        return self.head(f).permute(0, 2, 1)   # N,64,C logits


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


def load(dirs):
    images, labels = [], []
    for d in dirs:
        lab = open(os.path.join(d, "labels.txt")).read().split("\n")[:-1]
        img = np.fromfile(os.path.join(d, "images.u8"), dtype=np.uint8).reshape(-1, H, W)
        n = min(len(lab), len(img))
        images.append(img[:n])
        labels += lab[:n]
    return np.concatenate(images), labels


def encode(labels):
    return [[CLASSES.index(c) + 1 for c in s] for s in labels]


def augment(x, g):
    """Light extra variety on top of the photo degradation the crops already carry."""
    n = x.shape[0]
    contrast = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.0, generator=g)
    offset = torch.empty(n, 1, 1, 1).uniform_(0.0, 0.25, generator=g)
    x = x * contrast + offset * (1 - contrast)
    x = x + torch.randn(x.shape, generator=g) * torch.empty(n, 1, 1, 1).uniform_(0, 0.06, generator=g)
    return x.clamp(0, 1)


def greedy(probs):
    out = []
    for row in probs.argmax(-1):
        s, prev = [], 0
        for c in row.tolist():
            if c != 0 and c != prev:
                s.append(CLASSES[c - 1])
            prev = c
        out.append("".join(s))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)

    images, labels = load(args.data)
    n = len(labels)
    # Hold out the last cards rendered (crops are written card by card), so no card
    # has crops on both sides of the split.
    n_val = max(200, n // 20)
    val_idx, train_idx = np.arange(n - n_val, n), np.arange(0, n - n_val)
    x_all = torch.from_numpy(images).unsqueeze(1)
    targets = encode(labels)
    print(f"{n} crops ({len(train_idx)} train, {n_val} validation)", flush=True)

    net = DigitNet()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    batch = 64
    budget = args.minutes * 60
    start = time.time()
    step, epoch = 0, 0
    losses = []
    while time.time() - start < budget:
        epoch += 1
        perm = train_idx[np.random.permutation(len(train_idx))]
        for i in range(0, len(perm) - batch + 1, batch):
            elapsed = time.time() - start
            if elapsed >= budget:
                break
            # Cosine decay over the wall-time budget.
            lr = 2e-3 * 0.5 * (1 + np.cos(np.pi * elapsed / budget))
            for group in opt.param_groups:
                group["lr"] = lr
            idx = perm[i:i + batch]
            x = augment(x_all[idx].float() / 255.0, g)
            tg = [targets[j] for j in idx]
            flat = torch.tensor([c for t in tg for c in t], dtype=torch.long)
            lens = torch.tensor([len(t) for t in tg], dtype=torch.long)
            net.train()
            logits = net(x)  # N,T,C
            logp = F.log_softmax(logits, -1).permute(1, 0, 2)  # T,N,C
            loss = ctc(logp, flat, torch.full((len(idx),), logits.shape[1], dtype=torch.long), lens)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
            if step % 100 == 0:
                print(f"step {step} epoch {epoch} loss {np.mean(losses[-100:]):.4f} lr {lr:.5f} "
                      f"{time.time() - start:.0f}s", flush=True)
    train_s = time.time() - start

    net.eval()
    val_pred = []
    with torch.no_grad():
        for i in range(0, n_val, 256):
            idx = val_idx[i:i + 256]
            val_pred += greedy(torch.softmax(net(x_all[idx].float() / 255.0), -1))
    val_true = [labels[j] for j in val_idx]
    kinds = {"ID number (14 digits)": lambda s: len(s) == 14 and "/" not in s,
             "house number (address line 1)": lambda s: len(s) < 6 and "/" not in s,
             "release date (YYYY/MM)": lambda s: s.count("/") == 1,
             "expiry date (YYYY/MM/DD)": lambda s: s.count("/") == 2}
    rows = []
    for name, is_kind in kinds.items():
        pairs = [(p, t) for p, t in zip(val_pred, val_true) if is_kind(t)]
        if pairs:
            exact = sum(p == t for p, t in pairs) / len(pairs)
            rows.append(f"| {name} | {len(pairs)} | {exact * 100:.1f}% |")
    overall = sum(p == t for p, t in zip(val_pred, val_true)) / n_val

    exported = Exported(net).eval()
    dummy = torch.from_numpy(images[val_idx[:8]]).unsqueeze(1).float() / 255.0
    torch.onnx.export(exported, dummy, args.out, input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "n"}, "probs": {0: "n"}}, opset_version=17,
                      dynamo=False)
    import onnxruntime as ort
    sess = ort.InferenceSession(args.out, providers=["CPUExecutionProvider"])
    ort_out = sess.run(None, {"input": dummy.numpy()})[0]
    with torch.no_grad():
        torch_out = exported(dummy).numpy()
    max_diff = float(np.abs(ort_out - torch_out).max())
    size_kb = os.path.getsize(args.out) / 1024
    print(f"validation exact {overall * 100:.2f}%, onnx vs torch max diff {max_diff:.2e}, {size_kb:.0f} KB")
    assert max_diff < 1e-3, "onnxruntime disagrees with PyTorch"

    with open(args.report, "w") as f:
        f.write(f"""# id_digits.onnx: Arabic-Indic digit line recogniser

Trained by `training/digits/train.sh` on {datetime.date.today().isoformat()} ({os.uname().nodename}, CPU,
{args.threads} threads, `OMP_WAIT_POLICY=PASSIVE`). Product code: `crates/pipeline/src/digits.rs`.

- Data: {n} crops cut by `crates/pipeline/examples/digits_dataset.rs` from synthetic, photo-degraded
  ID card fronts and backs (`hawiya_synth::render`, seed 1000, difficulty uniform 0-1), rectified from the
  true corners, each line cut by the product's `crop_digit_line` from a detector-like box (grown 0-0.8 and
  shifted up to 0.15 ink heights) with margins 0.1-1.6 (horizontal) and 0.1-0.5 (vertical) ink heights, then
  `prepare_input`. No real data.
- Model: conv-only CRNN (5 conv 3x3 + BN + ReLU to one row of 64 columns, two 1-D convs), CTC, greedy
  decoding; {params} parameters; {size_kb:.0f} KB as ONNX (opset 17). Input `[N, 1, 32, 256]` in 0-1,
  output `[N, 64, 12]` softmax over blank, `0`-`9`, `/`.
- Training: AdamW, lr 2e-3 with cosine decay over a {args.minutes:g}-minute wall-clock budget, batch 64,
  {step} steps ({epoch} epochs), light contrast/noise augmentation, seeds fixed (0); {train_s:.0f} s.
- onnxruntime vs PyTorch on 8 validation crops: max abs difference {max_diff:.1e}.

## Held-out crops ({n_val}: the last cards rendered, never trained on)
| line | crops | exact |
|---|---|---|
{chr(10).join(rows)}
| all | {n_val} | {overall * 100:.1f}% |

These are single crops with random margins, before the reader's retries and the ID number's own rules;
end-to-end numbers are in `benches/results/national_id.md`.
""")


if __name__ == "__main__":
    main()
