"""Checks the exported ONNX model against PyTorch on dataset scenes.

Usage: python check.py OUT_DIR DATA_DIR [N]
Prints the largest absolute difference of the heatmaps and writes OUT_DIR/check.json.
"""

import json
import os
import sys

import numpy as np
import onnxruntime as ort
import torch

from train import CornerNet, Exported, load


def main():
    out, data = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    net = CornerNet()
    net.load_state_dict(torch.load(os.path.join(out, "card_locator.pt"), map_location="cpu"))
    model = Exported(net).eval()
    sess = ort.InferenceSession(
        os.path.join(out, "card_locator.onnx"), providers=["CPUExecutionProvider"]
    )
    imgs, _ = load([data], 256)
    worst = 0.0
    for i in range(min(n, len(imgs))):
        x = imgs[i : i + 1].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(None, {"image": x})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    result = {"scenes": min(n, len(imgs)), "max_abs_diff": worst, "ok": worst < 1e-3}
    print(json.dumps(result))
    with open(os.path.join(out, "check.json"), "w") as f:
        json.dump(result, f)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
