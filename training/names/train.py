"""Trains the Arabic name-line reader (conv-only CRNN, CTC) and exports ONNX.

Input data: the name lines of flat synthetic ID fronts written by
`crates/synth/examples/name_lines.rs` (PNG crops with half a line height of margin, the
ink box, the text). Each training sample is one line "photographed" on the fly here as
the product sees it after the card is found and warped flat: the crop's margins
jittered (row boxes are tight or loose), a small rotation (rectification error), the
card's resolution lost (a card 200 to 1000 pixels wide in the photo, warped back up),
lighting, glare, blur, noise and JPEG, then prepared exactly as
`crates/pipeline/src/national_id/name_reader.rs` prepares its input: grey, height 32
keeping the aspect (squeezed to at most 256 wide), stretched between the 2nd and 98th
percentiles to 0-1, padded on the right with 1 (paper) to 256.

The model reads left to right, so its target is the text in visual order (the logical
string reversed: names carry no digits). Classes: blank, then CHARSET. Output
`[N, 64, 38]` softmax. No real data is used.

`--kind plate_numbers` trains the vehicle licence's plate number reader the same way on
the `license_number` lines of flat synthetic vehicle licence fronts (plate letters, then
Arabic-Indic digits): its target keeps each digit run in its own left-to-right order
(the letters' tokens still read right to left), and its classes are the plate letters
and digits.
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
from PIL import Image, ImageFilter

# The product's charsets, index + 1: the name reader's
# (crates/pipeline/src/national_id/name_reader.rs) and the plate number reader's
# (crates/pipeline/src/licence/plate_number.rs). `main` sets CHARSET and KIND from --kind
# before the worker processes fork.
CHARSETS = {
    "names": " ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي",
    "plate_numbers": " أبجدرسصطعفقلمنهوى٠١٢٣٤٥٦٧٨٩",
}
KIND = "names"
CHARSET = CHARSETS[KIND]
DIGITS = "٠١٢٣٤٥٦٧٨٩"
H, W = 32, 256


def conv(cin, cout, k=3, pad=1):
    return [nn.Conv2d(cin, cout, k, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class NameNet(nn.Module):
    def __init__(self, classes=None):
        super().__init__()
        classes = classes or len(CHARSET) + 1
        self.features = nn.Sequential(
            *conv(1, 32), nn.MaxPool2d(2, 2),           # 16 x 128
            *conv(32, 64), nn.MaxPool2d(2, 2),          # 8 x 64
            *conv(64, 96),
            *conv(96, 96), nn.MaxPool2d((2, 1)),        # 4 x 64
            *conv(96, 128), nn.MaxPool2d((2, 1)),       # 2 x 64
            nn.Conv2d(128, 160, (2, 1), bias=False), nn.BatchNorm2d(160), nn.ReLU(inplace=True),  # 1 x 64
        )
        self.head = nn.Sequential(
            nn.Conv1d(160, 160, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv1d(160, 160, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv1d(160, classes, 1),
        )

    def forward(self, x):  # N,1,32,256 in 0-1
        f = self.features(x - 0.5).squeeze(2)  # N,160,64
        return self.head(f).permute(0, 2, 1)   # N,64,C logits


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


def visual(text):
    """The text in visual order, left to right: the logical string reversed, except that
    a run of digits keeps its own order (Arabic-Indic numbers are written left to right
    inside right-to-left text)."""
    out, run = [], []
    for c in reversed(text):
        if c in DIGITS:
            run.append(c)
            continue
        out.extend(reversed(run))
        run = []
        out.append(c)
    out.extend(reversed(run))
    return "".join(out)


def target(text):
    """Visual left-to-right class sequence."""
    return [CHARSET.index(c) + 1 for c in visual(text)]


def prepare(grey):
    """grey: PIL L image of the line -> (H, W) float 0-1 as the product prepares it.
    Plate number lines are stretched to the whole width (`LineModel::stretch`): padded
    like names, the model parked its letters in the padding (a constant guess in the
    last columns) and never learned to read them."""
    w = max(1, min(W, round(grey.width * H / grey.height)))
    if KIND == "plate_numbers":
        w = W
    arr = np.asarray(grey.resize((w, H), Image.BILINEAR)).astype(np.float32)
    lo, hi = np.percentile(arr, 2), np.percentile(arr, 98)
    if hi - lo < 8:
        hi = lo + 8
    out = np.ones((H, W), np.float32)
    out[:, :w] = np.clip((arr - lo) / (hi - lo), 0, 1)
    return out


def photograph(crop, box, rng):
    """One augmented, prepared sample from a line crop and its ink box."""
    cw, ch = crop.size
    x0, y0, x1, y1 = box
    lh = y1 - y0
    # Small rotation about the line's centre (the warp is never perfect).
    if rng.random() < 0.6:
        crop = crop.rotate(rng.gauss(0, 0.8), resample=Image.BILINEAR, center=((x0 + x1) / 2, (y0 + y1) / 2),
                           fillcolor=crop.getpixel((0, 0)))
    # The row box: tight (ink) to loose, per side.
    l = x0 - rng.uniform(-0.04, 0.45) * lh
    r = x1 + rng.uniform(-0.04, 0.45) * lh
    t = y0 - rng.uniform(-0.05, 0.35) * lh
    b = y1 + rng.uniform(-0.05, 0.35) * lh
    l, t, r, b = max(0, l), max(0, t), min(cw, r), min(ch, b)
    im = crop.crop((int(l), int(t), int(math.ceil(r)), int(math.ceil(b))))
    w, h = im.size
    arr = np.asarray(im).astype(np.float32)
    # Lighting: colour cast, brightness/contrast, a gradient, a glare spot.
    arr = arr * np.array([rng.uniform(0.8, 1.1) for _ in range(3)], np.float32)
    arr = (arr - 128) * rng.uniform(0.55, 1.15) + 128 + rng.uniform(-50, 30)
    yy, xx = np.mgrid[0:h, 0:w]
    arr = arr * (1 + rng.uniform(-0.3, 0.3) * (xx / w - 0.5))[..., None]
    if rng.random() < 0.25:
        sx, sy, sr = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.1, 0.5) * w
        spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * sr * sr))
        g = rng.uniform(0.2, 0.8) * spot
        arr = arr * (1 - g[..., None]) + 250 * g[..., None]
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    # The card in the photo: 0.2 to 1 of the flat card's resolution, blurred there,
    # noised, JPEG-compressed, then warped back up to the flat card's size.
    s = rng.uniform(0.2, 1.0) if rng.random() < 0.85 else 1.0
    sw, sh = max(8, int(w * s)), max(6, int(h * s))
    small = im.resize((sw, sh), Image.BILINEAR)
    if rng.random() < 0.7:
        small = small.filter(ImageFilter.GaussianBlur(rng.uniform(0.1, 1.6)))
    arr = np.asarray(small).astype(np.float32)
    arr = arr + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(0, 12), arr.shape)
    small = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.8:
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=rng.randint(35, 95))
        small = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    im = small.resize((w, h), Image.BILINEAR)
    return prepare(im.convert("L"))


def render_chunk(job):
    rows, folder, seed, reps = job
    rng = random.Random(seed)
    xs, ys = [], []
    for name, box, text in rows:
        crop = Image.open(os.path.join(folder, name)).convert("RGB")
        for _ in range(reps):
            xs.append((photograph(crop, box, rng) * 255).astype(np.uint8))
            ys.append(target(text))
    return np.stack(xs), ys


def build(folder, reps, procs, seed):
    rows, skipped = [], 0
    for line in open(os.path.join(folder, "labels.tsv"), encoding="utf-8"):
        name, box, text = line.rstrip("\n").split("\t")
        if any(c not in CHARSET for c in text):
            skipped += 1
            continue
        rows.append((name, [float(v) for v in box.split()], text))
    chunks = [(rows[i:i + 200], folder, seed * 100003 + i, reps) for i in range(0, len(rows), 200)]
    with Pool(procs) as pool:
        parts = pool.map(render_chunk, chunks)
    x = np.concatenate([p[0] for p in parts])
    y = [t for p in parts for t in p[1]]
    return x, y, skipped


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


def lev(a, b):
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, cb in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (ca != cb))
    return d[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--kind", choices=sorted(CHARSETS), default="names")
    args = ap.parse_args()
    global KIND, CHARSET
    KIND, CHARSET = args.kind, CHARSETS[args.kind]
    assert visual("م ط ٥٤٠٣") == "٥٤٠٣ ط م"

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    t0 = time.time()
    x_tr, y_tr, skipped = build(args.train, args.reps, args.threads, 1)
    x_va, y_va, _ = build(args.val, 1, args.threads, 2)
    prep_s = time.time() - t0
    print(f"{len(y_tr)} training, {len(y_va)} validation samples in {prep_s:.0f}s "
          f"({skipped} lines outside the charset skipped)", flush=True)
    torch.set_num_threads(args.threads)
    x_tr_t = torch.from_numpy(x_tr).unsqueeze(1)
    x_va_t = torch.from_numpy(x_va).unsqueeze(1)

    net = NameNet()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    batch = 48
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
            warm = 0.03 * budget
            lr = 2e-3 * (elapsed / warm if elapsed < warm else
                         0.5 * (1 + math.cos(math.pi * (elapsed - warm) / (budget - warm))))
            for group in opt.param_groups:
                group["lr"] = lr
            idx = perm[i:i + batch]
            x = x_tr_t[idx].float() / 255.0
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
    torch.save(net.state_dict(), os.path.join(os.path.dirname(os.path.abspath(args.train)), KIND + ".pt"))

    net.eval()
    pred = []
    with torch.no_grad():
        for i in range(0, len(y_va), 256):
            pred += greedy(torch.softmax(net(x_va_t[i:i + 256].float() / 255.0), -1))
    exact = sum(p == t for p, t in zip(pred, y_va)) / len(y_va)
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

    if KIND == "names":
        title = "name_reader.onnx: Arabic name-line reader (ID card names)"
        script, code = "training/names/train.sh", "crates/pipeline/src/national_id/name_reader.rs"
        data = """the first-name and last-names lines of flat synthetic ID fronts from
  `crates/synth/examples/name_lines.rs` (`hawiya_synth`, `DocKind::IdFront`, seeds 3000 and 3002 for training, 3001 for
  validation; the card faces Amiri, Noto Naskh and Noto Sans Arabic, regular and bold, and AlArabiya)"""
        vocabulary = """The names come
  from the synthetic generator's lists, the same lists the synthetic evaluation cards draw from: the
  model has seen the vocabulary it is measured on (not the images)."""
        card_numbers = "benches/results/national_id.md"
    else:
        title = "plate_number_reader.onnx: the vehicle licence's plate number line"
        script, code = "training/plate_numbers/train.sh", "crates/pipeline/src/licence/plate_number.rs"
        data = """the `license_number` lines (plate letters spaced, then Arabic-Indic
  digits) of flat synthetic vehicle licence fronts from `crates/synth/examples/name_lines.rs`
  (`DocKind::CarLicenseFront`, seeds 3100 and 3102 for training, 3101 for validation), with the end of the
  label beside them where the margin reaches it"""
        vocabulary = """Letters and digits are drawn at
  random, as plates are; no plate number is shared with the evaluation cards by design."""
        card_numbers = "benches/results/licences.md"
    with open(args.report, "w") as f:
        f.write(f"""# {title}

Trained by `{script}` on {datetime.date.today().isoformat()} ({os.uname().nodename}, CPU,
{args.threads} threads, `OMP_WAIT_POLICY=PASSIVE`). Product code: `{code}`.

- Data: {data}, each
  photographed {args.reps} times on the fly by `train.py` (row-box margins tight to loose, small rotation,
  0.2-1x resolution, lighting, glare, blur, noise, JPEG), then prepared as the product prepares its input.
  {len(y_tr)} training samples ({skipped} lines outside the charset skipped); no real data. {vocabulary}
- Model: conv-only CRNN (6 conv + BN + ReLU down to one row of 64 columns, three 1-D convs), CTC, greedy
  decoding; {params} parameters; {size_kb:.0f} KB as ONNX (opset 17). Input `[N, 1, 32, 256]` grey in 0-1
  (2-98 percentile stretch, height 32, {"padded right with 1" if KIND == "names" else "stretched to the width"}), output `[N, 64, {len(CHARSET) + 1}]` softmax over
  blank and `{CHARSET}` (index 1 is the space). Read left to right: the text in visual order.
- Training: AdamW, lr 2e-3 (3% warm-up) with cosine decay over a {args.minutes:g}-minute wall-clock budget, batch 48,
  {step} steps ({epoch} epochs), seeds fixed (0); data preparation {prep_s:.0f} s, training {train_s:.0f} s.
- onnxruntime vs PyTorch on 8 validation samples: max abs difference {max_diff:.1e}.

## Held-out synthetic lines ({len(y_va)}, other seed, never trained on)
- line exact: {exact * 100:.1f}%
- characters: {char_acc * 100:.1f}%

Card-level numbers are in `{card_numbers}`.
""")


if __name__ == "__main__":
    main()
