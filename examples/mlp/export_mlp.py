"""Export a small MLP from Python to one file, for examples/mlp/run_mlp.cpp to run from C++.

    python examples/mlp/export_mlp.py [OUT_DIR]      # default: the current folder

Writes OUT_DIR/mlp.ingot (the forward pass and its weights), OUT_DIR/input.npy (a batch of inputs) and
OUT_DIR/expected.npy (the outputs computed here, in Python, and checked against numpy), then checks that
the exported file imported back in Python gives the same outputs.
"""

import os
import sys

import numpy as np

import ingot as mx
import ingot.nn as nn

SIZES = [16, 32, 32, 4]  # input, two hidden layers, output
BATCH = 3
SEED = 1234


class MLP(nn.Module):
    """Linear layers with relu between them: y = W3 relu(W2 relu(W1 x + b1) + b2) + b3."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x)


def numpy_forward(model, x):
    """The same forward pass in numpy, from the model's weights: an independent check."""
    for i, layer in enumerate(model.layers):
        x = x @ np.array(layer.weight).T + np.array(layer.bias)
        if i + 1 < len(model.layers):
            x = np.maximum(x, 0)
    return x


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    mx.random.seed(SEED)  # the weights: random, and the same on every run
    model = MLP(SIZES)
    mx.eval(model.parameters())  # evaluated weights are stored in the file as constants
    x = mx.random.normal((BATCH, SIZES[0]))

    path = os.path.join(out_dir, "mlp.ingot")
    mx.export_function(path, model, x, metadata={"model": "mlp", "sizes": SIZES, "seed": SEED})
    expected = np.array(model(x))
    np.save(os.path.join(out_dir, "input.npy"), np.array(x))
    np.save(os.path.join(out_dir, "expected.npy"), expected)

    if not np.allclose(expected, numpy_forward(model, np.array(x)), rtol=1e-5, atol=1e-6):
        print("the model disagrees with numpy", file=sys.stderr)
        return 1
    imported = mx.import_function(path)
    (y,) = imported(x)
    if not np.array_equal(np.array(y), expected):
        print("the imported function disagrees with the model", file=sys.stderr)
        return 1
    print(f"exported {path} ({os.path.getsize(path)} bytes): {imported.signatures[0]}")
    print(f"wrote input.npy {x.shape} and expected.npy {expected.shape} to {out_dir}")
    print("expected output:\n" + np.array2string(expected, precision=5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
