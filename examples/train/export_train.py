"""Export one training step of an MLP classifier from Python, for examples/train/train.cpp to loop over
from C++.

    python examples/train/export_train.py [OUT_DIR]      # default: the current folder

Writes OUT_DIR/init.ingot, a function of no inputs returning the initial state (the model's parameters
and the optimizer's state, flattened with tree_flatten), and OUT_DIR/step.ingot, the function
step(*state, X, y) -> (loss, *new_state): the loss and its gradient (value_and_grad) and an AdamW
update. The metadata records the state's names and the data's shape, which train.cpp reads.

`make_data` and `python_losses` are the same data and the same steps in Python: the tests compare the
C++ program's losses with them.
"""

import os
import sys

import numpy as np

import ingot as mx
import ingot.nn as nn
import ingot.optimizers as optim
from ingot.utils import tree_flatten, tree_unflatten

FEATURES, HIDDEN, CLASSES, SAMPLES = 8, 32, 3, 256
SEED = 7
LEARNING_RATE = 0.003


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(FEATURES, HIDDEN), nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, CLASSES)]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.gelu(layer(x))
        return self.layers[-1](x)


def make_data(samples=SAMPLES, features=FEATURES):
    """The data train.cpp makes, exactly: features on a grid of sixteenths, labels from a fixed linear
    score with thresholds (every value and sum is exact in float32, so both sides agree bit for bit)."""
    i = np.arange(samples)[:, None]
    j = np.arange(features)[None, :]
    X = (((i * 37 + j * 101 + i * j * 7) % 257 % 31) / 16.0 - 0.9375).astype(np.float32)
    score = (X * ((np.arange(features) % 3) - 1)).sum(axis=1)
    y = np.where(score < -0.5, 0, np.where(score < 0.5, 1, 2)).astype(np.int32)
    return X, y


def build():
    """The model and optimizer with their initial state, the same on every run."""
    mx.random.seed(SEED)
    model = MLP()
    optimizer = optim.AdamW(learning_rate=LEARNING_RATE, weight_decay=0.01)
    optimizer.init(model.trainable_parameters())
    mx.eval(model.parameters(), optimizer.state)
    return model, optimizer


def state_of(model, optimizer):
    return tree_flatten({"model": model.trainable_parameters(), "optimizer": optimizer.state})


def make_step(model, optimizer, names):
    """step(*state, X, y): the state arrays in the order of `names`, then the data."""

    def loss_fn(X, y):
        return nn.losses.cross_entropy(model(X), y, reduction="mean")

    def step(*args):
        *flat, X, y = args
        tree = tree_unflatten(list(zip(names, flat)))
        model.update(tree["model"])
        optimizer.state = tree["optimizer"]
        loss, grads = nn.value_and_grad(model, loss_fn)(X, y)
        optimizer.update(model, grads)
        new = dict(state_of(model, optimizer))
        return (loss, *[new[k] for k in names])

    return step


def python_losses(steps):
    """The losses of `steps` training steps run here, in Python, on make_data()."""
    model, optimizer = build()
    names = [k for k, _ in state_of(model, optimizer)]
    step = make_step(model, optimizer, names)
    X, y = (mx.array(a) for a in make_data())
    state = [v for _, v in state_of(model, optimizer)]
    losses = []
    for _ in range(steps):
        loss, *state = step(*state, X, y)
        mx.eval(loss, state)
        losses.append(loss.item())
    return losses


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    model, optimizer = build()
    named = state_of(model, optimizer)
    names = [k for k, _ in named]
    initial = [v for _, v in named]
    metadata = {"state": names, "features": FEATURES, "classes": CLASSES, "samples": SAMPLES}

    mx.export_function(os.path.join(out_dir, "init.ingot"), lambda: initial, metadata=metadata)
    X, y = (mx.array(a) for a in make_data())
    mx.export_function(os.path.join(out_dir, "step.ingot"), make_step(model, optimizer, names), *initial, X, y,
                       metadata=metadata)

    # The files read back here give what Python's own step gives.
    init, step = (mx.import_function(os.path.join(out_dir, f)) for f in ("init.ingot", "step.ingot"))
    state = list(init())
    loss, *state = step(*state, X, y)
    want = python_losses(1)[0]
    if not np.isclose(loss.item(), want, rtol=1e-6):
        raise SystemExit(f"export_train: the exported step gives loss {loss.item()}, Python's {want}")
    print(f"wrote {out_dir}/init.ingot and {out_dir}/step.ingot: {len(names)} state arrays, first loss {want:.6f}")


if __name__ == "__main__":
    main()
