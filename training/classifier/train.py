"""Trains the document classifier (a small CNN on a 96 x 96 thumbnail) and exports ONNX.

Documents come from `hawiya synth` (one folder per kind, JPEG + truth JSON). The
`unknown` class is made here, never from ../shared: crops of the synthetic photos'
backgrounds (everything but the card), the drawn face photos cut out of the ID fronts and
enlarged like a selfie, procedural images (noise, gradients, blank paper, shapes) and the
sample photographs shipped in the scikit-image wheel (`--photos`).

The product resizes the whole image to 96 x 96 with a triangle (antialiased bilinear)
filter, as PIL's BILINEAR does here, and feeds RGB in 0-1. Output: `doc_classifier.onnx`
taking `[N, 3, 96, 96]` and giving `[N, 8]` class probabilities in CLASSES order, and a
Markdown report. Seeds are fixed; training is bounded by wall time.
"""

import argparse
import datetime
import glob
import io
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter, ImageOps

CLASSES = [
    "unknown",
    "id_front",
    "id_back",
    "passport",
    "driving_license",
    "car_license_front",
    "car_license_back",
    "license_plate",
]
# Synth kinds to classes: a TD1 card is read by the passport route.
KIND_CLASS = {
    "id_front": 1,
    "id_back": 2,
    "passport": 3,
    "td1": 3,
    "driving_license": 4,
    "car_license_front": 5,
    "car_license_back": 6,
    "plate": 7,
    "plate_scene": 7,
}
SIZE = 96


def conv(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class DocNet(nn.Module):
    """Six 3x3 conv layers, five of them strided (96 -> 3), global average, one linear."""

    def __init__(self, classes=len(CLASSES)):
        super().__init__()
        self.features = nn.Sequential(
            *conv(3, 16, 2),    # 48
            *conv(16, 32, 2),   # 24
            *conv(32, 48, 1),
            *conv(48, 64, 2),   # 12
            *conv(64, 96, 2),   # 6
            *conv(96, 128, 2),  # 3
        )
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):  # x: N,3,96,96 in 0-1
        f = self.features(x - 0.5).mean(dim=(2, 3))
        return self.fc(self.drop(f))


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


def quad_box(quad):
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


# Images are kept at this longer side: augmentation then costs little, and the 96 px
# input is far below it either way.
KEEP_SIDE = 288


def shrink(img):
    img = img.copy()
    img.thumbnail((KEEP_SIDE, KEEP_SIDE), Image.BILINEAR)
    return img


def load_documents(root, rng):
    """(image, class, truth) for every synthetic document under root/<kind>/, and the
    unknowns cut from them at full resolution (background strips, face photos)."""
    docs, negatives = [], []
    for path in sorted(glob.glob(os.path.join(root, "*", "*.jpg"))):
        truth_path = path[:-4] + ".json"
        with open(truth_path) as f:
            truth = json.load(f)
        cls = KIND_CLASS[truth["kind"]]
        img = Image.open(path).convert("RGB")
        img.load()
        negatives += [shrink(n) for n in background_crops([(img, cls, truth)], rng) + face_crops([(img, cls, truth)])]
        docs.append((shrink(img), cls, truth))
    return docs, negatives


def background_crops(docs, rng, per_doc=1):
    """Pieces of the photos that miss the card: what a camera sees around a document."""
    out = []
    for img, _, truth in docs:
        corners = truth.get("corners")
        if not corners:
            continue
        x0, y0, x1, y1 = quad_box(corners)
        w, h = img.size
        # The widest strip beside the card's bounding box.
        strips = [(0, 0, x0, h), (x1, 0, w, h), (0, 0, w, y0), (0, y1, w, h)]
        strips = [s for s in strips if s[2] - s[0] > w * 0.18 and s[3] - s[1] > h * 0.18]
        for s in rng.sample(strips, min(per_doc, len(strips))):
            out.append(img.crop(tuple(int(v) for v in s)))
    return out


def face_crops(docs):
    """The drawn holder photo of each ID front, cut out: a face that is not a document."""
    out = []
    for img, cls, truth in docs:
        face = truth.get("face")
        if cls != 1 or not face:
            continue
        x0, y0, x1, y1 = quad_box(face)
        pad_w, pad_h = (x1 - x0) * 0.15, (y1 - y0) * 0.1
        out.append(img.crop((int(x0 + pad_w), int(y0 + pad_h), int(x1 - pad_w), int(y1 - pad_h))))
    return out


def procedural(rng):
    """One non-document image: noise, a gradient, blank paper, shapes or a flat colour."""
    w, h = rng.choice([(320, 240), (240, 320), (400, 300), (256, 256), (384, 288)])
    kind = rng.randrange(6)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    if kind == 0:
        a = nrng.integers(0, 256, (h // rng.choice([1, 4, 16]), w // rng.choice([1, 4, 16]), 3), dtype=np.uint8)
        return Image.fromarray(a).resize((w, h))
    if kind == 1:
        c0, c1 = nrng.integers(0, 256, 3), nrng.integers(0, 256, 3)
        t = np.linspace(0, 1, w)[None, :, None] if rng.random() < 0.5 else np.linspace(0, 1, h)[:, None, None]
        a = (c0 * (1 - t) + c1 * t) * np.ones((h, w, 1))
        return Image.fromarray(a.astype(np.uint8))
    if kind == 2:
        # Blank paper or a blank card on a table, with a soft shadow.
        bg = tuple(int(v) for v in nrng.integers(40, 200, 3))
        img = Image.new("RGB", (w, h), bg)
        d = ImageDraw.Draw(img)
        pw, ph = int(w * rng.uniform(0.4, 0.9)), int(h * rng.uniform(0.4, 0.9))
        x, y = rng.randrange(0, w - pw + 1), rng.randrange(0, h - ph + 1)
        tone = rng.randrange(215, 256)
        d.rectangle((x, y, x + pw, y + ph), fill=(tone, tone, tone - rng.randrange(0, 15)))
        img = img.rotate(rng.uniform(-25, 25), resample=Image.BILINEAR, fillcolor=bg)
        noise = nrng.normal(0, rng.uniform(1, 8), (h, w, 3))
        return Image.fromarray(np.clip(np.asarray(img) + noise, 0, 255).astype(np.uint8))
    if kind == 3:
        img = Image.new("RGB", (w, h), tuple(int(v) for v in nrng.integers(0, 256, 3)))
        d = ImageDraw.Draw(img)
        for _ in range(rng.randrange(3, 30)):
            x0, y0 = rng.randrange(w), rng.randrange(h)
            x1, y1 = x0 + rng.randrange(10, w // 2), y0 + rng.randrange(10, h // 2)
            fill = tuple(int(v) for v in nrng.integers(0, 256, 3))
            if rng.random() < 0.5:
                d.ellipse((x0, y0, x1, y1), fill=fill)
            else:
                d.rectangle((x0, y0, x1, y1), fill=fill)
        return img
    if kind == 4:
        v = tuple(int(x) for x in nrng.integers(0, 256, 3))
        return Image.new("RGB", (w, h), v)
    # Lines of "text" on paper: a page, not a card.
    img = Image.new("RGB", (w, h), (245, 245, 240))
    d = ImageDraw.Draw(img)
    y = rng.randrange(10, 40)
    while y < h - 10:
        x = rng.randrange(10, 60)
        while x < w - 40:
            ww = rng.randrange(10, 60)
            d.rectangle((x, y, x + ww, y + rng.randrange(5, 12)), fill=(30, 30, 30))
            x += ww + rng.randrange(5, 15)
        y += rng.randrange(18, 40)
    return img


def photo_variants(photos, rng):
    """A random crop of a sample photograph, possibly rotated."""
    img = rng.choice(photos)
    w, h = img.size
    s = rng.uniform(0.4, 1.0)
    cw, ch = int(w * s), int(h * s)
    x, y = rng.randrange(0, w - cw + 1), rng.randrange(0, h - ch + 1)
    out = img.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.3:
        out = out.rotate(90 * rng.randrange(1, 4), expand=True)
    return out


def augment(img, rng):
    """Camera-like changes that keep the class: crop, quarter turns, colour, blur, grey."""
    w, h = img.size
    s = rng.uniform(0.85, 1.0)
    cw, ch = int(w * s), int(h * s)
    x, y = rng.randrange(0, w - cw + 1), rng.randrange(0, h - ch + 1)
    img = img.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.15:
        img = img.rotate(90 * rng.randrange(1, 4), expand=True)
    if rng.random() < 0.2:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    if rng.random() < 0.1:
        img = ImageOps.grayscale(img).convert("RGB")
    img = img.resize((SIZE, SIZE), Image.BILINEAR)
    a = np.asarray(img, dtype=np.float32) / 255.0
    gain = rng.uniform(0.7, 1.25)
    bias = rng.uniform(-0.1, 0.1)
    tint = np.array([rng.uniform(0.9, 1.1) for _ in range(3)], dtype=np.float32)
    a = np.clip(a * gain * tint + bias, 0, 1)
    return a.transpose(2, 0, 1)


def plain(img):
    a = np.asarray(img.resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float32) / 255.0
    return a.transpose(2, 0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", required=True, help="folder of hawiya synth output, one subfolder per kind")
    ap.add_argument("--photos", default=None, help="folder of sample photographs (non-documents)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--minutes", type=float, default=8)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    torch.set_num_threads(args.threads)

    docs, negatives = load_documents(args.docs, rng)
    rng.shuffle(docs)
    # A validation split of synthetic documents (the held-out seeds of `hawiya eval` are the
    # real measure; this one only watches training).
    n_val = max(len(docs) // 10, 1)
    val_docs, train_docs = docs[:n_val], docs[n_val:]
    photos = []
    if args.photos:
        for p in sorted(glob.glob(os.path.join(args.photos, "*"))):
            try:
                im = Image.open(p).convert("RGB")
                im.load()
                if min(im.size) >= 64:
                    im.thumbnail((2 * KEEP_SIDE, 2 * KEEP_SIDE), Image.BILINEAR)
                    photos.append(im)
            except Exception:
                pass
    print(f"{len(train_docs)} training documents, {len(negatives)} background/face crops, {len(photos)} photos")

    def sample_unknown():
        r = rng.random()
        if r < 0.4 and negatives:
            return rng.choice(negatives)
        if r < 0.65 and photos:
            return photo_variants(photos, rng)
        return procedural(rng)

    val_x = [plain(img) for img, _, _ in val_docs]
    val_y = [cls for _, cls, _ in val_docs]
    val_neg = [plain(procedural(random.Random(10_000 + i))) for i in range(60)]
    val_x += val_neg
    val_y += [0] * len(val_neg)
    val_x = torch.tensor(np.stack(val_x))
    val_y = torch.tensor(val_y)

    net = DocNet()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    budget = args.minutes * 60
    start = time.time()
    batch, step, epoch = 48, 0, 0
    # An unknown for every four documents in a batch.
    n_unknown = batch // 5
    history = []
    while time.time() - start < budget:
        epoch += 1
        order = list(range(len(train_docs)))
        rng.shuffle(order)
        net.train()
        losses = []
        for i in range(0, len(order) - (batch - n_unknown) + 1, batch - n_unknown):
            frac = min((time.time() - start) / budget, 1.0)
            for g in opt.param_groups:
                g["lr"] = 2e-3 * 0.5 * (1 + np.cos(np.pi * frac))
            xs, ys = [], []
            for j in order[i:i + batch - n_unknown]:
                img, cls, _ = train_docs[j]
                xs.append(augment(img, rng))
                ys.append(cls)
            for _ in range(n_unknown):
                xs.append(augment(sample_unknown(), rng))
                ys.append(0)
            x = torch.tensor(np.stack(xs))
            y = torch.tensor(ys)
            loss = F.cross_entropy(net(x), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
            if time.time() - start > budget:
                break
        net.eval()
        with torch.no_grad():
            pred = net(val_x).argmax(1)
        acc = (pred == val_y).float().mean().item()
        history.append((epoch, float(np.mean(losses)), acc))
        print(f"epoch {epoch} step {step} loss {np.mean(losses):.4f} val acc {acc:.4f} ({time.time() - start:.0f} s)", flush=True)

    net.eval()
    exported = Exported(net)
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(exported, dummy, args.out, input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "n"}, "probs": {0: "n"}}, opset_version=17,
                      dynamo=False)
    with torch.no_grad():
        pred = net(val_x).argmax(1)
    confusion = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    for t, p in zip(val_y.tolist(), pred.tolist()):
        confusion[t][p] += 1
    with open(args.report, "w") as f:
        f.write("# doc_classifier.onnx\n\n")
        f.write(f"Trained {datetime.date.today()} by `training/classifier/train.sh`: {len(train_docs)} synthetic "
                f"documents, unknowns from {len(negatives)} background/face crops, {len(photos)} sample photos and "
                f"procedural images; {epoch} epochs, {step} steps, {args.minutes} minutes on {args.threads} threads.\n\n")
        f.write("Input `[N, 3, 96, 96]` RGB in 0-1 (whole image resized with a triangle filter); output "
                "`[N, 8]` probabilities in the order: " + ", ".join(f"`{c}`" for c in CLASSES) + ".\n\n")
        f.write(f"Held-out split of the training seeds ({len(val_y)} images incl. 60 procedural unknowns): "
                f"accuracy {history[-1][2]:.4f}. The product's measure is `cargo run --release -p hawiya-pipeline --example quality_eval` on another seed "
                "(benches/results/classification.md).\n\n")
        f.write("Confusion (rows truth, columns predicted):\n\n| | " + " | ".join(CLASSES) + " |\n|" + "---|" * (len(CLASSES) + 1) + "\n")
        for i, row in enumerate(confusion):
            f.write(f"| {CLASSES[i]} | " + " | ".join(str(v) for v in row) + " |\n")
    print(f"wrote {args.out} and {args.report}")


if __name__ == "__main__":
    main()
