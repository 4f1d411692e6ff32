#!/usr/bin/env python3
"""The execution engine against the peers: the same workloads, weights and thread count in one run.

Usage: bench/run_bench_engine [--rounds 7] [--threads 2] [--only NAME] [--no-aoti] [--no-large]

Runners: ingot eager, imported and compiled (Python), ingot imported from C++ (the `ingot bench` command on
the same file and inputs), PyTorch eager and torch.export + AOTInductor, ONNX Runtime (from
torch.onnx.export, intra-op threads as given) and MLX (CPU), each skipped with a note when not installed
or when it fails to build. Every runner's output is checked against numpy before it is timed. Rounds
interleave the runners; each figure is the median over rounds of the mean time per call, and the ratio
is to the fastest runner of that workload in the same run.

Workloads: MLP 4x1024^2 GELU at batch 1 and 64; a Llama block (d 512, 8 heads, SwiGLU 1408, RMSNorm,
RoPE) over a 128-token prompt and one decode step against a 128-entry cache; 50 tiny elementwise ops and
one op; SGEMM 1024^3 and 4096^3; and a 1 GiB MLP (export time, spawn to first result, resident memory,
steady latency against the memory-bandwidth floor).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import warnings

import numpy as np

import ingot

RNG = np.random.default_rng(0)
warnings.filterwarnings("ignore", category=DeprecationWarning)


def erf_np(x):
    from math import erf
    return np.vectorize(erf, otypes=[np.float64])(x).astype(np.float32)


def gelu_np(x):
    return x * 0.5 * (1.0 + erf_np(x / np.sqrt(2.0)))


# --- workloads: inputs, numpy reference, weights, and one body written against a module (ingot, MLX, torch) ---

class Workload:
    def __init__(self, name, inputs, ref, weights, body, torch_body=None, tolerance=(2e-3, 2e-4)):
        self.name, self.inputs, self.ref, self.weights, self.body = name, inputs, ref, weights, body
        self.torch_body = torch_body
        self.tolerance = tolerance
        self.skip = set()


def mlp(batch):
    ws = [RNG.normal(0, 0.03, (1024, 1024)).astype(np.float32) for _ in range(4)]
    bs = [RNG.normal(0, 0.03, 1024).astype(np.float32) for _ in range(4)]
    x = RNG.normal(0, 1, (batch, 1024)).astype(np.float32)

    def ref(x):
        for w, b in zip(ws, bs):
            x = gelu_np(x @ w + b)
        return x

    def body(m, p, x):
        for i in range(4):
            h = x @ p[f"w{i}"] + p[f"b{i}"]
            x = h * 0.5 * (1.0 + m.erf(h * 0.7071067811865476))
        return x

    def torch_body(torch, p, x):
        for i in range(4):
            x = torch.nn.functional.gelu(x @ p[f"w{i}"] + p[f"b{i}"])
        return x

    weights = {**{f"w{i}": w for i, w in enumerate(ws)}, **{f"b{i}": b for i, b in enumerate(bs)}}
    return Workload(f"MLP 4x1024^2 GELU batch {batch}", [x], ref, weights, body, torch_body)


def tiny(ops):
    x = RNG.normal(0, 1, 16).astype(np.float32)

    def ref(x):
        for i in range(ops):
            x = x * np.float32(1.0001) if i % 2 else x + np.float32(0.5)
        return x

    def body(m, p, x):
        for i in range(ops):
            x = x * 1.0001 if i % 2 else x + 0.5
        return x

    return Workload(f"{ops} tiny elementwise ops" if ops > 1 else "1-op call", [x], ref, {}, body,
                    lambda torch, p, x: body(torch, p, x))


def sgemm(n):
    a = RNG.normal(0, 1, (n, n)).astype(np.float32)
    b = RNG.normal(0, 1, (n, n)).astype(np.float32)
    w = Workload(f"SGEMM {n}^3", [a, b], lambda a, b: a @ b, {}, lambda m, p, a, b: a @ b,
                 lambda torch, p, a, b: a @ b, tolerance=(1e-3, 1e-3 * np.sqrt(n)))
    w.numpy = True
    if n > 2048:
        w.skip.add("mlx")  # its reference BLAS takes minutes at this size
    return w


# The Llama block: d 512, 8 heads of 64, SwiGLU 1408, RMSNorm (eps 1e-5), RoPE (base 10000, halves rotated).
D, HEADS, HD, FF, CACHE = 512, 8, 64, 1408, 128


def llama_weights():
    s = 1 / np.sqrt(D)
    p = {k: RNG.normal(0, s, (D, D)).astype(np.float32) for k in ("wq", "wk", "wv", "wo")}
    p["w1"] = RNG.normal(0, s, (D, FF)).astype(np.float32)
    p["w3"] = RNG.normal(0, s, (D, FF)).astype(np.float32)
    p["w2"] = RNG.normal(0, 1 / np.sqrt(FF), (FF, D)).astype(np.float32)
    p["g1"] = (1 + RNG.normal(0, 0.1, D)).astype(np.float32)
    p["g2"] = (1 + RNG.normal(0, 0.1, D)).astype(np.float32)
    return p


def rope_np(x, offset):  # (B, H, L, hd): halves rotated (non-traditional)
    L = x.shape[2]
    inv = 10000.0 ** (-np.arange(0, HD // 2, dtype=np.float64) * 2 / HD)
    ang = (np.arange(offset, offset + L)[:, None] * inv[None, :])
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


def llama_ref(p, x, kc=None, vc=None):
    L = x.shape[1]
    off = 0 if kc is None else kc.shape[2]

    def rms(v, g):
        return v / np.sqrt(np.mean(v.astype(np.float64) ** 2, axis=-1, keepdims=True) + 1e-5).astype(np.float32) * g

    def heads(v):
        return v.reshape(1, L, HEADS, HD).transpose(0, 2, 1, 3)

    h = rms(x, p["g1"])
    q, k, v = heads(h @ p["wq"]), heads(h @ p["wk"]), heads(h @ p["wv"])
    q, k = rope_np(q, off), rope_np(k, off)
    if kc is not None:
        k, v = np.concatenate([kc, k], axis=2), np.concatenate([vc, v], axis=2)
    s = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(HD)
    if kc is None:
        s = s + np.triu(np.full((L, L), -np.inf, np.float32), 1)
    s = np.exp(s - s.max(-1, keepdims=True))
    o = (s / s.sum(-1, keepdims=True)) @ v
    x = x + o.transpose(0, 2, 1, 3).reshape(1, L, D) @ p["wo"]
    h = rms(x, p["g2"])
    a = h @ p["w1"]
    return x + ((a / (1 + np.exp(-a))) * (h @ p["w3"])) @ p["w2"]


def llama_body(m, p, x, kc=None, vc=None):  # ingot and MLX: the same code against either module
    L = x.shape[1]
    off = 0 if kc is None else kc.shape[2]

    def heads(v):
        return v.reshape(1, L, HEADS, HD).transpose(0, 2, 1, 3)

    h = m.fast.rms_norm(x, p["g1"], 1e-5)
    q, k, v = heads(h @ p["wq"]), heads(h @ p["wk"]), heads(h @ p["wv"])
    q = m.fast.rope(q, HD, traditional=False, base=10000.0, scale=1.0, offset=off)
    k = m.fast.rope(k, HD, traditional=False, base=10000.0, scale=1.0, offset=off)
    if kc is not None:
        k, v = m.concatenate([kc, k], axis=2), m.concatenate([vc, v], axis=2)
    o = m.fast.scaled_dot_product_attention(q, k, v, scale=HD ** -0.5, mask="causal" if kc is None else None)
    x = x + o.transpose(0, 2, 1, 3).reshape(1, L, D) @ p["wo"]
    h = m.fast.rms_norm(x, p["g2"], 1e-5)
    a = h @ p["w1"]
    return x + ((a * m.sigmoid(a)) * (h @ p["w3"])) @ p["w2"]


def llama_torch(torch, p, x, kc=None, vc=None):
    F = torch.nn.functional
    L = x.shape[1]
    off = 0 if kc is None else kc.shape[2]

    def rms(v, g):
        return v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + 1e-5) * g

    def heads(v):
        return v.reshape(1, L, HEADS, HD).transpose(1, 2)

    def rope(v):
        inv = 10000.0 ** (-torch.arange(0, HD // 2, dtype=torch.float32) * 2 / HD)
        ang = torch.arange(off, off + L, dtype=torch.float32)[:, None] * inv[None, :]
        cos, sin = ang.cos(), ang.sin()
        v1, v2 = v[..., : HD // 2], v[..., HD // 2:]
        return torch.cat([v1 * cos - v2 * sin, v1 * sin + v2 * cos], dim=-1)

    h = rms(x, p["g1"])
    q, k, v = rope(heads(h @ p["wq"])), rope(heads(h @ p["wk"])), heads(h @ p["wv"])
    if kc is not None:
        k, v = torch.cat([kc, k], dim=2), torch.cat([vc, v], dim=2)
    o = F.scaled_dot_product_attention(q, k, v, is_causal=kc is None)
    x = x + o.transpose(1, 2).reshape(1, L, D) @ p["wo"]
    h = rms(x, p["g2"])
    return x + (F.silu(h @ p["w1"]) * (h @ p["w3"])) @ p["w2"]


def llama_prefill():
    p = llama_weights()
    x = RNG.normal(0, 1, (1, 128, D)).astype(np.float32)
    return Workload("Llama block prefill 128", [x], lambda x: llama_ref(p, x), p, llama_body, llama_torch)


def llama_decode():
    p = llama_weights()
    x = RNG.normal(0, 1, (1, 1, D)).astype(np.float32)
    kc = RNG.normal(0, 1, (1, HEADS, CACHE, HD)).astype(np.float32)
    vc = RNG.normal(0, 1, (1, HEADS, CACHE, HD)).astype(np.float32)
    return Workload("Llama block decode (128 cache)", [x, kc, vc], lambda *a: llama_ref(p, *a), p, llama_body,
                    llama_torch)


# --- runners ---------------------------------------------------------------------------------------------

def file_name(tmp, w, ext):
    return os.path.join(tmp, "".join(c if c.isalnum() else "_" for c in w.name) + ext)


def ingot_runners(w, tmp, threads):
    p = {k: ingot.array(v) for k, v in w.weights.items()}
    xs = [ingot.array(a) for a in w.inputs]
    ingot.eval(list(p.values()), xs)

    def f(*a):
        return w.body(ingot, p, *a)

    path = file_name(tmp, w, ".ingot")
    ingot.export_function(path, f, *xs)
    imported = ingot.import_function(path)
    compiled = ingot.compile(f)
    runners = {
        "ingot eager": lambda: np.asarray(f(*xs)),
        "ingot imported": lambda: np.asarray(imported(*xs)[0]),
        "ingot compiled": lambda: np.asarray(compiled(*xs)),
    }
    # The same file and inputs from C++: `ingot bench` reports its own median latency.
    args = []
    for i, a in enumerate(w.inputs):
        np.save(f"{path}.in{i}.npy", a)
        args += ["--arg", f"{path}.in{i}.npy"]
    cli = [sys.executable, "-m", "ingot", "bench", path, *args, "--threads", str(threads), "--json"]

    per_call = []  # sized once, by a short run

    def cpp(seconds):
        if not per_call:
            out = json.loads(subprocess.run(cli + ["--warmup", "1", "--iters", "3"], capture_output=True, text=True,
                                            check=True).stdout)
            per_call.append(out["latency_s"]["median"])
        iters = max(5, int(seconds / max(per_call[0], 1e-7)))
        out = json.loads(subprocess.run(cli + ["--warmup", "3", "--iters", str(iters)], capture_output=True, text=True,
                                        check=True).stdout)
        return out["latency_s"]["median"]

    def check_cpp():
        out_dir = path + ".out"
        subprocess.run([sys.executable, "-m", "ingot", "run", path, *args, "-o", out_dir], capture_output=True, check=True)
        return np.load(os.path.join(out_dir, "output_0.npy"))

    return runners, {"ingot C++ imported": (cpp, check_cpp)}


def torch_runners(w, tmp, threads, aoti):
    notes = []
    try:
        import torch
    except ImportError:
        return {}, ["PyTorch not installed"]
    if w.torch_body is None:
        return {}, notes
    torch.set_num_threads(threads)
    p = {k: torch.from_numpy(v) for k, v in w.weights.items()}

    class M(torch.nn.Module):
        def forward(self, *a):
            return w.torch_body(torch, p, *a)

    m = M().eval()
    xs = tuple(torch.from_numpy(a) for a in w.inputs)
    runners = {}
    with torch.no_grad():
        runners["torch eager"] = lambda: m(*xs).numpy()
    if aoti:
        try:
            ep = torch.export.export(m, xs)
            pkg = torch._inductor.aoti_compile_and_package(ep, package_path=file_name(tmp, w, ".pt2"))
            loaded = torch._inductor.aoti_load_package(pkg)
            runners["torch AOTInductor"] = lambda: loaded(*xs).numpy()
        except Exception as e:
            notes.append(f"AOTInductor skipped on {w.name} ({type(e).__name__}: {str(e).splitlines()[0][:80]})")
    try:
        import onnxruntime as ort
        path = file_name(tmp, w, ".onnx")
        names = [f"x{i}" for i in range(len(xs))]
        torch.onnx.export(m, xs, path, input_names=names, output_names=["y"], dynamo=False)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        feeds = dict(zip(names, w.inputs))
        runners["onnxruntime"] = lambda: sess.run(None, feeds)[0]
    except Exception as e:  # not installed, or the exporter's own dependencies missing
        notes.append(f"ONNX Runtime skipped ({type(e).__name__}: {str(e).splitlines()[0][:80]})")
    return runners, notes


def mlx_runners(w):
    try:
        import mlx.core as mx
    except ImportError:
        return {}, ["MLX not installed"]
    if "mlx" in w.skip:
        return {}, [f"MLX skipped on {w.name} (reference BLAS)"]
    p = {k: mx.array(v) for k, v in w.weights.items()}
    xs = [mx.array(a) for a in w.inputs]
    mx.eval(list(p.values()), xs)
    return {"mlx (reference BLAS)": lambda: np.asarray(w.body(mx, p, *xs))}, []


def time_workload(w, args, tmp):
    runners, external = ingot_runners(w, tmp, args.threads)
    notes = []
    t, n = torch_runners(w, tmp, args.threads, args.aoti)
    runners.update(t)
    notes += n
    m, n = mlx_runners(w)
    runners.update(m)
    notes += n
    if getattr(w, "numpy", False):
        runners["numpy (OpenBLAS)"] = lambda: w.inputs[0] @ w.inputs[1]
    want = w.ref(*w.inputs)
    rtol, atol = w.tolerance
    checks = {**{r: fn for r, fn in runners.items()}, **{r: c for r, (_, c) in external.items()}}
    for r, fn in checks.items():
        got = fn()
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            print(f"  {w.name}: {r} disagrees with numpy (max diff {np.max(np.abs(got - want)):.3g}); not timed")
            runners.pop(r, None)
            external.pop(r, None)
    times = {r: [] for r in [*runners, *external]}
    for _ in range(args.rounds):
        for r, fn in runners.items():
            n, start = 0, time.perf_counter()
            while n < 2 or time.perf_counter() - start < args.seconds:
                fn()
                n += 1
            times[r].append((time.perf_counter() - start) / n)
        for r, (fn, _) in external.items():
            times[r].append(fn(args.seconds))
    med = {r: statistics.median(v) for r, v in times.items()}
    best = min(med.values())
    print(f"{w.name}:", flush=True)
    for r, v in sorted(med.items(), key=lambda kv: kv[1]):
        print(f"  {r:22s} {v * 1e6:12.1f} us  {v / best:5.2f}x the fastest", flush=True)
    return notes


def large_model(args, tmp):
    """A 1 GiB MLP (16 layers of 4096^2 float32, ReLU), batch 1: export time, spawn to first result and
    resident memory of a fresh `ingot bench` process, steady latency against 1 GiB / streaming bandwidth."""
    n, layers = 4096, 16
    ws = [ingot.random.normal((n, n), scale=n ** -0.5, key=ingot.random.key(i)) for i in range(layers)]
    ingot.eval(ws)

    def f(x):
        for w in ws:
            x = ingot.maximum(x @ w, 0.0)
        return x

    path = os.path.join(tmp, "mlp_1gib.ingot")
    x = ingot.random.normal((1, n), key=ingot.random.key(99))
    start = time.perf_counter()
    ingot.export_function(path, f, x)
    export_s = time.perf_counter() - start
    np.save(path + ".x.npy", np.asarray(x))
    # The C++ command line when built here (build/bin/ingot), else the package's (Python starts first).
    native = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "ingot")
    program = [native] if os.access(native, os.X_OK) else [sys.executable, "-m", "ingot"]
    cli = program + ["bench", path, "--arg", path + ".x.npy", "--threads", str(args.threads), "--json"]
    spawn = []
    for _ in range(3):  # warm: the file is in the page cache after the first
        start = time.perf_counter()
        out = json.loads(subprocess.run(cli + ["--warmup", "0", "--iters", "1"], capture_output=True, text=True,
                                        check=True).stdout)
        spawn.append(time.perf_counter() - start)
    steady = json.loads(subprocess.run(cli + ["--warmup", "3", "--iters", "30"], capture_output=True, text=True,
                                       check=True).stdout)
    # Streaming bandwidth: the best of several row sums over a 1 GiB array (read once, on every thread).
    big = ingot.random.normal((layers * n, n))
    ingot.eval(big)
    best = min(_timed(lambda: ingot.eval(ingot.sum(big, axis=1))) for _ in range(5))
    floor = best * sum(w.nbytes for w in ws) / big.nbytes
    print("1 GiB MLP (16 x 4096^2, batch 1):")
    print(f"  export                   {export_s:8.3f} s")
    what = "the C++ command line" if program == [native] else "Python's command line: the interpreter starts first"
    print(f"  spawn to first result    {min(spawn):8.3f} s  (a fresh process of {what}; import and the first call "
          f"alone {out['time_to_first_result_s']:.3f} s)")
    print(f"  peak resident memory     {steady['peak_memory_bytes'] / 2**20:8.1f} MiB  (the weights, 1024 MiB, are "
          f"mapped pages of the file)")
    print(f"  private resident memory  {steady['private_memory_bytes'] / 2**20:8.1f} MiB  "
          f"({steady['private_memory_bytes'] / 2**30:.1%} of the weights)")
    print(f"  steady latency           {steady['latency_s']['median'] * 1e3:8.2f} ms  "
          f"({steady['latency_s']['median'] / floor:.2f}x the floor {floor * 1e3:.2f} ms = 1 GiB at "
          f"{big.nbytes / best / 1e9:.1f} GB/s)")


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=0.2, help="time per runner per round")
    ap.add_argument("--only", help="run the workloads whose name contains this")
    ap.add_argument("--no-aoti", dest="aoti", action="store_false", help="skip torch AOTInductor (compiles C++)")
    ap.add_argument("--no-large", dest="large", action="store_false", help="skip SGEMM 4096^3 and the 1 GiB model")
    args = ap.parse_args()
    ingot.set_num_threads(args.threads)
    tmp = tempfile.mkdtemp()
    workloads = [lambda: mlp(1), lambda: mlp(64), llama_prefill, llama_decode, lambda: tiny(50), lambda: tiny(1),
                 lambda: sgemm(1024)]
    if args.large:
        workloads.append(lambda: sgemm(4096))
    notes = []
    for make in workloads:
        w = make()
        if args.only and args.only not in w.name:
            continue
        notes += time_workload(w, args, tmp)
    if args.large and (not args.only or args.only in "1 GiB MLP"):
        large_model(args, tmp)
    for n in dict.fromkeys(x for x in notes if x):
        print("note:", n)


if __name__ == "__main__":
    main()
