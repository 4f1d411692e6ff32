#!/usr/bin/env python3
"""Imported functions against the peers: the same workloads, weights and thread count in one run.

Usage: bench/run_bench_engine [--rounds 7] [--threads 2]
Runners: ingot eager (Python), ingot imported (Python), PyTorch eager, ONNX Runtime (from torch.onnx.export)
and MLX (CPU), each skipped with a note when not installed. Every runner's output is checked against
numpy before it is timed. Rounds interleave the runners; each figure is the median over rounds of the
mean time per call, and the ratio is to the fastest runner of that workload in the same run.
"""
import argparse
import os
import statistics
import tempfile
import time

import numpy as np

import ingot

RNG = np.random.default_rng(0)


def gelu_np(x):
    from math import erf, sqrt
    return x * 0.5 * (1.0 + np.vectorize(lambda v: erf(v / sqrt(2.0)), otypes=[np.float64])(x).astype(np.float32))


def mlp_workload(batch):
    ws = [RNG.normal(0, 0.03, (1024, 1024)).astype(np.float32) for _ in range(4)]
    bs = [RNG.normal(0, 0.03, 1024).astype(np.float32) for _ in range(4)]
    x = RNG.normal(0, 1, (batch, 1024)).astype(np.float32)

    def ref(x):
        for w, b in zip(ws, bs):
            x = gelu_np(x @ w + b)
        return x

    def ingot_fn(w, b):
        def f(x):
            for wi, bi in zip(w, b):
                h = x @ wi + bi
                x = h * 0.5 * (1.0 + ingot.erf(h * np.float32(0.7071067811865476)))
            return x
        return f

    return f"MLP 4x1024^2 GELU batch {batch}", x, ref, ws, bs, ingot_fn


def tiny_workload(ops):
    x = RNG.normal(0, 1, 16).astype(np.float32)

    def ref(x):
        for i in range(ops):
            x = x * np.float32(1.0001) if i % 2 else x + np.float32(0.5)
        return x

    def ingot_fn(w, b):
        def f(x):
            for i in range(ops):
                x = x * 1.0001 if i % 2 else x + 0.5
            return x
        return f

    return f"{ops} tiny elementwise ops", x, ref, [], [], ingot_fn


def ingot_runners(name, x, ws, bs, make, tmp):
    w = [ingot.array(a) for a in ws]
    b = [ingot.array(a) for a in bs]
    xi = ingot.array(x)
    ingot.eval(w, b, xi)
    f = make(w, b)
    path = os.path.join(tmp, name.replace(" ", "_").replace("^", "") + ".ingot")
    ingot.export_function(path, f, xi)
    imported = ingot.import_function(path)
    return {
        "ingot eager": lambda: np.asarray(f(xi)),
        "ingot imported": lambda: np.asarray(imported(xi)[0]),
    }


def torch_runners(name, x, ws, bs, ops_kind, tmp, threads):
    try:
        import torch
    except ImportError:
        return {}, "PyTorch not installed"
    torch.set_num_threads(threads)
    w = [torch.from_numpy(a) for a in ws]
    b = [torch.from_numpy(a) for a in bs]

    class M(torch.nn.Module):
        def forward(self, x):
            if ops_kind is None:
                for wi, bi in zip(w, b):
                    x = torch.nn.functional.gelu(x @ wi + bi)
                return x
            for i in range(ops_kind):
                x = x * 1.0001 if i % 2 else x + 0.5
            return x

    m = M().eval()
    xt = torch.from_numpy(x)
    runners = {"torch eager": lambda: m(xt).numpy()}
    note = ""
    try:
        import onnxruntime as ort
        path = os.path.join(tmp, name.replace(" ", "_").replace("^", "") + ".onnx")
        torch.onnx.export(m, (xt,), path, input_names=["x"], output_names=["y"], dynamo=False)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        runners["onnxruntime"] = lambda: sess.run(None, {"x": x})[0]
    except Exception as e:  # not installed, or the exporter's own dependencies missing
        note = f"ONNX Runtime skipped ({type(e).__name__}: {str(e).splitlines()[0][:80]})"
    return runners, note


def mlx_runners(x, ws, bs, ops):
    try:
        import mlx.core as mx
    except ImportError:
        return {}, "MLX not installed"
    w = [mx.array(a) for a in ws]
    b = [mx.array(a) for a in bs]
    xm = mx.array(x)
    mx.eval(w, b, xm)

    def g(x):  # the same body as ingot's, against MLX's names
        if ops is not None:
            for i in range(ops):
                x = x * 1.0001 if i % 2 else x + 0.5
            return x
        for wi, bi in zip(w, b):
            h = x @ wi + bi
            x = h * 0.5 * (1.0 + mx.erf(h * 0.7071067811865476))
        return x

    return {"mlx (reference BLAS)": lambda: np.asarray(g(xm))}, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=0.2, help="time per runner per round")
    args = ap.parse_args()
    os.environ.setdefault("INGOT_NUM_THREADS", str(args.threads))
    tmp = tempfile.mkdtemp()
    notes = set()
    workloads = [(mlp_workload(1), None), (mlp_workload(64), None), (tiny_workload(50), 50), (tiny_workload(1), 1)]
    for (name, x, ref, ws, bs, make), ops in workloads:
        runners = ingot_runners(name, x, ws, bs, make, tmp)
        t, note = torch_runners(name, x, ws, bs, ops, tmp, args.threads)
        runners.update(t)
        notes.add(note)
        m, note = mlx_runners(x, ws, bs, ops)
        runners.update(m)
        notes.add(note)
        want = ref(x)
        for r, fn in list(runners.items()):
            got = fn()
            if not np.allclose(got, want, rtol=2e-3, atol=2e-4):
                print(f"  {name}: {r} disagrees with numpy (max diff {np.max(np.abs(got - want)):.3g}); not timed")
                del runners[r]
        times = {r: [] for r in runners}
        for _ in range(args.rounds):
            for r, fn in runners.items():
                n, start = 0, time.perf_counter()
                while time.perf_counter() - start < args.seconds:
                    fn()
                    n += 1
                times[r].append((time.perf_counter() - start) / n)
        med = {r: statistics.median(v) for r, v in times.items()}
        best = min(med.values())
        print(f"{name}:")
        for r, v in sorted(med.items(), key=lambda kv: kv[1]):
            print(f"  {r:16s} {v * 1e6:10.1f} us  {v / best:5.2f}x the fastest")
    for n in sorted(x for x in notes if x):
        print("note:", n)


if __name__ == "__main__":
    main()
