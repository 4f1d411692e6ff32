"""Training speed: one step (forward, value_and_grad, an AdamW update) of a 4-layer 1024-wide MLP
classifier at batch 64, in

- ingot Python, op by op, and compiled (mx.compile with the model and optimizer state captured);
- ingot C++: examples/train/train looping over the step exported from Python (export_function);
- MLX (mlx[cpu]; its wheel's reference BLAS makes it a correctness peer more than a speed one);
- PyTorch 2.13 eager (torch.optim.AdamW);

each in a process of its own with the same thread count. The systems start from the same weights, and
their first losses are checked against each other before timing. Figures are steps per second (medians
of rounds); ratios are to PyTorch.

    bench/run_bench_train [--threads 2] [--steps 20] [--rounds 3]
"""

import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("INGOT_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT / "examples" / "train"))
import export_train  # noqa: E402  (the example's data, state and step)
WIDTH, LAYERS, BATCH, CLASSES, LR = 1024, 4, 64, 10, 1e-3


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # internal: run one system
    p.add_argument("--work", default=None, help=argparse.SUPPRESS)
    return p.parse_args()


def weights():
    rng = np.random.default_rng(0)
    sizes = [WIDTH] * LAYERS + [CLASSES]
    return [(rng.standard_normal((o, i)).astype(np.float32) / np.sqrt(i), np.zeros(o, np.float32))
            for i, o in zip(sizes[:-1], sizes[1:])]


def data():
    """The data examples/train/train.cpp makes for these sizes (labels 0..2)."""
    return export_train.make_data(BATCH, WIDTH)


def mlx_like(mx, nn, optim):
    """The model, optimizer and step in an MLX-API library (ingot or MLX)."""

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(WIDTH, WIDTH) for _ in range(LAYERS - 1)] + [nn.Linear(WIDTH, CLASSES)]

        def __call__(self, x):
            for layer in self.layers[:-1]:
                x = nn.relu(layer(x))
            return self.layers[-1](x)

    model = MLP()
    model.update({"layers": [{"weight": mx.array(w), "bias": mx.array(b)} for w, b in weights()]})
    opt = optim.AdamW(learning_rate=LR)
    opt.init(model.trainable_parameters())
    mx.eval(model.parameters(), opt.state)

    def loss_fn(X, y):
        return nn.losses.cross_entropy(model(X), y, reduction="mean")

    def step(X, y):
        loss, g = nn.value_and_grad(model, loss_fn)(X, y)
        opt.update(model, g)
        return loss

    return model, opt, step


def timed(run_step, steps):
    run_step()  # warm-up: first calls trace, compile, fault pages in
    run_step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = run_step()
    return steps / (time.perf_counter() - start), loss


def worker(system, args):
    X, y = data()
    if system in ("ingot", "ingot compiled", "mlx"):
        if system == "mlx":
            import mlx.core as mx
            import mlx.nn as nn
            import mlx.optimizers as optim
        else:
            import ingot as mx
            import ingot.nn as nn
            import ingot.optimizers as optim
        model, opt, step = mlx_like(mx, nn, optim)
        if system == "ingot compiled":
            state = [model.state, opt.state]
            step = mx.compile(step, inputs=state, outputs=state)
        Xa, ya = mx.array(X), mx.array(y)
        first = step(Xa, ya).item()

        def run():
            loss = step(Xa, ya)
            mx.eval(loss, model.parameters(), opt.state)
            return loss.item()
    elif system == "torch":
        import torch
        torch.set_num_threads(args.threads)
        layers = []
        for k, (w, b) in enumerate(weights()):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            layers += [lin] + ([torch.nn.ReLU()] if k + 1 < LAYERS else [])
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y).long()

        def run():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt), yt)
            loss.backward()
            opt.step()
            return loss.item()
        first = run()
    else:  # ingot C++: the step exported, looped over by examples/train/train
        return cpp_worker(args)
    rate, last = timed(run, args.steps)
    return {"steps_per_s": rate, "first_loss": first}


def cpp_worker(args):
    import ingot as mx
    import ingot.nn as nn
    import ingot.optimizers as optim

    work = pathlib.Path(args.work)
    model, opt, _ = mlx_like(mx, nn, optim)
    named = export_train.state_of(model, opt)
    names = [k for k, _ in named]
    initial = [v for _, v in named]
    step = export_train.make_step(model, opt, names)  # the example's step, over this model

    meta = {"state": names, "features": WIDTH, "classes": CLASSES, "samples": BATCH}
    X, y = (mx.array(a) for a in data())
    mx.export_function(str(work / "init.ingot"), lambda: initial, metadata=meta)
    mx.export_function(str(work / "step.ingot"), step, *initial, X, y, metadata=meta)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), INGOT_NUM_THREADS=str(args.threads))
    out = subprocess.run([str(BUILD / "examples/train"), str(work), str(args.steps + 1), str(work / "losses.npy")],
                         capture_output=True, text=True, check=True, env=env).stdout
    timed_steps, seconds = re.search(r"(\d+) steps in ([0-9.e+-]+) s", out).groups()  # after the first step
    rate = int(timed_steps) / float(seconds)
    return {"steps_per_s": rate, "first_loss": float(np.load(work / "losses.npy")[0])}


SYSTEMS = ["ingot", "ingot compiled", "ingot C++ (imported)", "mlx", "torch"]


def main():
    args = parse()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    # The C++ programs get the OpenBLAS kernel family the Python package chooses for this CPU.
    sys.path.insert(0, str(ROOT / "python"))
    from ingot._platform import choose_openblas_kernels
    choose_openblas_kernels()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               INGOT_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    results = {s: [] for s in SYSTEMS}
    firsts = {}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.rounds):  # interleaved rounds: drifts in machine speed hit every system alike
            for s in SYSTEMS:
                cmd = [sys.executable, __file__, "--worker", s, "--threads", str(args.threads), "--steps",
                       str(args.steps), "--work", work]
                r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout)
                results[s].append(r["steps_per_s"])
                firsts[s] = r["first_loss"]
    ref = firsts["torch"]
    for s, v in firsts.items():
        if not np.isclose(v, ref, rtol=1e-3):
            raise SystemExit(f"{s}'s first loss {v} differs from PyTorch's {ref}: not the same computation")
    base = statistics.median(results["torch"])
    print(f"training step, {LAYERS}-layer {WIDTH}-wide MLP, batch {BATCH}, AdamW, {args.threads} threads "
          f"(first loss {ref:.5f} in every system)")
    for s in SYSTEMS:
        m = statistics.median(results[s])
        print(f"  {s:24s} {m:8.2f} steps/s   {m / base:5.2f}x PyTorch")


if __name__ == "__main__":
    main()
