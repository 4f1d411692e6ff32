"""Run, from Python, the function that examples/from_cpp/export_model.cpp exported from C++.

    python examples/from_cpp/run_model.py DIR

Imports DIR/model.ingot, runs both of its traces on random inputs, and checks the outputs against numpy
computing the same model from the weights the C++ program saved (DIR/w1.npy, b1.npy, w2.npy).
Exits with 1 on a mismatch.
"""

import os
import sys

import numpy as np

import ingot as mx


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    model = mx.import_function(os.path.join(d, "model.ingot"))
    print(f"imported {model.path}, written by ingot {model.library_version}, metadata {model.metadata}")
    for s in model.signatures:
        print("  trace", s)
    w1, b1, w2 = (np.load(os.path.join(d, n + ".npy")) for n in ("w1", "b1", "w2"))

    rng = np.random.default_rng(0)
    ok = True
    for batch, scale in [(1, 1.0), (4, 0.5)]:
        x = rng.standard_normal((batch, w1.shape[0])).astype(np.float32)
        (y,) = model(x, scale=np.float32(scale))
        y = np.array(y)
        want = (np.maximum(x @ w1 + b1, 0) @ w2) * scale
        good = y.shape == want.shape and np.allclose(y, want, rtol=1e-5, atol=1e-5)
        ok &= good
        print(f"batch {batch}, scale {scale}: {'matches numpy' if good else 'MISMATCH'}\n{y}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
