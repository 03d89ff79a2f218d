#!/usr/bin/env python3
"""Times the PP-OCR det and rec models with Python onnxruntime, with the session settings
and inputs of the Rust benchmark (benches/models.rs), so the two can be read side by side.

    python -m venv /tmp/ortvenv && /tmp/ortvenv/bin/pip install onnxruntime==1.31.1 numpy
    cargo bench -p hawiya-pipeline --bench models     # writes the input tensors
    /tmp/ortvenv/bin/python crates/pipeline/benches/python_ort_compare.py

Inputs are read from the raw f32 files the Rust bench leaves in the temp directory
(hawiya-bench-det-1x3x640x640.f32, hawiya-bench-rec-1x3x48xW.f32); without them, random
tensors of the same shape are used (convolution cost does not depend on the values).
Session options match runtime.rs: 1 inter-op thread, intra-op spinning off, all graph
optimisations.

    /tmp/ortvenv/bin/python crates/pipeline/benches/python_ort_compare.py --all --threads 1

--all also times the other models of benches/onnx_models.rs (face, anti-spoof, liveness,
trained models) at batch 1 on the same fixed input: element i is (i % 251) / 250.
"""

import argparse
import glob
import os
import statistics
import tempfile
import time

import numpy as np
import onnxruntime as ort


def load_input(name, default_shape):
    pattern = os.path.join(tempfile.gettempdir(), f"hawiya-bench-{name}-*.f32")
    files = sorted(glob.glob(pattern))
    if files:
        path = files[-1]
        shape = [int(d) for d in path.rsplit("-", 1)[1][: -len(".f32")].split("x")]
        return np.fromfile(path, dtype="<f4").reshape(shape), path
    rng = np.random.default_rng(0)
    return rng.standard_normal(default_shape, dtype=np.float32), "random"


# File name and batch-1 input shape: keep in step with MODELS in benches/onnx_models.rs.
OTHER_MODELS = [
    ("blazeface_back.onnx", (1, 256, 256, 3)),
    ("face_embed.onnx", (1, 3, 150, 150)),
    ("antispoof.onnx", (1, 128, 128, 3)),
    ("liveness.onnx", (1, 32, 32, 3)),
    ("card_locator.onnx", (1, 3, 256, 256)),
    ("doc_classifier.onnx", (1, 3, 96, 96)),
    ("id_digits.onnx", (1, 1, 32, 256)),
    ("plate_reader.onnx", (1, 1, 48, 128)),
    ("mrz_reader.onnx", (1, 1, 32, 512)),
]


def pattern(shape):
    """The Rust bench's input: flat element i is (i % 251) / 250, computed in f32."""
    n = int(np.prod(shape))
    return ((np.arange(n) % 251).astype(np.float32) / np.float32(250.0)).reshape(shape)


def session(path, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def time_runs(sess, x, runs, warmup=3):
    name = sess.get_inputs()[0].name
    for _ in range(warmup):
        sess.run(None, {name: x})
    times = []
    cpu_start = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        sess.run(None, {name: x})
        times.append((time.perf_counter() - start) * 1000)
    # CPU time per call (all threads): on a busy machine wall time includes waiting for a
    # core, CPU time does not, so at 1 thread it estimates the wall time on an idle one.
    cpu_ms = (time.process_time() - cpu_start) * 1000 / runs
    return times, cpu_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        default=os.environ.get("HAWIYA_MODELS", os.path.expanduser("~/.cache/hawiya/models")),
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--all", action="store_true",
                        help="also time the models of benches/onnx_models.rs")
    parser.add_argument("--only-others", action="store_true",
                        help="skip det and rec, time only the models of onnx_models.rs")
    args = parser.parse_args()
    if args.only_others:
        run_others(args)
        return

    det_x, det_src = load_input("det", (1, 3, 640, 640))
    rec_x, rec_src = load_input("rec", (1, 3, 48, 320))
    print(f"onnxruntime {ort.__version__}; det input {det_x.shape} ({det_src}); "
          f"rec input {rec_x.shape} ({rec_src})")
    for model, x in (("text_det.onnx", det_x), ("text_rec_latin.onnx", rec_x)):
        for threads in args.threads:
            sess = session(os.path.join(args.models, model), threads)
            t, cpu_ms = time_runs(sess, x, args.runs)
            print(f"{model:22s} {str(list(x.shape)):18s} threads={threads}  "
                  f"mean {statistics.mean(t):7.2f} ms  median {statistics.median(t):7.2f} ms  "
                  f"min {min(t):7.2f} ms  cpu {cpu_ms:7.2f} ms/call  (n={len(t)})")

    if args.all:
        run_others(args)


def run_others(args):
    for model, shape in OTHER_MODELS:
        path = os.path.join(args.models, model)
        if not os.path.isfile(path):
            print(f"{model:22s} missing, skipped")
            continue
        x = pattern(shape)
        for threads in args.threads:
            sess = session(path, threads)
            out = sess.run(None, {sess.get_inputs()[0].name: x})[0]
            t, cpu_ms = time_runs(sess, x, args.runs)
            print(f"{model:22s} {str(list(shape)):18s} threads={threads}  "
                  f"mean {statistics.mean(t):8.3f} ms  median {statistics.median(t):8.3f} ms  "
                  f"min {min(t):8.3f} ms  cpu {cpu_ms:8.3f} ms/call  (n={len(t)}, "
                  f"out {list(out.shape)} sum {float(out.sum()):.4f})")


if __name__ == "__main__":
    main()
