#!/usr/bin/env python3
"""Runs the core benchmarks in ingot (bench/bench_core.cpp) and the same operations in numpy, in one
run on one machine, and prints both times and their ratio.

Usage: python3 bench/compare_numpy.py [--bench ./build/bench/ingot_bench] [--repeats 5]
Both sides report the best of several repeats: numpy through timeit, ingot through Google Benchmark
repetitions (the minimum over them).
"""
import argparse
import json
import os
import subprocess
import sys
import timeit

import numpy as np

# Benchmark name in bench_core.cpp -> (description, numpy setup returning the namespace, statement).
def _setup_add():
    rng = np.random.default_rng(1)
    n = 1 << 20
    return {"a": rng.uniform(-1, 1, n).astype(np.float32), "b": rng.uniform(-1, 1, n).astype(np.float32), "np": np}


def _setup_exp():
    rng = np.random.default_rng(3)
    return {"a": rng.uniform(-1, 1, 1 << 20).astype(np.float32), "np": np}


def _setup_matmul():
    rng = np.random.default_rng(4)
    n = 1024
    return {"a": rng.uniform(-1, 1, (n, n)).astype(np.float32), "b": rng.uniform(-1, 1, (n, n)).astype(np.float32)}


def _setup_gemv():
    rng = np.random.default_rng(6)
    n = 4096
    return {"x": rng.uniform(-1, 1, (1, n)).astype(np.float32), "w": rng.uniform(-1, 1, (n, n)).astype(np.float32)}


def _setup_chain():
    rng = np.random.default_rng(8)
    return {"a": rng.uniform(-1, 1, 16).astype(np.float32), "b": rng.uniform(-1, 1, 16).astype(np.float32)}


CASES = [
    ("BM_Add1M", "add, 2 x 1M float32", _setup_add, "a + b"),
    ("BM_Exp1M", "exp, 1M float32", _setup_exp, "np.exp(a)"),
    ("BM_Matmul1024", "matmul 1024^3 float32", _setup_matmul, "a @ b"),
    ("BM_Gemv4096", "gemv (1,4096)@(4096,4096)", _setup_gemv, "x @ w"),
    ("BM_Chain10Adds16", "10 chained adds, 16 el.", _setup_chain, "y = a\nfor _ in range(10):\n    y = y + b"),
]


def numpy_time(setup, stmt, repeats):
    """Best time per call in seconds."""
    timer = timeit.Timer(stmt, globals=setup())
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeats, number=number)) / number


_UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def ingot_times(bench, repeats):
    """Best real time per iteration in seconds, by benchmark name."""
    names = "|".join(c[0] for c in CASES)
    cmd = [bench, "--benchmark_format=json", f"--benchmark_filter=^({names})(/|$)",
           f"--benchmark_repetitions={repeats}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    best = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue  # mean/median/stddev rows
        name = b.get("run_name", b["name"]).split("/")[0]  # drop suffixes such as /real_time
        t = b["real_time"] * _UNIT[b["time_unit"]]
        best[name] = min(best.get(name, t), t)
    return best


def fmt(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.3f} ms"
    return f"{seconds * 1e6:9.2f} us"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_bench = os.path.join(os.path.dirname(here), "build", "bench", "ingot_bench")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default=default_bench, help="path to the ingot_bench binary")
    ap.add_argument("--repeats", type=int, default=5, help="repeats on each side (best is kept)")
    args = ap.parse_args()
    if not os.path.exists(args.bench):
        sys.exit(f"{args.bench} not found: build with -DINGOT_BUILD_BENCH=ON (target ingot_bench) or pass --bench")

    ingot = ingot_times(args.bench, args.repeats)
    print(f"numpy {np.__version__}; best of {args.repeats} repeats on each side; ratio = ingot / numpy "
          "(below 1: ingot is faster)\n")
    print(f"{'operation':<28} {'ingot':>12} {'numpy':>12} {'ratio':>7}")
    for name, desc, setup, stmt in CASES:
        tn = numpy_time(setup, stmt, args.repeats)
        ti = ingot.get(name)
        if ti is None:
            print(f"{desc:<28} {'missing':>12} {fmt(tn):>12} {'-':>7}")
            continue
        print(f"{desc:<28} {fmt(ti):>12} {fmt(tn):>12} {ti / tn:7.2f}")


if __name__ == "__main__":
    main()
