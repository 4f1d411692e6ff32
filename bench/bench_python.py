#!/usr/bin/env python3
"""The same Python calls in ingot, MLX (CPU) and numpy, timed in one run on one machine.

Usage: .venv/bin/python bench/bench_python.py [--repeats 7]
Each figure is the best of several timeit repeats; ratios are against numpy, measured in the same run.
Lazy libraries are timed including eval (ingot.eval / mlx.core.eval), so every row is a full computation.
"""
import argparse
import os
import tempfile
import timeit

import numpy as np

import ingot
import ingot.nn as inn

try:
    import mlx.core as mx
    import mlx.nn as mnn
except ImportError:  # pragma: no cover
    mx = None


def best(stmt, number, repeats):
    return min(timeit.repeat(stmt, number=number, repeat=repeats)) / number


def rows(repeats):
    rng = np.random.default_rng(0)
    small = rng.uniform(-1, 1, 16).astype(np.float32)
    big = rng.uniform(-1, 1, 1 << 20).astype(np.float32)
    m = rng.uniform(-1, 1, (512, 512)).astype(np.float32)
    x = rng.uniform(-1, 1, (64, 256)).astype(np.float32)

    ia, ib, im, ix = ingot.array(small), ingot.array(big), ingot.array(m), ingot.array(x)
    ingot.eval(ia, ib, im, ix)
    model = inn.Sequential(inn.Linear(256, 512), inn.ReLU(), inn.Linear(512, 512), inn.ReLU(), inn.Linear(512, 10))
    ingot.eval(model.parameters())
    path = os.path.join(tempfile.mkdtemp(), "mlp.ingot")
    ingot.export_function(path, model, ix)
    imported = ingot.import_function(path)
    weights = [(k, np.asarray(v)) for k, v in ingot.utils.tree_flatten(model.parameters())]

    out = []

    def add(name, number, np_stmt, ingot_stmt, mlx_stmt):
        t_np = best(np_stmt, number, repeats) if np_stmt else None
        t_in = best(ingot_stmt, number, repeats)
        t_mx = best(mlx_stmt, number, repeats) if (mlx_stmt and mx is not None) else None
        out.append((name, t_np, t_in, t_mx))

    if mx is not None:
        ma, mb, mm, mxx = mx.array(small), mx.array(big), mx.array(m), mx.array(x)
        mx.eval(ma, mb, mm, mxx)
        mmodel = mnn.Sequential(mnn.Linear(256, 512), mnn.ReLU(), mnn.Linear(512, 512), mnn.ReLU(), mnn.Linear(512, 10))
        mmodel.load_weights([(k, mx.array(v)) for k, v in weights])
        mx.eval(mmodel.parameters())

    add("add, 16 elements (dispatch overhead)", 2000,
        lambda: small + small, lambda: ingot.eval(ia + ia), lambda: mx.eval(ma + ma))
    add("exp, 1M float32", 20, lambda: np.exp(big), lambda: ingot.eval(ingot.exp(ib)), lambda: mx.eval(mx.exp(mb)))
    add("sum, 1M float32", 50, lambda: big.sum(), lambda: ingot.eval(ingot.sum(ib)), lambda: mx.eval(mx.sum(mb)))
    add("matmul 512x512", 10, lambda: m @ m, lambda: ingot.eval(im @ im), lambda: mx.eval(mm @ mm))
    add("a[::2, 1:] view + to numpy", 2000, lambda: m[::2, 1:].copy(), lambda: np.asarray(im[::2, 1:]),
        lambda: np.asarray(mm[::2, 1:]))
    add("MLP 256-512-512-10, batch 64 (nn)", 50, None, lambda: ingot.eval(model(ix)), lambda: mx.eval(mmodel(mxx)))
    add("the same MLP, imported from its file", 50, None, lambda: ingot.eval(imported(ix)), None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    print(f"{'benchmark':40s} {'numpy':>10s} {'ingot':>10s} {'mlx':>10s} {'ingot/np':>9s} {'ingot/mlx':>9s}")
    for name, t_np, t_in, t_mx in rows(args.repeats):
        def us(t):
            return f"{t * 1e6:9.1f}u" if t is not None else f"{'-':>10s}"
        r_np = f"{t_in / t_np:9.2f}" if t_np else f"{'-':>9s}"
        r_mx = f"{t_in / t_mx:9.2f}" if t_mx else f"{'-':>9s}"
        print(f"{name:40s} {us(t_np)} {us(t_in)} {us(t_mx)} {r_np} {r_mx}")


if __name__ == "__main__":
    main()
