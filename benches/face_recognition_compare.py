#!/usr/bin/env python3
"""The Python `face_recognition` package (dlib: HOG detector, 5-point landmarks, the
128-d ResNet) on the same labelled pairs as `examples/face_eval.rs`, for issue #7's
side-by-side: accuracy at its 0.6 tolerance and the time of one compare.

Same data and rules as face_eval.rs: `face_pairs.csv` (else `pairs_usable.csv`) under the
data folder, columns `img1,img2,same_person`, paths relative to the folder or its parent;
photos the server cannot decode (anything but JPEG/PNG: the set's one WebP) are left out
with their pairs; the EXIF orientation is applied as the server's decoder does; the
largest face of a photo is the one compared; a photo with no face makes its pairs "not
matched". Accuracy embeds each photo once; the latency is of one compare (both photos
detected, landmarked and embedded; decoding not included) over the first 60 usable pairs,
as face_eval.rs times ours.

Run it in a throwaway venv outside the repository (not a project dependency):

    python3 -m venv /tmp/frvenv
    /tmp/frvenv/bin/pip install dlib-bin face_recognition_models Click numpy Pillow
    /tmp/frvenv/bin/pip install --no-deps face_recognition
    /tmp/frvenv/bin/python benches/face_recognition_compare.py /work/shared/data/deepface_pairs
"""

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

import dlib
import face_recognition


def resolve(root: Path, rel: str) -> Path:
    direct = root / rel
    return direct if direct.exists() else root.parent / rel


def percentile(sorted_values, q):
    return sorted_values[round((len(sorted_values) - 1) * q)]


def load(path: Path):
    """RGB array as the server would decode it, or None for formats it refuses."""
    with Image.open(path) as im:
        if im.format not in ("JPEG", "PNG"):
            return None
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB"))


def largest_encoding(image, upsample):
    boxes = face_recognition.face_locations(image, number_of_times_to_upsample=upsample, model="hog")
    if not boxes:
        return None, 0
    # (top, right, bottom, left): the largest by area, as our pipeline compares.
    box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    return face_recognition.face_encodings(image, [box])[0], len(boxes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default="/work/shared/data/deepface_pairs")
    ap.add_argument("pairs", nargs="?", default=None)
    ap.add_argument("--tolerance", type=float, default=0.6)
    ap.add_argument("--upsample", type=int, default=1, help="face_locations' default is 1")
    ap.add_argument("--timed-pairs", type=int, default=60)
    args = ap.parse_args()
    root = Path(args.root)
    if args.pairs:
        pairs_file = root / args.pairs
    else:
        pairs_file = next(
            (root / f for f in ("face_pairs.csv", "pairs_usable.csv") if (root / f).exists()), None
        )
    if pairs_file is None or not pairs_file.exists():
        print(f"skipped: no pairs file under {root}")
        return 0

    pairs = []
    with open(pairs_file) as f:
        for row in csv.reader(f):
            if len(row) < 3 or row[0] == "img1":
                continue
            same = row[2].strip().lower() in ("true", "1", "yes")
            pairs.append((row[0].strip(), row[1].strip(), same))

    images, encodings, photo_ms = {}, {}, []
    for name in [n for a, b, _ in pairs for n in (a, b)]:
        if name in encodings:
            continue
        image = load(resolve(root, name))
        if image is None:
            print(f"skip {name}: not JPEG or PNG", file=sys.stderr)
            encodings[name] = None
            continue
        t = time.perf_counter()
        enc, n = largest_encoding(image, args.upsample)
        photo_ms.append((time.perf_counter() - t) * 1e3)
        if enc is None:
            print(f"{name}: NO FACE", file=sys.stderr)
        elif n > 1:
            print(f"{name}: {n} faces, largest used", file=sys.stderr)
        images[name] = image
        encodings[name] = enc

    genuine, impostor, correct, skipped, no_face = [], [], 0, 0, 0
    for a, b, same in pairs:
        if a not in images or b not in images:
            skipped += 1
            continue
        ea, eb = encodings[a], encodings[b]
        if ea is None or eb is None:
            no_face += 1
            d = float("inf")
        else:
            d = float(face_recognition.face_distance([ea], eb)[0])
        correct += (d < args.tolerance) == same
        (genuine if same else impostor).append(d)
    n = len(genuine) + len(impostor)
    ga = sum(d < args.tolerance for d in genuine)
    ir = sum(d >= args.tolerance for d in impostor)
    print(f"face_recognition {face_recognition.__version__} (dlib {dlib.__version__}, "
          f"HOG, upsample {args.upsample}, 5-point landmarks, num_jitters 1)")
    print(f"pairs file: {pairs_file}")
    print(f"pairs scored: {n} ({len(genuine)} genuine, {len(impostor)} impostor); "
          f"left out (undecodable photo): {skipped}; with no face: {no_face}")
    print(f"accuracy at tolerance {args.tolerance} (L2): {100 * correct / n:.2f}% ({correct}/{n}); "
          f"genuine accepted {ga}/{len(genuine)}; impostors rejected {ir}/{len(impostor)}")
    fin = lambda v: [d for d in v if d != float("inf")]
    print(f"L2: genuine mean {statistics.mean(fin(genuine)):.3f} max {max(fin(genuine)):.3f}; "
          f"impostor mean {statistics.mean(fin(impostor)):.3f} min {min(impostor):.3f}")
    imp = sorted(impostor)
    print(f"ROC (TAR at FAR; {len(imp)} impostor pairs):")
    for far in (0.1, 0.05, 0.02, 0.01, 0.001, 0.0):
        allowed = int(far * len(imp))
        thr = imp[allowed] if allowed < len(imp) else float("inf")
        tar = sum(d < thr for d in genuine) / max(len(genuine), 1)
        print(f"  FAR <= {far * 100:5.1f}%: TAR {tar * 100:6.2f}% (threshold {thr:.3f})")

    timed = [(a, b) for a, b, _ in pairs if a in images and b in images][: args.timed_pairs]
    lat = []
    for a, b in timed:
        t = time.perf_counter()
        ea, _ = largest_encoding(images[a], args.upsample)
        eb, _ = largest_encoding(images[b], args.upsample)
        if ea is not None and eb is not None:
            face_recognition.face_distance([ea], eb)
        lat.append((time.perf_counter() - t) * 1e3)
    lat.sort()
    photo_ms.sort()
    print(f"compare latency over {len(lat)} pairs (one process, one thread): "
          f"p50 {percentile(lat, 0.5):.1f} ms, p90 {percentile(lat, 0.9):.1f} ms, max {lat[-1]:.1f} ms")
    print(f"one photo (detect + landmarks + encode), {len(photo_ms)} photos: "
          f"p50 {percentile(photo_ms, 0.5):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
