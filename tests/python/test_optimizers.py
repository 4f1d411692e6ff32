"""ingot.optimizers against mlx.optimizers: the same optimizer on the same problem follows the same
trajectory and keeps the same state tree; schedules and clip_grad_norm give the same values; bad
hyperparameters and mismatched trees are refused with errors that name the optimizer.

Gradients are closed-form (a quadratic, a least-squares fit, a small ReLU network written out by hand),
computed by each library from its own current parameters.
"""

import inspect
import math

import mlx.core as mlx_core
import mlx.nn as mlx_nn
import mlx.optimizers as mlx_opt
import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn
import ingot.optimizers as opt
from ingot.utils import tree_flatten, tree_map, tree_unflatten

# ingot.utils' tree functions treat any non-container as a leaf, so they serve MLX's trees as well.
LIBS = {"ingot": (mx, opt, nn), "mlx": (mlx_core, mlx_opt, mlx_nn)}
RNG = np.random.default_rng(0)


def rand(*shape, scale=1.0):
    return (scale * RNG.standard_normal(shape)).astype(np.float32)


def to_np(tree):
    """A tree of ingot, MLX or numpy arrays as a dict of float64 numpy arrays keyed by dotted path."""

    def as_float(v):
        if isinstance(v, (mx.array, mlx_core.array)):  # through float32: numpy cannot read bfloat16 from MLX
            v = v.astype(mx.float32 if isinstance(v, mx.array) else mlx_core.float32)
        return np.array(v, np.float64)

    return {k: as_float(v) for k, v in tree_flatten(tree)}


def dtype_name(a):
    return str(a.dtype).rsplit(".", 1)[-1]


def assert_trees_close(ours, theirs, rtol, atol, what=""):
    a, b = to_np(ours), to_np(theirs)
    assert sorted(a) == sorted(b), what
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=atol, err_msg=f"{what} {key}")


# ---- the problem: a tree of parameters pulled towards targets, one leaf by a least-squares fit ----

PARAMS = {
    "w": rand(4, 3),
    "layers": [{"b": rand(3)}, {"k": rand(2, 2, 3)}],
    "pair": (rand(1), rand(3, 2)),
}
CURVATURE = tree_map(lambda p: np.abs(rand(*p.shape)) + 0.1, PARAMS)
TARGET = tree_map(lambda p: rand(*p.shape), PARAMS)
X, Y = rand(6, 4), rand(6, 3)


def gradients(core, params, consts):
    """Gradient of sum(h * (p - t)^2) / 2 over the leaves plus |X w - Y|^2 / (2 n) for ``w``."""
    h, t, x, y = consts
    grads = tree_map(lambda p, hh, tt: hh * (p - tt), params, h, t)
    grads["w"] = grads["w"] + core.matmul(x.T, core.matmul(x, params["w"]) - y) / x.shape[0]
    return grads


def run(lib, make, steps=10, dtype=np.float32):
    """Runs ``steps`` updates from PARAMS; returns the parameters after each step, the learning rate
    before each (if any) and the optimizer."""
    core, optim, _ = LIBS[lib]
    arr = lambda v: core.array(np.asarray(v, dtype))  # noqa: E731
    params = tree_map(arr, PARAMS)
    consts = (tree_map(arr, CURVATURE), tree_map(arr, TARGET), arr(X), arr(Y))
    optimizer = make(optim)
    history, rates = [], []
    for _ in range(steps):
        params = optimizer.apply_gradients(gradients(core, params, consts), params)
        core.eval(params)
        history.append(params)
        if "learning_rate" in optimizer.state:
            rates.append(float(np.array(optimizer.learning_rate)))
    return history, rates, optimizer


CASES = {
    "sgd": lambda o: o.SGD(0.1),
    "sgd_momentum": lambda o: o.SGD(0.05, momentum=0.9),
    "sgd_all": lambda o: o.SGD(0.05, momentum=0.8, weight_decay=0.01, dampening=0.2),
    "sgd_nesterov": lambda o: o.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    "sgd_decay_only": lambda o: o.SGD(0.1, weight_decay=0.05),
    "rmsprop": lambda o: o.RMSprop(0.01),
    "rmsprop_alpha": lambda o: o.RMSprop(0.02, alpha=0.9, eps=1e-6),
    "adagrad": lambda o: o.Adagrad(0.1),
    "adagrad_eps": lambda o: o.Adagrad(0.5, eps=1e-3),
    "adadelta": lambda o: o.AdaDelta(1.0),
    "adadelta_rho": lambda o: o.AdaDelta(0.5, rho=0.5, eps=1e-4),
    "adam": lambda o: o.Adam(0.01),
    "adam_bias_correction": lambda o: o.Adam(0.05, betas=[0.8, 0.99], eps=1e-6, bias_correction=True),
    "adamw": lambda o: o.AdamW(0.01),
    "adamw_bias_correction": lambda o: o.AdamW(0.02, weight_decay=0.1, bias_correction=True),
    "adamax": lambda o: o.Adamax(0.01),
    "adamax_betas": lambda o: o.Adamax(0.05, betas=(0.5, 0.9), eps=1e-5),
    "lion": lambda o: o.Lion(0.001),
    "lion_decay": lambda o: o.Lion(0.01, betas=[0.8, 0.95], weight_decay=0.1),
    "adafactor": lambda o: o.Adafactor(),
    "adafactor_lr": lambda o: o.Adafactor(0.01, relative_step=False, scale_parameter=False),
    "adafactor_all": lambda o: o.Adafactor(beta_1=0.9, weight_decay=0.01, clip_threshold=0.5),
    "adafactor_warmup": lambda o: o.Adafactor(warmup_init=True, scale_parameter=False),
    "muon": lambda o: o.Muon(0.02),
    "muon_plain": lambda o: o.Muon(0.05, momentum=0.5, weight_decay=0.0, nesterov=False, ns_steps=3),
    "muon_no_momentum": lambda o: o.Muon(0.02, momentum=0.0),
    "sgd_cosine": lambda o: o.SGD(o.cosine_decay(0.1, 6, end=0.01), momentum=0.5),
    "adam_warmup": lambda o: o.Adam(o.join_schedules([o.linear_schedule(0.0, 0.1, 3), o.exponential_decay(0.1, 0.9)],
                                                     [3])),
    "rmsprop_step_decay": lambda o: o.RMSprop(o.step_decay(0.05, 0.5, 3)),
    "adafactor_scheduled": lambda o: o.Adafactor(o.exponential_decay(0.05, 0.8), relative_step=False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_mlx(case):
    ours, our_rates, our_opt = run("ingot", CASES[case])
    theirs, their_rates, their_opt = run("mlx", CASES[case])
    # Newton-Schulz iterations amplify the last bits of matmuls that sum in another order.
    rtol, atol = (2e-4, 2e-5) if case.startswith("muon") else (1e-5, 1e-6)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert_trees_close(a, b, rtol, atol, f"step {step}")
    # The distance travelled too, relative to itself: small steps would pass the test above whatever they were.
    start = to_np(PARAMS)
    moved = [{k: v - start[k] for k, v in to_np(side[-1]).items()} for side in (ours, theirs)]
    for key in start:
        assert np.all(moved[1][key] != 0), key
        np.testing.assert_allclose(moved[0][key], moved[1][key], rtol=1e-4, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(our_rates, their_rates, rtol=1e-6)
    assert_trees_close(our_opt.state, their_opt.state, rtol, atol, "state")
    assert int(np.array(our_opt.step)) == 10 and dtype_name(our_opt.step) == "uint64"


@pytest.mark.parametrize("case", ["sgd_nesterov", "rmsprop", "adagrad", "adadelta", "adam_bias_correction", "adamw",
                                  "adamax", "lion", "adafactor_all", "muon"])
def test_float16_matches_mlx(case):
    ours, _, _ = run("ingot", CASES[case], steps=3, dtype=np.float16)
    theirs, _, _ = run("mlx", CASES[case], steps=3, dtype=np.float16)
    for a, b in zip(ours, theirs):
        assert {k: dtype_name(v) for k, v in tree_flatten(a)} == {k: "float16" for k, _ in tree_flatten(a)}
        assert_trees_close(a, b, rtol=1e-2, atol=1e-2)


def test_state_tree_matches_mlx_before_any_update():
    for case, make in CASES.items():
        ours, theirs = make(opt), make(mlx_opt)
        ours.init(tree_map(mx.array, PARAMS))
        theirs.init(tree_map(mlx_core.array, PARAMS))
        assert_trees_close(ours.state, theirs.state, 0, 0, case)


def test_state_flattens_to_arrays_and_round_trips(tmp_path):
    make = CASES["adam_bias_correction"]
    _, _, trained = run("ingot", make, steps=4)
    flat = tree_flatten(trained.state)
    assert flat and all(isinstance(v, mx.array) for _, v in flat)
    assert {"step", "learning_rate", "w.m", "w.v", "layers.1.k.m", "pair.0.v"} <= {k for k, _ in flat}
    assert isinstance(trained.state["pair"], list)  # MLX keeps a tuple here

    mx.save_safetensors(str(tmp_path / "state.safetensors"), dict(flat))
    restored = make(opt)
    restored.state = tree_unflatten(list(mx.load(str(tmp_path / "state.safetensors")).items()))

    params = tree_map(mx.array, PARAMS)
    grads = tree_map(lambda p: mx.full(p.shape, 0.25), params)
    assert_trees_close(restored.apply_gradients(grads, params), trained.apply_gradients(grads, params), 0, 0)
    assert_trees_close(restored.state, trained.state, 0, 0)


# ---- modules: update(model, grads), parameterless layers, MultiOptimizer ----

MLP_WEIGHTS = {"layers": [{"weight": rand(5, 4), "bias": rand(5)}, {}, {"weight": rand(2, 5), "bias": rand(2)}]}
MLP_X, MLP_T = rand(8, 4), rand(8, 2)

def mlp_gradients(core, params, x, t):
    """Gradients of |mlp(x) - t|^2 / (2 n) for Sequential(Linear, ReLU, Linear)."""
    first, _, second = params["layers"]
    pre = core.matmul(x, first["weight"].T) + first["bias"]
    hidden = core.maximum(pre, 0.0)
    dy = (core.matmul(hidden, second["weight"].T) + second["bias"] - t) / x.shape[0]
    dh = core.matmul(dy, second["weight"]) * (pre > 0)
    return {"layers": [
        {"weight": core.matmul(dh.T, x), "bias": core.sum(dh, axis=0)},
        {},
        {"weight": core.matmul(dy.T, hidden), "bias": core.sum(dy, axis=0)},
    ]}  # fmt: skip


def train_mlp(lib, make, steps=10):
    core, optim, layers = LIBS[lib]
    model = layers.Sequential(layers.Linear(4, 5), layers.ReLU(), layers.Linear(5, 2))
    model.update(tree_map(lambda v: core.array(np.asarray(v)), MLP_WEIGHTS))
    x, t = core.array(MLP_X), core.array(MLP_T)
    optimizer = make(optim)
    for _ in range(steps):
        optimizer.update(model, mlp_gradients(core, model.trainable_parameters(), x, t))
        core.eval(model.parameters())
    return model, optimizer


MODULE_CASES = {
    "adam": lambda o: o.Adam(0.05, bias_correction=True),
    "sgd": lambda o: o.SGD(0.1, momentum=0.9),
    "multi": lambda o: o.MultiOptimizer([o.Adam(0.05), o.SGD(0.1, momentum=0.5)], [lambda path, g: g.ndim > 1]),
    "multi_muon": lambda o: o.MultiOptimizer([o.Muon(0.02), o.AdamW(0.02)], [lambda _, g: g.ndim >= 2]),
}


@pytest.mark.parametrize("case", list(MODULE_CASES))
def test_module_update_matches_mlx(case):
    ours, our_opt = train_mlp("ingot", MODULE_CASES[case])
    theirs, their_opt = train_mlp("mlx", MODULE_CASES[case])
    rtol, atol = (2e-4, 2e-5) if "muon" in case else (1e-5, 1e-6)
    assert_trees_close(ours.parameters(), theirs.parameters(), rtol, atol)
    assert_trees_close(our_opt.state, their_opt.state, rtol, atol)
    assert float(np.array(our_opt.learning_rate)) == pytest.approx(float(np.array(their_opt.learning_rate)))


class SplitByHand:
    """What MultiOptimizer does, written out over MLX's optimizers: each takes the gradients its filter
    claims; the results are put together by path."""

    def __init__(self, optimizers, filters):
        self.optimizers, self.filters = optimizers, filters + [lambda *_: True]

    def update(self, model, gradients):
        shares = [[] for _ in self.optimizers]
        for path, g in tree_flatten(gradients):
            shares[next(i for i, claims in enumerate(self.filters) if claims(path, g))].append((path, g))
        updated = []
        for optimizer, share in zip(self.optimizers, shares):
            updated += tree_flatten(optimizer.apply_gradients(tree_unflatten(share) if share else {}, model))
        model.update(tree_unflatten(updated))

    @property
    def state(self):
        return {"states": [o.state for o in self.optimizers]}


def test_multi_optimizer_with_filters_that_split_a_list():
    """Filters that give the layers of one list to different optimizers (MLX's MultiOptimizer fails to
    merge the results): each optimizer updates its share as it does alone in MLX."""
    make = lambda o, combine: combine(  # noqa: E731
        [o.Lion(0.01), o.AdamW(0.02), o.SGD(0.1)],
        [lambda path, g: path.startswith("layers.2"), lambda path, g: path.endswith("weight")],
    )
    ours, our_opt = train_mlp("ingot", lambda o: make(o, o.MultiOptimizer))
    theirs, their_opt = train_mlp("mlx", lambda o: make(o, SplitByHand))
    assert_trees_close(ours.parameters(), theirs.parameters(), 1e-5, 1e-6)
    assert_trees_close(our_opt.state, their_opt.state, 1e-5, 1e-6)
    with pytest.raises(ValueError):
        train_mlp("mlx", lambda o: make(o, o.MultiOptimizer), steps=1)


def test_multi_optimizer_splits_and_sets_learning_rate():
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    multi = MODULE_CASES["multi"](opt)
    multi.init(model.trainable_parameters())
    adam_keys = {k for k, _ in tree_flatten(multi.state["states"][0])}
    sgd_keys = {k for k, _ in tree_flatten(multi.state["states"][1])}
    assert adam_keys == {"step", "learning_rate", "layers.0.weight.m", "layers.0.weight.v", "layers.2.weight.m",
                         "layers.2.weight.v"}
    assert sgd_keys == {"step", "learning_rate", "layers.0.bias.v", "layers.2.bias.v"}
    multi.learning_rate = 0.5
    assert [float(np.array(o.learning_rate)) for o in multi.optimizers] == [0.5, 0.5]
    multi.state = {"states": [{"step": mx.array(3, mx.uint64)}, {"step": mx.array(3, mx.uint64)}]}
    assert int(np.array(multi.step)) == 3


MODULE_INIT = {"l1": {"weight": rand(2, 2), "bias": rand(2)}, "vals": [{"weight": rand(2, 2), "bias": rand(2)}]}


def test_state_restored_into_a_new_optimizer_as_mlx():
    """MLX's test_init_from_state: a flattened state loses the parameterless layers; updating refills them."""

    def build(layers):
        class Model(layers.Module):
            def __init__(self):
                super().__init__()
                self.l1 = layers.Linear(2, 2)
                self.drop = layers.Dropout(p=0.5)
                self.vals = [layers.Linear(2, 2), layers.ReLU(), layers.ReLU()]

        return Model()

    results = {}
    for lib, (core, optim, layers) in LIBS.items():
        model = build(layers)
        model.update(tree_map(core.array, MODULE_INIT))
        first = optim.Adam(learning_rate=0.01)
        first.init(model.trainable_parameters())
        second = optim.Adam(learning_rate=0.01)
        second.state = tree_unflatten(tree_flatten(first.state))
        second.update(model, model.trainable_parameters())
        results[lib] = (model.parameters(), second.state)
    assert_trees_close(*[r[0] for r in results.values()], rtol=1e-6, atol=1e-7)
    assert_trees_close(*[r[1] for r in results.values()], rtol=1e-6, atol=1e-7)


# ---- the tree walk ----

def test_parameters_may_hold_more_than_gradients():
    for lib, (core, optim, _) in LIBS.items():
        params = {"a": core.ones((2,)), "b": core.ones((3,)), "c": [core.ones((1,))]}
        out = optim.Adam(0.1).apply_gradients({"a": core.ones((2,))}, params)
        assert list(out) == ["a"], lib


def test_parameters_first_seen_later_get_state():
    """Gradients for a parameter the optimizer has not seen yet initialize its state (MLX: only on the
    first update). SGD's zero velocity makes this the same as MLX initialized with both and a zero gradient."""
    ours = opt.SGD(0.1, momentum=0.9)
    params = {"a": mx.ones((2,)), "b": mx.ones((3,))}
    params = {**params, **ours.apply_gradients({"a": mx.full((2,), 0.5)}, params)}
    assert "b" not in ours.state
    params = {**params, **ours.apply_gradients({"a": mx.full((2,), 0.5), "b": mx.full((3,), 2.0)}, params)}

    theirs = mlx_opt.SGD(0.1, momentum=0.9)
    mparams = {"a": mlx_core.ones((2,)), "b": mlx_core.ones((3,))}
    theirs.init(mparams)
    for b_grad in (0.0, 2.0):
        mparams = theirs.apply_gradients({"a": mlx_core.full((2,), 0.5), "b": mlx_core.full((3,), b_grad)}, mparams)
    assert_trees_close(params, mparams, 1e-6, 1e-7)
    assert_trees_close(ours.state, theirs.state, 1e-6, 1e-7)


def test_update_with_empty_trees_steps_the_schedule():
    for lib, (core, optim, _) in LIBS.items():
        sgd = optim.SGD(learning_rate=optim.exponential_decay(0.1, 0.9))
        for _ in range(5):
            sgd.update({}, {})
        assert float(np.array(sgd.learning_rate)) == pytest.approx(0.1 * 0.9**4), lib
        assert int(np.array(sgd.step)) == 5


def test_learning_rate_setter_matches_mlx():
    results = []
    for lib, (core, optim, _) in LIBS.items():
        adam = optim.Adam(0.1)
        params = {"w": core.ones((3,))}
        params = adam.apply_gradients({"w": core.array([1.0, -2.0, 0.5])}, params)
        adam.learning_rate = 0.01
        params = adam.apply_gradients({"w": core.array([1.0, -2.0, 0.5])}, params)
        assert dtype_name(adam.learning_rate) == "float32"
        results.append(params)
    assert_trees_close(*results, 1e-6, 1e-7)


def test_base_optimizer_state_and_step():
    sgd = opt.SGD(0.1)
    assert list(sgd.state) == ["step", "learning_rate"]
    assert dtype_name(sgd.step) == "uint64" and int(np.array(sgd.step)) == 0
    sgd.state["hello"] = "world"
    assert sgd.state["hello"] == "world"
    with pytest.raises(NotImplementedError, match=r"^\[Optimizer\]"):
        opt.Optimizer().apply_gradients({"w": mx.ones((1,))}, {"w": mx.ones((1,))})


# ---- schedules ----

SCHEDULES = {
    "exponential": lambda o: o.exponential_decay(0.1, 0.9),
    "step": lambda o: o.step_decay(0.1, 0.5, 4),
    "cosine": lambda o: o.cosine_decay(0.1, 10),
    "cosine_end": lambda o: o.cosine_decay(0.1, 10, end=0.02),
    "linear": lambda o: o.linear_schedule(0.0, 0.1, 7),
    "linear_down": lambda o: o.linear_schedule(1.0, 0.25, 3),
    "joined": lambda o: o.join_schedules([o.linear_schedule(0.0, 1e-2, 5), o.cosine_decay(1e-2, 10, 1e-3)], [5]),
    "joined_three": lambda o: o.join_schedules([lambda _: 3, lambda _: 4, o.exponential_decay(2.0, 0.5)], [2, 4]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_mlx(name):
    ours, theirs = SCHEDULES[name](opt), SCHEDULES[name](mlx_opt)
    for step in range(25):
        a = ours(mx.array(step, mx.uint64))
        b = theirs(mlx_core.array(step, mlx_core.uint64))
        assert dtype_name(a) == dtype_name(b)
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-9, err_msg=f"step {step}")
        assert float(np.array(ours(step))) == pytest.approx(float(np.array(theirs(step))), rel=1e-6, abs=1e-9)


def test_schedule_values():
    assert opt.step_decay(1e-1, 0.9, 1000)(2500) == pytest.approx(0.1 * 0.9**2)
    assert float(opt.cosine_decay(0.1, 10)(4)) == pytest.approx(0.05 * (1 + math.cos(math.pi * 0.4)))
    assert float(opt.cosine_decay(0.1, 10, 0.05)(20)) == pytest.approx(0.05)
    assert float(opt.linear_schedule(0.0, 0.1, 100)(150)) == pytest.approx(0.1)
    assert [int(opt.join_schedules([lambda _: 3, lambda _: 4, lambda _: 5], [2, 4])(s)) for s in range(7)] == [
        3, 3, 4, 4, 5, 5, 5]


# ---- clip_grad_norm ----

CLIP_CASES = {
    "unclipped": ({"first": [[0.1, 0.2], [0.1]], "second": [0.3]}, "float32", 10.0),
    "clipped_ints": ({"first": [[10, 20], [10]], "second": [30]}, "int32", 1.0),
    "clipped_floats": ({"a": [[1.5, -2.0], [3.0, 0.5]], "b": [(4.0,)]}, "float32", 2.0),
    "float16_overflow": ({"a": [300.0, -400.0], "b": [[200.0]]}, "float16", 1.0),
    "zero_max": ({"a": [1.0, 2.0]}, "float32", 0.0),
}


@pytest.mark.parametrize("case", list(CLIP_CASES))
def test_clip_grad_norm_matches_mlx(case):
    tree, dtype, max_norm = CLIP_CASES[case]
    is_leaf = lambda v: isinstance(v, list) and not any(isinstance(e, (list, tuple)) for e in v)  # noqa: E731
    ours, our_norm = opt.clip_grad_norm(tree_map(lambda v: mx.array(v, getattr(mx, dtype)), tree, is_leaf=is_leaf),
                                        max_norm)
    theirs, their_norm = mlx_opt.clip_grad_norm(
        tree_map(lambda v: mlx_core.array(v, getattr(mlx_core, dtype)), tree, is_leaf=is_leaf), max_norm)
    assert [dtype_name(v) for _, v in tree_flatten(ours)] == [dtype_name(v) for _, v in tree_flatten(theirs)]
    assert_trees_close(ours, theirs, 1e-6, 1e-7)
    np.testing.assert_allclose(np.array(our_norm), np.array(their_norm), rtol=1e-6)
    clipped = math.sqrt(sum(float(np.sum(v ** 2)) for v in to_np(ours).values()))
    assert clipped <= max_norm * (1 + 1e-3) + 1e-6
    if case == "unclipped":
        assert_trees_close(ours, tree_map(lambda v: mx.array(v), tree, is_leaf=is_leaf), 0, 0)


# ---- errors ----

# (what to build, how our message starts, the offending value it names, whether MLX refuses it too)
ERROR_CASES = {
    "sgd_nesterov_dampening": (lambda o: o.SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True), "[SGD]", "0.1",
                               True),
    "sgd_nesterov_no_momentum": (lambda o: o.SGD(0.1, nesterov=True), "[SGD]", "momentum=0.0", True),
    "rmsprop_alpha": (lambda o: o.RMSprop(0.1, alpha=-0.5), "[RMSprop] alpha", "-0.5", True),
    "rmsprop_eps": (lambda o: o.RMSprop(0.1, eps=0.0), "[RMSprop] eps must be >0", "0.0", True),
    "adagrad_eps": (lambda o: o.Adagrad(0.1, eps=-1.0), "[Adagrad] eps must be >0", "-1.0", True),
    "adadelta_rho": (lambda o: o.AdaDelta(0.1, rho=-0.1), "[AdaDelta] rho", "-0.1", True),
    "adadelta_eps": (lambda o: o.AdaDelta(0.1, eps=0.0), "[AdaDelta] eps must be >0", "0.0", True),
    "adam_beta1": (lambda o: o.Adam(0.1, betas=[1.0, 0.999]), "[Adam] beta1", "1.0", True),
    "adam_beta2": (lambda o: o.Adam(0.1, betas=[0.9, -0.2]), "[Adam] beta2", "-0.2", True),
    "adam_eps": (lambda o: o.Adam(0.1, eps=-1e-8), "[Adam] eps", "-1e-08", True),
    "adamw_beta": (lambda o: o.AdamW(0.1, betas=[0.9, 1.5]), "[AdamW] beta2", "1.5", True),
    "adamax_beta": (lambda o: o.Adamax(0.1, betas=[-0.1, 0.9]), "[Adamax] beta1", "-0.1", True),
    "lion_beta": (lambda o: o.Lion(0.1, betas=[0.9, 1.0]), "[Lion] beta2", "1.0", True),
    "multi_filters": (lambda o: o.MultiOptimizer([o.SGD(0.1), o.Adam(0.1)], []), "[MultiOptimizer]", "got 0",
                      True),
    "step_decay": (lambda o: o.step_decay(0.1, 0.9, 0), "[step_decay] step_size", "0", True),
    "cosine_decay": (lambda o: o.cosine_decay(0.1, 0), "[cosine_decay] decay_steps", "0", True),
    "linear_schedule": (lambda o: o.linear_schedule(0.0, 0.1, -2), "[linear_schedule] steps", "-2", True),
    "join_count": (lambda o: o.join_schedules([lambda _: 1, lambda _: 2], [1, 2]), "[join_schedules]", "got 2",
                   True),
    "join_empty": (lambda o: o.join_schedules([], []), "[join_schedules]", "at least one", True),
    "clip_negative": (lambda o: o.clip_grad_norm({"a": mx.ones((2,))}, -1.0), "[clip_grad_norm] max_norm", "-1.0",
                      True),
    # Refused by ingot only: MLX accepts them and then ignores them or fails later.
    "sgd_momentum": (lambda o: o.SGD(0.1, momentum=-0.5), "[SGD] momentum", "-0.5", False),
    "sgd_decay": (lambda o: o.SGD(0.1, weight_decay=-1.0), "[SGD] weight_decay", "-1.0", False),
    "sgd_dampening": (lambda o: o.SGD(0.1, momentum=0.9, dampening=1.5), "[SGD] dampening", "1.5", False),
    "adam_one_beta": (lambda o: o.Adam(0.1, betas=[0.9]), "[Adam] betas", "[0.9]", False),
    "lion_decay": (lambda o: o.Lion(0.1, weight_decay=-0.1), "[Lion] weight_decay", "-0.1", False),
    "learning_rate": (lambda o: o.SGD("fast"), "[SGD] learning_rate", "'fast'", False),
    "adafactor_lr": (lambda o: o.Adafactor(relative_step=False), "[Adafactor] a learning_rate", "relative_step",
                     False),
    "adafactor_clip": (lambda o: o.Adafactor(clip_threshold=0.0), "[Adafactor] clip_threshold", "0.0", False),
    "adafactor_eps": (lambda o: o.Adafactor(eps=1e-30), "[Adafactor] eps", "1e-30", False),
    "muon_steps": (lambda o: o.Muon(0.1, ns_steps=-1), "[Muon] ns_steps", "-1", False),
    "multi_empty": (lambda o: o.MultiOptimizer([]), "[MultiOptimizer]", "at least one", False),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_bad_hyperparameters_are_refused(case):
    build, start, value, mlx_refuses = ERROR_CASES[case]
    with pytest.raises(ValueError) as info:
        build(opt)
    message = str(info.value)
    assert message.startswith(start) and value in message, message
    if mlx_refuses:
        with pytest.raises(ValueError):
            build(mlx_opt)


ONE, TWO = np.ones(1, np.float32), np.ones(2, np.float32)
TREE_ERRORS = {
    "missing_parameter": ({"a": ONE, "b": ONE}, {"a": ONE}, "the gradient 'b' has no matching parameter"),
    "shape": ({"a": np.ones((1, 2), np.float32)}, {"a": TWO}, "'a' has shape (1, 2) but its parameter has shape (2,)"),
    "longer_list": ({"l": [ONE, ONE]}, {"l": [ONE]}, "a list of 2 at 'l' where the parameters hold a list of 1"),
    "dict_for_array": ({"a": {"x": ONE}}, {"a": ONE}, "a dict at 'a' where the parameters hold an array"),
    "array_for_list": ({"a": ONE}, {"a": [ONE]}, "the gradient 'a' is an array but the parameter there is a list"),
    "not_an_array": ({"a": 1.0}, {"a": ONE}, "expected an array at 'a', got a float"),
    "root": ([ONE], [ONE], "expected a dict of parameters or gradients, got list"),
    "reserved_name": ({"step": ONE}, {"step": ONE}, "the state at 'step' is an array"),
}


@pytest.mark.parametrize("case", list(TREE_ERRORS))
def test_mismatched_trees_are_refused(case):
    grads, params = (tree_map(lambda v: mx.array(v) if isinstance(v, np.ndarray) else v, t)
                     for t in TREE_ERRORS[case][:2])
    adam = opt.Adam(0.1)
    with pytest.raises(ValueError, match=r"^\[Adam\] ") as info:
        adam.apply_gradients(grads, params)
    assert TREE_ERRORS[case][2] in str(info.value)


def test_multi_optimizer_state_setter_refuses_a_bad_state():
    multi = opt.MultiOptimizer([opt.SGD(0.1), opt.Adam(0.1)], [lambda *_: False])
    with pytest.raises(ValueError, match=r"^\[MultiOptimizer\] the state"):
        multi.state = {"states": [{}]}
    with pytest.raises(ValueError):
        mlx_opt.MultiOptimizer([mlx_opt.SGD(0.1), mlx_opt.Adam(0.1)], [lambda *_: False]).state = {"states": [{}]}


def test_names_match_mlx_and_are_documented():
    ours = {n for n in dir(opt) if not n.startswith("_") and not inspect.ismodule(getattr(opt, n))}
    theirs = {n for n in dir(mlx_opt) if not n.startswith("_") and not inspect.ismodule(getattr(mlx_opt, n))}
    # typing names MLX's modules import with a star leak into its namespace.
    assert ours >= theirs - {"Callable", "List", "Optional", "Tuple", "Union", "Module", "tree_flatten", "tree_map",
                             "tree_merge", "tree_reduce", "tree_unflatten", "math"}
    for name in sorted(ours):
        assert inspect.getdoc(getattr(opt, name)), name
