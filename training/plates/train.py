"""Trains the Egyptian licence plate reader (conv-only CRNN, CTC) and exports ONNX.

Input data: flat synthetic plates written by `crates/synth/examples/plate_set.rs`
(`hawiya_synth::render_card_flat(DocKind::Plate)`, PNG + labels.tsv). Each training
sample is one plate photographed on the fly here: put on a random background, cropped
by a perspective quad with random margins (tight to loose, as the localiser or a user's
crop gives), rotated, lit, blurred, shrunk, noised and JPEG-compressed, then prepared
exactly as `crates/pipeline/src/plate/reader.rs` prepares its input: grey, 48 x 128,
stretched between the 2nd and 98th percentiles, 0-1.

The model reads the whole plate left to right: the Arabic-Indic digits, then the
letters in visual order (the reading order reversed). Classes: blank, the 17 plate
letters, the digits 0-9. Output `[N, 32, 28]` softmax. No real data is used.
"""

import argparse
import datetime
import io
import math
import os
import random
import time
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

LETTERS = ["أ", "ب", "ج", "د", "ر", "س", "ص", "ط", "ع", "ف", "ق", "ل", "م", "ن", "ه", "و", "ى"]
CLASSES = LETTERS + [str(d) for d in range(10)]  # index + 1; 0 is blank
H, W = 48, 128


def conv(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class PlateNet(nn.Module):
    def __init__(self, classes=len(CLASSES) + 1):
        super().__init__()
        self.features = nn.Sequential(
            *conv(1, 16), nn.MaxPool2d(2, 2),          # 24 x 64
            *conv(16, 32), nn.MaxPool2d(2, 2),         # 12 x 32
            *conv(32, 64),
            *conv(64, 64), nn.MaxPool2d((2, 1)),       # 6 x 32
            *conv(64, 96), nn.MaxPool2d((2, 1)),       # 3 x 32
            nn.Conv2d(96, 128, (3, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),  # 1 x 32
        )
        self.head = nn.Sequential(
            nn.Conv1d(128, 128, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv1d(128, classes, 1),
        )

    def forward(self, x):  # N,1,48,128 in 0-1
        f = self.features(x - 0.5).squeeze(2)  # N,128,32
        return self.head(f).permute(0, 2, 1)   # N,32,C logits


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


def target(letters, digits):
    """Visual left-to-right class sequence: digits, then letters reversed."""
    seq = [CLASSES.index(d) + 1 for d in digits]
    seq += [LETTERS.index(l) + 1 for l in reversed(letters.split())]
    return seq


def prepare(grey):
    """grey: float array (H, W) 0-255 -> 0-1 stretched between 2nd and 98th percentiles."""
    lo, hi = np.percentile(grey, 2), np.percentile(grey, 98)
    if hi - lo < 8:
        hi = lo + 8
    return np.clip((grey - lo) / (hi - lo), 0, 1).astype(np.float32)


def background(rng, w, h):
    kind = rng.random()
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    if kind < 0.5:  # car body colours
        base = np.array(rng.choice([[200, 200, 205], [30, 30, 35], [150, 20, 25], [230, 230, 230],
                                    [40, 60, 120], [120, 120, 125], [90, 90, 90], [20, 20, 20]]),
                        dtype=np.float32) * rng.uniform(0.7, 1.2)
    # Drawn at an eighth of the size and scaled up: smooth texture, cheap.
    sw, sh = max(2, w // 8), max(2, h // 8)
    img = np.ones((sh, sw, 3), np.float32) * base
    gx = np.linspace(-1, 1, sw)[None, :, None] * rng.uniform(-40, 40)
    gy = np.linspace(-1, 1, sh)[:, None, None] * rng.uniform(-40, 40)
    img = img + gx + gy + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(0, 25), (sh, sw, 3))
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
    d = ImageDraw.Draw(im)
    for _ in range(rng.randint(0, 5)):  # bumper edges, lights, chrome
        x0, y0 = rng.randint(0, w), rng.randint(0, h)
        d.rectangle([x0, y0, x0 + rng.randint(5, w // 2), y0 + rng.randint(3, h // 4)],
                    fill=tuple(rng.randint(0, 255) for _ in range(3)))
    return im


def perspective_coeffs(src, dst):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points dst to input src."""
    a = []
    b = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return np.linalg.solve(np.array(a, np.float64), np.array(b, np.float64)).tolist()


def photograph(plate, rng):
    """One augmented, prepared 48 x 128 sample from a flat plate image."""
    pw, ph = plate.size
    pad = int(pw * 0.5)
    canvas = background(rng, pw + 2 * pad, ph + 2 * pad)
    canvas.paste(plate, (pad, pad))
    # The crop: the plate's corners, moved out (margin) or in (tight crop) per side, each
    # corner jittered (perspective), then rotated.
    loose = rng.random() < 0.3
    mx = lambda: rng.uniform(-0.02, 0.25 if loose else 0.08) * pw
    my = lambda: rng.uniform(-0.03, 0.35 if loose else 0.12) * ph
    l, r, t, b = mx(), mx(), my(), my()
    j = lambda: rng.gauss(0, 0.015) * pw
    quad = [(pad - l + j(), pad - t + j()), (pad + pw + r + j(), pad - t + j()),
            (pad + pw + r + j(), pad + ph + b + j()), (pad - l + j(), pad + ph + b + j())]
    ang = math.radians(rng.gauss(0, 3.5))
    cx = sum(p[0] for p in quad) / 4
    cy = sum(p[1] for p in quad) / 4
    ca, sa = math.cos(ang), math.sin(ang)
    quad = [(cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in quad]
    # Sample at a random low resolution first (distant or small plates), then up to W x H.
    lw = int(rng.uniform(65, 220))
    lh = max(12, int(lw * rng.uniform(0.4, 0.6)))
    coeffs = perspective_coeffs(quad, [(0, 0), (lw, 0), (lw, lh), (0, lh)])
    im = canvas.transform((lw, lh), Image.PERSPECTIVE, coeffs, resample=Image.BILINEAR)
    arr = np.asarray(im).astype(np.float32)
    # Lighting: colour cast, brightness/contrast, a gradient, a glare or shadow spot.
    arr = arr * np.array([rng.uniform(0.75, 1.15) for _ in range(3)], np.float32)
    arr = (arr - 128) * rng.uniform(0.5, 1.3) + 128 + rng.uniform(-60, 50)
    yy, xx = np.mgrid[0:lh, 0:lw]
    arr = arr * (1 + rng.uniform(-0.35, 0.35) * (xx / lw - 0.5) + rng.uniform(-0.3, 0.3) * (yy / lh - 0.5))[..., None]
    if rng.random() < 0.3:
        sx, sy, sr = rng.uniform(0, lw), rng.uniform(0, lh), rng.uniform(0.1, 0.5) * lw
        spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * sr * sr))
        arr = arr + (rng.uniform(-120, 160) * spot)[..., None]
    arr = np.clip(arr, 0, 255)
    im = Image.fromarray(arr.astype(np.uint8))
    if rng.random() < 0.6:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.1, 1.2 * lw / 120)))
    arr = np.asarray(im).astype(np.float32)
    arr = arr + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(0, 12), arr.shape)
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.7:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=rng.randint(25, 90))
        im = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    # The product's preparation: grey (BT.601), resize to 128 x 48 (bilinear), stretch.
    grey = im.convert("L").resize((W, H), Image.BILINEAR)
    return prepare(np.asarray(grey).astype(np.float32))


def render_chunk(job):
    rows, folder, seed, reps = job
    rng = random.Random(seed)
    xs, ys = [], []
    for name, letters, digits in rows:
        plate = Image.open(os.path.join(folder, name)).convert("RGB")
        for _ in range(reps):
            xs.append((photograph(plate, rng) * 255).astype(np.uint8))
            ys.append(target(letters, digits))
    return np.stack(xs), ys


def build(folder, reps, procs, seed):
    rows = []
    for line in open(os.path.join(folder, "labels.tsv"), encoding="utf-8"):
        name, letters, digits, _cls = line.rstrip("\n").split("\t")
        rows.append((name, letters, digits))
    chunks = [(rows[i:i + 200], folder, seed * 100003 + i, reps) for i in range(0, len(rows), 200)]
    with Pool(procs) as pool:
        parts = pool.map(render_chunk, chunks)
    x = np.concatenate([p[0] for p in parts])
    y = [t for p in parts for t in p[1]]
    return x, y


def greedy(probs):
    out = []
    for row in probs.argmax(-1):
        s, prev = [], 0
        for c in row.tolist():
            if c != 0 and c != prev:
                s.append(c)
            prev = c
        out.append(s)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    t0 = time.time()
    x_tr, y_tr = build(args.train, args.reps, args.threads, 1)
    x_va, y_va = build(args.val, 1, args.threads, 2)
    prep_s = time.time() - t0
    print(f"{len(y_tr)} training, {len(y_va)} validation samples in {prep_s:.0f}s", flush=True)
    torch.set_num_threads(args.threads)
    x_tr_t = torch.from_numpy(x_tr).unsqueeze(1)
    x_va_t = torch.from_numpy(x_va).unsqueeze(1)

    net = PlateNet()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    batch = 64
    budget = args.minutes * 60
    start = time.time()
    step, epoch = 0, 0
    losses = []
    n = len(y_tr)
    while time.time() - start < budget:
        epoch += 1
        perm = np.random.permutation(n)
        for i in range(0, n - batch + 1, batch):
            elapsed = time.time() - start
            if elapsed >= budget:
                break
            # A short warm-up, then cosine decay over the wall-time budget.
            warm = 0.03 * budget
            lr = 3e-3 * (elapsed / warm if elapsed < warm else
                         0.5 * (1 + math.cos(math.pi * (elapsed - warm) / (budget - warm))))
            for group in opt.param_groups:
                group["lr"] = lr
            idx = perm[i:i + batch]
            x = x_tr_t[idx].float() / 255.0
            # Cheap extra variety: inversion never (plates are dark on light), contrast.
            c = torch.empty(len(idx), 1, 1, 1).uniform_(0.7, 1.0)
            x = (x * c + (1 - c) * torch.empty(len(idx), 1, 1, 1).uniform_(0, 1)).clamp(0, 1)
            tg = [y_tr[j] for j in idx]
            flat = torch.tensor([k for t in tg for k in t], dtype=torch.long)
            lens = torch.tensor([len(t) for t in tg], dtype=torch.long)
            net.train()
            logits = net(x)
            logp = F.log_softmax(logits, -1).permute(1, 0, 2)
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
    # The PyTorch weights stay in the scratch folder (not committed).
    torch.save(net.state_dict(), os.path.join(os.path.dirname(os.path.abspath(args.train)), "plate_reader.pt"))

    net.eval()
    pred = []
    with torch.no_grad():
        for i in range(0, len(y_va), 256):
            pred += greedy(torch.softmax(net(x_va_t[i:i + 256].float() / 255.0), -1))
    exact = sum(p == t for p, t in zip(pred, y_va)) / len(y_va)
    # Character accuracy: 1 - edit distance / length.
    def lev(a, b):
        d = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, d[0] = d[0], i
            for j, cb in enumerate(b, 1):
                prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (ca != cb))
        return d[-1]
    edits = sum(lev(p, t) for p, t in zip(pred, y_va))
    chars = sum(len(t) for t in y_va)
    char_acc = 1 - edits / chars

    exported = Exported(net).eval()
    dummy = x_va_t[:8].float() / 255.0
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
    print(f"validation exact {exact * 100:.2f}%, chars {char_acc * 100:.2f}%, "
          f"onnx vs torch {max_diff:.2e}, {size_kb:.0f} KB", flush=True)
    assert max_diff < 1e-3, "onnxruntime disagrees with PyTorch"

    with open(args.report, "w") as f:
        f.write(f"""# plate_reader.onnx: Egyptian licence plate reader

Trained by `training/plates/train.sh` on {datetime.date.today().isoformat()} ({os.uname().nodename}, CPU,
{args.threads} threads, `OMP_WAIT_POLICY=PASSIVE`). Product code: `crates/pipeline/src/plate/`.

- Data: flat synthetic plates from `crates/synth/examples/plate_set.rs` (`hawiya_synth`, `DocKind::Plate`,
  seed 2000 for training, 2001 for validation; bold plate faces, tall condensed characters, `ه` in its initial
  form, dirt, bolts, 30% short numbers), each
  photographed {args.reps} times on the fly by `train.py` (random background, perspective quad crop with
  tight to loose margins, rotation, lighting, glare, blur, low resolution, noise, JPEG), then prepared as
  the product prepares its input. {len(y_tr)} training samples; no real data.
- Model: conv-only CRNN (6 conv + BN + ReLU down to one row of 32 columns, two 1-D convs), CTC, greedy
  decoding; {params} parameters; {size_kb:.0f} KB as ONNX (opset 17). Input `[N, 1, 48, 128]` grey in 0-1
  (2-98 percentile stretch), output `[N, 32, 28]` softmax over blank, 17 letters
  (`{' '.join(LETTERS)}`), digits 0-9. Read left to right: digits, then letters in visual order.
- Training: AdamW, lr 3e-3 (3% warm-up) with cosine decay over a {args.minutes:g}-minute wall-clock budget, batch 64,
  {step} steps ({epoch} epochs), seeds fixed (0); data preparation {prep_s:.0f} s, training {train_s:.0f} s.
- onnxruntime vs PyTorch on 8 validation samples: max abs difference {max_diff:.1e}.

## Held-out synthetic plates ({len(y_va)}, other seed, never trained on)
- whole plate exact: {exact * 100:.1f}%
- characters: {char_acc * 100:.1f}%

Real-data numbers (EALPR, measured only) are in `benches/results/plates.md`.
""")


if __name__ == "__main__":
    main()
