"""Trains the MRZ line reader (conv-only CRNN, CTC over `A-Z0-9<`) and exports ONNX.

Every sample is one machine readable zone line rendered here: OCR-B (Debian
`fonts-ocr-b`, public domain / permissive, see models/trained/mrz_reader.md) mostly, a few
other monospaced faces for variety, on a paper-like background with the zone's other
lines above and below, downscaled to a random character pitch (5-16 px), blurred,
noised, lit and JPEG-compressed at that size, then cut out by a jittered, slightly
rotated quad (loose to tight, as the product's zone locator gives) and prepared exactly
as `crates/pipeline/src/passport/mrz_reader.rs` prepares its input: the quad cut at
1024 x 64, 2 x 2 box-averaged to 512 x 32, grey (BT.601), stretched between the 2nd and
98th percentiles, 0-1.

Lines follow the TD3 (44), TD2 (36) and TD1 (30) layouts with random letters and digits
(no language), plus 15% unstructured strings. Classes: blank, then `<0-9A-Z`. Output
`[N, 128, 38]` softmax. No real data: ../shared/data/passporteye_mrz is for measuring only.
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
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SYMBOLS = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
H, W = 32, 512
FONTS = [
    ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", 0.6),
    ("/usr/share/fonts/opentype/ocr-b/OCRBS.otf", 0.2),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0.08),
    ("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", 0.07),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0.05),
]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"


def conv(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class MrzNet(nn.Module):
    def __init__(self, classes=len(SYMBOLS) + 1):
        super().__init__()
        self.features = nn.Sequential(
            *conv(1, 16), nn.MaxPool2d(2, 2),          # 16 x 256
            *conv(16, 32), nn.MaxPool2d(2, 2),         # 8 x 128
            *conv(32, 64), nn.MaxPool2d((2, 1)),       # 4 x 128
            *conv(64, 96), nn.MaxPool2d((2, 1)),       # 2 x 128
            nn.Conv2d(96, 128, (2, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),  # 1 x 128
        )
        self.head = nn.Sequential(
            nn.Conv1d(128, 128, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv1d(128, classes, 1),
        )

    def forward(self, x):  # N,1,32,512 in 0-1
        f = self.features(x - 0.5).squeeze(2)  # N,128,128
        return self.head(f).permute(0, 2, 1)   # N,128,C logits


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


# ---- text -----------------------------------------------------------------------------

def rs(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def pad(s, n):
    return (s + "<" * n)[:n]


def name_field(rng, n):
    words = [rs(rng, LETTERS, rng.randint(2, 11)) for _ in range(rng.randint(1, 2))]
    given = [rs(rng, LETTERS, rng.randint(2, 10)) for _ in range(rng.randint(0, 3))]
    s = "<".join(words) + "<<" + "<".join(given)
    return pad(s, n)


def number(rng, n):
    s = rs(rng, DIGITS + LETTERS if rng.random() < 0.4 else DIGITS, rng.randint(6, n))
    return pad(s, n)


def date(rng):
    return f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"


def optional(rng, n):
    r = rng.random()
    if r < 0.45:
        return "<" * n
    if r < 0.8:
        return pad(rs(rng, DIGITS, rng.randint(1, n)), n)
    return pad(rs(rng, DIGITS + LETTERS + "<", rng.randint(1, n)), n)


def cd(rng):
    return rng.choice(DIGITS + "<") if rng.random() < 0.05 else rng.choice(DIGITS)


def country(rng):
    return rs(rng, LETTERS, 3) if rng.random() < 0.85 else rs(rng, LETTERS, 1) + "<<"


def doc_code(rng, first):
    return first + rng.choice("<<<<" + LETTERS)


def zone(rng):
    """The lines of one random zone."""
    kind = rng.random()
    sex = rng.choice("MF<")
    if kind < 0.45:  # TD3
        l1 = doc_code(rng, "P") + country(rng) + name_field(rng, 39)
        l2 = (number(rng, 9) + cd(rng) + country(rng) + date(rng) + cd(rng) + sex + date(rng) + cd(rng)
              + optional(rng, 14) + cd(rng) + cd(rng))
        return [l1, l2]
    if kind < 0.85:  # TD1
        l1 = doc_code(rng, rng.choice("IAC")) + country(rng) + number(rng, 9) + cd(rng) + optional(rng, 15)
        l2 = date(rng) + cd(rng) + sex + date(rng) + cd(rng) + country(rng) + optional(rng, 11) + cd(rng)
        l3 = name_field(rng, 30)
        return [l1, l2, l3]
    # TD2
    l1 = doc_code(rng, rng.choice("IACPV")) + country(rng) + name_field(rng, 31)
    l2 = (number(rng, 9) + cd(rng) + country(rng) + date(rng) + cd(rng) + sex + date(rng) + cd(rng)
          + optional(rng, 7) + cd(rng))
    return [l1, l2]


def random_zone(rng):
    lines = zone(rng)
    if rng.random() < 0.15:  # unstructured: any symbol anywhere, runs of fillers
        n = len(lines[0])
        out = []
        for _ in lines:
            s = ""
            while len(s) < n:
                s += rs(rng, SYMBOLS, rng.randint(1, 6)) if rng.random() < 0.7 else "<" * rng.randint(1, 8)
            out.append(s[:n])
        lines = out
    return lines


# ---- rendering ------------------------------------------------------------------------

_FONTS = {}


def font(path, size):
    key = (path, size)
    if key not in _FONTS:
        _FONTS[key] = ImageFont.truetype(path, size)
    return _FONTS[key]


def pick_font(rng):
    r = rng.random()
    acc = 0.0
    for path, p in FONTS:
        acc += p
        if r < acc:
            return path
    return FONTS[0][0]


def perspective_coeffs(src, dst):
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return np.linalg.solve(np.array(a, np.float64), np.array(b, np.float64)).tolist()


def prepare(grey):
    lo, hi = np.percentile(grey, 2), np.percentile(grey, 98)
    if hi - lo < 8:
        hi = lo + 8
    return np.clip((grey - lo) / (hi - lo), 0, 1).astype(np.float32)


def sample(rng):
    """One prepared 32 x 512 sample and its label."""
    lines = random_zone(rng)
    t = rng.randrange(len(lines))
    size = 32
    path = pick_font(rng)
    f = font(path, size)
    pitch = f.getlength("M")
    asc, desc = f.getmetrics()
    cap = f.getbbox("E")[3] - f.getbbox("E")[1]
    step = cap * rng.uniform(1.45, 2.1)
    n = len(lines[0])
    margin = int(3 * pitch)
    pw = int(n * pitch + 2 * margin)
    ph = int(step * (len(lines) + 2) + 2 * cap)
    paper = np.array([rng.uniform(150, 255)] * 3) * np.array([rng.uniform(0.85, 1.05) for _ in range(3)])
    img = Image.new("RGB", (pw, ph), tuple(int(min(255, c)) for c in paper))
    d = ImageDraw.Draw(img)
    # Background print: faint guilloche-like curves.
    for _ in range(rng.randint(0, 6)):
        col = tuple(int(c * rng.uniform(0.75, 0.95)) for c in paper)
        amp, per, ph0 = rng.uniform(2, 30), rng.uniform(30, 300), rng.uniform(0, 6.28)
        y0 = rng.uniform(0, ph)
        pts = [(x, y0 + amp * math.sin(ph0 + x / per * 6.28)) for x in range(0, pw, 6)]
        d.line(pts, fill=col, width=rng.randint(1, 3))
    ink_v = rng.uniform(0, 90)
    ink = tuple(int(min(255, ink_v * rng.uniform(0.7, 1.4))) for _ in range(3))
    top = step + cap
    for i, line in enumerate(lines):
        if i != t and rng.random() < 0.1:
            continue  # a neighbour line not in view
        y = top + i * step
        x = margin + rng.gauss(0, 0.15) * pitch
        d.text((x, y), line, font=f, fill=ink, anchor="ls")
    if rng.random() < 0.3:  # text of the visual zone above
        y = top - step * rng.uniform(1.0, 1.6)
        d.text((margin + rng.uniform(0, 10) * pitch, y), rs(rng, LETTERS + " ", rng.randint(5, 30)),
               font=font(FONTS[3][0], int(size * rng.uniform(0.6, 1.2))), fill=ink, anchor="ls")
    r = rng.random()
    if r < 0.2:
        img = img.filter(ImageFilter.MinFilter(3))  # bolder ink
    elif r < 0.3:
        img = img.filter(ImageFilter.MaxFilter(3))  # thinner ink
    # The target line's box at the rendering size.
    base = top + t * step
    x0 = margin
    x1 = margin + n * pitch
    yc = base - cap / 2
    # Down to the photo's resolution: character pitch 5-16 px.
    src_pitch = rng.uniform(5, 16)
    k = src_pitch / pitch
    sw, sh = max(8, int(pw * k)), max(8, int(ph * k))
    img = img.resize((sw, sh), Image.BOX)
    arr = np.asarray(img).astype(np.float32)
    yy, xx = np.mgrid[0:sh, 0:sw]
    arr = (arr - 128) * rng.uniform(0.45, 1.2) + 128 + rng.uniform(-50, 40)
    arr = arr * (1 + rng.uniform(-0.3, 0.3) * (xx / sw - 0.5) + rng.uniform(-0.3, 0.3) * (yy / sh - 0.5))[..., None]
    if rng.random() < 0.2:
        sx, sy, sr = rng.uniform(0, sw), rng.uniform(0, sh), rng.uniform(0.05, 0.4) * sw
        spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * sr * sr))
        arr = arr + (rng.uniform(-100, 150) * spot)[..., None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.6:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, min(1.3, 0.12 * src_pitch))))
    arr = np.asarray(img).astype(np.float32)
    arr = arr + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, rng.uniform(0, 10), arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.6:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(30, 92))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    # The crop quad, as a locator gives it: margins from a third of a character inside
    # to two outside, a height of 1.1-2.4 cap heights, off-centre, rotated, skewed.
    cl = rng.uniform(-0.35, 2.0) * pitch
    cr = rng.uniform(-0.35, 2.0) * pitch
    hh = cap * rng.uniform(1.1, 2.4) / 2
    yc += rng.gauss(0, 0.1) * cap
    quad = [(x0 - cl, yc - hh), (x1 + cr, yc - hh), (x1 + cr, yc + hh), (x0 - cl, yc + hh)]
    j = lambda: rng.gauss(0, 0.08) * cap
    quad = [(x + j(), y + j()) for x, y in quad]
    ang = math.radians(rng.gauss(0, 0.35))
    cx = sum(p[0] for p in quad) / 4
    cy = sum(p[1] for p in quad) / 4
    ca, sa = math.cos(ang), math.sin(ang)
    quad = [((cx + (x - cx) * ca - (y - cy) * sa) * k, (cy + (x - cx) * sa + (y - cy) * ca) * k) for x, y in quad]
    coeffs = perspective_coeffs(quad, [(0, 0), (2 * W, 0), (2 * W, 2 * H), (0, 2 * H)])
    crop = img.transform((2 * W, 2 * H), Image.PERSPECTIVE, coeffs, resample=Image.BILINEAR)
    g = np.asarray(crop).astype(np.float32)
    g = (299 * g[..., 0] + 587 * g[..., 1] + 114 * g[..., 2]) / 1000
    g = g.reshape(H, 2, W, 2).mean(axis=(1, 3))
    return prepare(g), [SYMBOLS.index(c) + 1 for c in lines[t]]


def render_chunk(job):
    seed, count = job
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(count):
        x, y = sample(rng)
        xs.append((x * 255).astype(np.uint8))
        ys.append(y)
    return np.stack(xs), ys


def build(n, procs, seed):
    chunks = [(seed * 100003 + i, min(250, n - i)) for i in range(0, n, 250)]
    with Pool(procs) as pool:
        parts = pool.map(render_chunk, chunks)
    return np.concatenate([p[0] for p in parts]), [t for p in parts for t in p[1]]


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
    ap.add_argument("--samples", type=int, default=30000)
    ap.add_argument("--val", type=int, default=1000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--minutes", type=float, default=22.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--preview", default="")
    ap.add_argument("--init", default="", help="PyTorch weights to start from (a second stage)")
    ap.add_argument("--seed", type=int, default=3000, help="data seed; validation uses 3001")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--stage", default="", help="report text of earlier stages")
    args = ap.parse_args()

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    t0 = time.time()
    x_tr, y_tr = build(args.samples, args.threads, args.seed)
    x_va, y_va = build(args.val, args.threads, 3001)
    prep_s = time.time() - t0
    print(f"{len(y_tr)} training, {len(y_va)} validation samples in {prep_s:.0f}s", flush=True)
    if args.preview:
        Image.fromarray(np.concatenate(list(x_va[:12]), 0)).save(args.preview)
    torch.set_num_threads(args.threads)
    x_tr_t = torch.from_numpy(x_tr).unsqueeze(1)
    x_va_t = torch.from_numpy(x_va).unsqueeze(1)

    net = MrzNet()
    if args.init:
        net.load_state_dict(torch.load(args.init))
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
            lr = args.lr * (elapsed / warm if elapsed < warm else
                         0.5 * (1 + math.cos(math.pi * (elapsed - warm) / (budget - warm))))
            for group in opt.param_groups:
                group["lr"] = lr
            idx = perm[i:i + batch]
            x = x_tr_t[idx].float() / 255.0
            c = torch.empty(len(idx), 1, 1, 1).uniform_(0.75, 1.0)
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
            if step % 50 == 0:
                print(f"step {step} epoch {epoch} loss {np.mean(losses[-50:]):.4f} lr {lr:.5f} "
                      f"{time.time() - start:.0f}s", flush=True)
    train_s = time.time() - start
    # The weights go to the repository's target/ whatever --out is (a later stage's --init).
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    os.makedirs(os.path.join(repo, "target"), exist_ok=True)
    torch.save(net.state_dict(), os.path.join(repo, "target", f"mrz_reader_{args.seed}.pt"))

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

    with open(args.report, "w") as f:
        f.write(f"""# mrz_reader.onnx: machine readable zone line reader

Trained by `training/mrz/train.sh` on {datetime.date.today().isoformat()} ({os.uname().nodename}, CPU,
{args.threads} threads, `OMP_WAIT_POLICY=PASSIVE`). Product code: `crates/pipeline/src/passport/mrz_reader.rs`.

- Data: {len(y_tr)} MRZ lines rendered by `train.py` itself (seed {args.seed}; validation seed 3001): TD3/TD1/TD2
  layouts with random letters and digits (15% unstructured), the zone's other lines above and below,
  paper tints and faint guilloche curves, bolder/thinner ink, downscaled to a character pitch of
  5-16 px, blur, noise, lighting, glare, JPEG 30-92, then cut by a jittered quad (margins from a third
  of a character inside to two outside, 1.1-2.4 cap heights tall, rotated) and prepared as the product
  prepares its input. No real data.
- Fonts: OCR-B (`OCRB.otf` 60%, `OCRBS.otf` 20%; Debian `fonts-ocr-b`, Matthew Skala's OCR-B
  from Norbert Schwarz's METAFONT sources: public domain / "you may freely use, modify and/or distribute"),
  DejaVu Sans Mono (regular, bold) and Liberation Mono (fonts-dejavu, fonts-liberation) 20%.
- Model: conv-only CRNN (5 conv + BN + ReLU down to one row of 128 columns, two 1-D convs), CTC, greedy
  decoding; {params} parameters; {size_kb:.0f} KB as ONNX (opset 17). Input `[N, 1, 32, 512]` grey in 0-1
  (2-98 percentile stretch), output `[N, 128, 38]` softmax over blank, `<`, `0-9`, `A-Z`.
- Training: AdamW, peak lr {args.lr:g} (3% warm-up) with cosine decay over a {args.minutes:g}-minute wall-clock budget,
  batch 48, {step} steps ({epoch} epochs), seeds fixed (0); data preparation {prep_s:.0f} s, training
  {train_s:.0f} s.
{args.stage}- onnxruntime vs PyTorch on 8 validation samples: max abs difference {max_diff:.1e}.

## Held-out synthetic lines ({len(y_va)}, other seed, never trained on)
- whole line exact: {exact * 100:.1f}%
- characters: {char_acc * 100:.2f}%

End-to-end numbers (synthetic documents, PassportEye's images: measured only) are in
`benches/results/passport.md`.
""")


if __name__ == "__main__":
    main()
