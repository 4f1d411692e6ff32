#!/usr/bin/env python3
"""ingot.fast against its own decomposition and against PyTorch, at transformer sizes, in one run.

Usage: bench/run_bench_fast   (installs torch==2.13.0, the CPU build, into .venv-bench, then runs this)
   or: python bench/bench_fast.py [--quick]
Each figure is the best of several timeit repeats; ratios are against ingot's fused kernel measured in the
same run, with the same thread count for every library (torch.set_num_threads = ingot's threads).
"""
import argparse
import os
import timeit

import numpy as np

import ingot as mx

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None


def best(fn, number, repeats=5):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number


def timed_pair(build):
    """(fused seconds, decomposed seconds) for build() evaluated."""
    fused = best(lambda: mx.eval(build()), 3)
    was = mx.fast._set_kernels_enabled(False)
    try:
        decomposed = best(lambda: mx.eval(build()), 3)
    finally:
        mx.fast._set_kernels_enabled(was)
    return fused, decomposed


def row(name, fused, decomposed, torch_s):
    t = f"{torch_s / fused:8.2f}x" if torch_s else "       -"
    print(f"{name:46s} {fused * 1e3:9.3f} ms   decomposed {decomposed / fused:6.2f}x   torch {t}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = p.parse_args()
    threads = int(os.environ.get("INGOT_NUM_THREADS", os.cpu_count()))
    if torch is not None:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    print(f"threads: {threads}; times are ingot's fused kernel, ratios are other / fused (higher: fused faster)")

    norm_sizes = [(1, 512), (64, 2048), (4096, 4096)] if not args.quick else [(1, 512), (64, 1024)]
    for rows, dim in norm_sizes:
        x = rng.standard_normal((rows, dim)).astype(np.float32)
        w = rng.standard_normal(dim).astype(np.float32)
        X, W = mx.array(x), mx.array(w)
        fused, dec = timed_pair(lambda: mx.fast.rms_norm(X, W, 1e-5))
        ts = None
        if torch is not None:
            tx, tw = torch.from_numpy(x), torch.from_numpy(w)
            ts = best(lambda: F.rms_norm(tx, (dim,), tw, 1e-5), 3)
        row(f"rms_norm rows={rows} dim={dim}", fused, dec, ts)
        fused, dec = timed_pair(lambda: mx.fast.layer_norm(X, W, W, 1e-5))
        if torch is not None:
            ts = best(lambda: F.layer_norm(tx, (dim,), tw, tw, 1e-5), 3)
        row(f"layer_norm rows={rows} dim={dim}", fused, dec, ts)

    for heads, length, hd in ([(8, 128, 64), (32, 1024, 128)] if not args.quick else [(8, 128, 64)]):
        x = rng.standard_normal((1, heads, length, hd)).astype(np.float32)
        X = mx.array(x)
        fused, dec = timed_pair(lambda: mx.fast.rope(X, hd, traditional=False, base=10000.0, scale=1.0, offset=0))
        row(f"rope heads={heads} L={length} d={hd}", fused, dec, None)

    # Prefill (L x L, causal) and decode (1 query against a cache).
    cases = [(8, 128, 128, 64), (32, 512, 512, 128), (8, 1, 4096, 64), (32, 1, 4096, 128)]
    if args.quick:
        cases = [(8, 64, 64, 64), (8, 1, 512, 64)]
    for heads, lq, lk, hd in cases:
        q = rng.standard_normal((1, heads, lq, hd)).astype(np.float32)
        k = rng.standard_normal((1, heads // 4, lk, hd)).astype(np.float32)
        v = rng.standard_normal((1, heads // 4, lk, hd)).astype(np.float32)
        Q, K, V = mx.array(q), mx.array(k), mx.array(v)
        mask = "causal" if lq > 1 else None
        fused, dec = timed_pair(lambda: mx.fast.scaled_dot_product_attention(Q, K, V, scale=hd ** -0.5, mask=mask))
        ts = None
        if torch is not None:
            tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
            ts = best(lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=lq > 1, enable_gqa=True), 3)
        row(f"sdpa heads={heads}/{heads // 4} Lq={lq} Lk={lk} d={hd}", fused, dec, ts)


if __name__ == "__main__":
    main()
