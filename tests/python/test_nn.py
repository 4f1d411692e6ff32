"""ingot.nn against mlx.nn: every layer with the same weights and inputs gives the same values, shapes and
dtypes; initialization follows MLX's distributions; the Module tree behaves as MLX's."""

import math

import mlx.core as mlx_core
import mlx.nn as mlx_nn
import numpy as np
import pytest
from mlx.utils import tree_flatten as mlx_flatten

import ingot as mx
import ingot.nn as nn
from ingot.utils import tree_flatten, tree_map

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


def as_np(a):
    """An ingot or MLX array as a float64 (or integer) numpy array."""
    if dtype_name(a.dtype) in ("bfloat16", "float16"):
        a = a.astype(mx.float32 if isinstance(a, mx.array) else mlx_core.float32)
    return np.array(a)


def to_mlx(a):
    return mlx_core.array(np.array(a))


def names(tree, flatten=tree_flatten):
    return sorted(k for k, _ in flatten(tree))


def sync(ours, theirs):
    """Copies our parameters into the MLX module; both must have the same parameter names and shapes."""
    assert names(ours.parameters()) == names(theirs.parameters(), mlx_flatten)
    theirs.update(tree_map(to_mlx, ours.parameters()))


def convert(value, lib):
    if isinstance(value, np.ndarray):
        return mx.array(value) if lib == "ingot" else mlx_core.array(value)
    return value


def run_both(build, *inputs, call=None, **kwargs):
    """Builds the layer with ingot.nn and mlx.nn, copies our weights into MLX's, calls both (or
    ``call(layer, *inputs)``) on the same inputs; returns (ours, theirs, our output, their output)."""
    ours, theirs = build(nn), build(mlx_nn)
    sync(ours, theirs)
    call = call or (lambda layer, *xs, **kw: layer(*xs, **kw))
    a = call(ours, *[convert(x, "ingot") for x in inputs], **{k: convert(v, "ingot") for k, v in kwargs.items()})
    b = call(theirs, *[convert(x, "mlx") for x in inputs], **{k: convert(v, "mlx") for k, v in kwargs.items()})
    return ours, theirs, a, b


def assert_same(a, b, rtol=1e-5, atol=1e-5):
    assert tuple(a.shape) == tuple(b.shape)
    assert dtype_name(a.dtype) == dtype_name(b.dtype)
    np.testing.assert_allclose(as_np(a), as_np(b), rtol=rtol, atol=atol)


def check(build, *inputs, rtol=1e-5, atol=1e-5, call=None, **kwargs):
    ours, theirs, a, b = run_both(build, *inputs, call=call, **kwargs)
    assert_same(a, b, rtol, atol)
    return ours, a


# ---- layers against mlx.nn ----

LAYER_CASES = {
    "linear": (lambda n: n.Linear(8, 4), [(2, 5, 8)]),
    "linear_no_bias": (lambda n: n.Linear(8, 4, bias=False), [(3, 8)]),
    "linear_1d_input": (lambda n: n.Linear(8, 4), [(8,)]),
    "identity": (lambda n: n.Identity(3, foo=1), [(2, 3)]),
    "bilinear": (lambda n: n.Bilinear(8, 3, 4), [(2, 5, 8), (2, 5, 3)]),
    "bilinear_no_bias": (lambda n: n.Bilinear(2, 3, 5, bias=False), [(4, 2), (4, 3)]),
    "sequential": (lambda n: n.Sequential(n.Linear(8, 6), n.ReLU(), n.Linear(6, 2), n.gelu), [(2, 8)]),
    "conv1d": (lambda n: n.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), [(2, 11, 4)]),
    "conv1d_no_bias": (lambda n: n.Conv1d(3, 2, 1, bias=False), [(1, 5, 3)]),
    "conv2d": (lambda n: n.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2), [(2, 7, 6, 4)]),
    "conv2d_dilated": (lambda n: n.Conv2d(3, 2, 3, padding=2, dilation=2), [(1, 6, 6, 3)]),
    "conv3d": (lambda n: n.Conv3d(3, 2, (2, 3, 2), stride=(1, 2, 1), padding=1), [(1, 4, 6, 5, 3)]),
    "conv_transpose1d": (lambda n: n.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1), [(2, 5, 4)]),
    "conv_transpose2d": (lambda n: n.ConvTranspose2d(4, 3, (3, 2), stride=2, padding=(1, 0)), [(2, 4, 5, 4)]),
    "conv_transpose3d": (lambda n: n.ConvTranspose3d(3, 2, 2, stride=2, bias=False), [(1, 2, 3, 2, 3)]),
    "layer_norm": (lambda n: n.LayerNorm(8), [(2, 5, 8)]),
    "layer_norm_no_affine": (lambda n: n.LayerNorm(8, eps=1e-3, affine=False), [(4, 8)]),
    "layer_norm_no_bias": (lambda n: n.LayerNorm(8, bias=False), [(4, 8)]),
    "rms_norm": (lambda n: n.RMSNorm(8, eps=1e-4), [(2, 5, 8)]),
    "group_norm": (lambda n: n.GroupNorm(2, 8), [(2, 5, 8)]),
    "group_norm_pytorch": (lambda n: n.GroupNorm(4, 8, pytorch_compatible=True), [(2, 3, 4, 8)]),
    "group_norm_no_affine": (lambda n: n.GroupNorm(4, 8, affine=False), [(2, 6, 8)]),
    "instance_norm": (lambda n: n.InstanceNorm(8), [(2, 3, 4, 8)]),
    "instance_norm_affine": (lambda n: n.InstanceNorm(8, affine=True), [(2, 5, 8)]),
    "max_pool1d": (lambda n: n.MaxPool1d(3, stride=2, padding=1), [(2, 9, 3)]),
    "avg_pool1d": (lambda n: n.AvgPool1d(2), [(2, 8, 3)]),
    "max_pool2d": (lambda n: n.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)), [(2, 5, 7, 3)]),
    "avg_pool2d": (lambda n: n.AvgPool2d(2, padding=1), [(1, 6, 6, 2)]),
    "max_pool3d": (lambda n: n.MaxPool3d(2, stride=1, padding=1), [(1, 3, 4, 3, 2)]),
    "avg_pool3d": (lambda n: n.AvgPool3d((2, 3, 2), stride=(1, 2, 2), padding=(1, 0, 1)), [(2, 3, 6, 4, 2)]),
    "sinusoidal": (lambda n: n.SinusoidalPositionalEncoding(8), [(2, 5)]),
    "sinusoidal_options": (lambda n: n.SinusoidalPositionalEncoding(2, scale=1.0, cos_first=True, full_turns=True),
                           [(3,)]),
    "alibi": (lambda n: n.ALiBi(), [(2, 4, 5, 7)]),
    "prelu": (lambda n: n.PReLU(3, init=0.1), [(4, 3)]),
    "dropout_identity_eval": (lambda n: n.Dropout(0.5).eval(), [(3, 4)]),
    "dropout_p0": (lambda n: n.Dropout(0.0), [(3, 4)]),
    "mha": (lambda n: n.MultiHeadAttention(16, 4), [(2, 5, 16), (2, 7, 16), (2, 7, 16)]),
    "mha_dims": (
        lambda n: n.MultiHeadAttention(8, 2, query_input_dims=6, key_input_dims=5, value_input_dims=4, value_dims=10,
                                       value_output_dims=3, bias=True),
        [(2, 3, 6), (2, 4, 5), (2, 4, 4)],
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_matches_mlx(case):
    build, shapes = LAYER_CASES[case]
    check(build, *[rand(*s) for s in shapes])


def test_embedding_matches_mlx():
    idx = np.array([[1, 2, 9], [0, 0, 5]], dtype=np.int32)
    ours, _ = check(lambda n: n.Embedding(10, 8), idx)
    check(lambda n: n.Embedding(10, 8), rand(3, 8), call=lambda layer, x: layer.as_linear(x))
    check(lambda n: n.Embedding(10, 8), np.array(7, dtype=np.int32))  # a 0-d index gives one row
    assert tuple(ours.weight.shape) == (10, 8)


def test_layers_on_float16():
    for build in (lambda n: n.RMSNorm(8), lambda n: n.LayerNorm(8)):
        # float32 weights promote the float16 input.
        check(build, rand(3, 8, dtype=np.float16), rtol=1e-3, atol=1e-3)
    for build in (lambda n: n.Linear(8, 4), lambda n: n.RMSNorm(8), lambda n: n.LayerNorm(8)):

        def half(n, build=build):
            layer = build(n)
            layer.set_dtype(mx.float16 if n is nn else mlx_core.float16)
            return layer

        ours, out = check(half, rand(3, 8, dtype=np.float16), rtol=2e-3, atol=2e-3)
        assert dtype_name(out.dtype) == "float16"
        assert dtype_name(ours.weight.dtype) == "float16"


def test_half_precision_attention_and_rope():
    x = rand(2, 3, 8, dtype=np.float16)
    check(lambda n: n.MultiHeadAttention(8, 2), x, x, x, "causal", rtol=1e-3, atol=1e-3)
    # Positions past 2048 are not representable in float16: the angles are computed in float32.
    _, out = check(lambda n: n.RoPE(8), rand(1, 2, 300, 8, dtype=np.float16), rtol=3e-3, atol=3e-3, offset=2000)
    assert dtype_name(out.dtype) == "float16"
    check(lambda n: n.RoPE(8, traditional=True), rand(1, 2, 300, 8), rtol=1e-3, atol=1e-3, offset=2000)


def test_empty_and_integer_inputs():
    for build in (lambda n: n.Linear(8, 4), lambda n: n.LayerNorm(8), lambda n: n.RMSNorm(8), lambda n: n.GELU()):
        check(build, np.zeros((0, 8), np.float32))
    ints = np.arange(64, dtype=np.int32).reshape(1, 2, 4, 4, 2)
    for build in (lambda n: n.MaxPool3d(2), lambda n: n.AvgPool3d(2)):
        check(build, ints)
    for build in (lambda n: n.MaxPool2d(2), lambda n: n.AvgPool2d(2)):
        check(build, ints[:, 0])
    # A kernel larger than the input leaves no window: an empty result, as MLX.
    check(lambda n: n.MaxPool1d(5), np.ones((1, 3, 2), np.float32))
    check(lambda n: n.MaxPool3d(5), np.ones((1, 3, 3, 3, 2), np.float32))
    check(lambda n: n.AvgPool3d(4), np.ones((1, 3, 3, 3, 2), np.int32))
    check(lambda n: n.SinusoidalPositionalEncoding(8), np.arange(4, dtype=np.int32))
    check(lambda n: n.ReLU(), np.array(-2.0, np.float32))  # 0-d


def test_layers_on_views():
    x = rand(4, 6, 8)
    ours, theirs = nn.Linear(4, 3), mlx_nn.Linear(4, 3)
    sync(ours, theirs)
    a = ours(mx.swapaxes(mx.array(x), 0, 2)[::2])  # transposed, then strided
    b = theirs(mlx_core.swapaxes(mlx_core.array(x), 0, 2)[::2])
    assert_same(a, b)
    ln, mln = nn.LayerNorm(3), mlx_nn.LayerNorm(3)
    sync(ln, mln)
    assert_same(ln(mx.array(x)[:, 1:4, ::3]), mln(mlx_core.array(x)[:, 1:4, ::3]))


@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims", [8, 6])
@pytest.mark.parametrize("offset", [0, 5])
def test_rope_matches_mlx(traditional, dims, offset):
    x = rand(2, 3, 5, 8)
    check(lambda n: n.RoPE(dims, traditional=traditional), x, offset=offset)
    check(lambda n: n.RoPE(dims, traditional=traditional, base=500.0, scale=0.5), x, offset=offset)
    check(lambda n: n.RoPE(dims, traditional=traditional), rand(4, 7, dims), rtol=1e-4, atol=1e-4, offset=100)


def test_rope_errors():
    with pytest.raises(ValueError, match=r"\[rope\] Input must have at least 3 dimensions but got input with 2"):
        nn.RoPE(4)(mx.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"\[rope\] dims must be even but got 5"):
        nn.RoPE(5)(mx.zeros((1, 3, 6)))


@pytest.mark.parametrize("mask", ["none", "additive", "bool", "bool_4d", "causal"])
def test_multi_head_attention_masks(mask):
    q, kv = rand(2, 5, 16), rand(2, 7, 16)
    masks = {
        "none": None,
        "additive": rand(5, 7),
        "bool": RNG.random((5, 7)) > 0.3,
        "bool_4d": RNG.random((2, 4, 5, 7)) > 0.3,
        "causal": "causal",
    }
    check(lambda n: n.MultiHeadAttention(16, 4, bias=True), q, kv, kv, masks[mask])


def test_multi_head_attention_causal_mask_helper():
    ours = nn.MultiHeadAttention.create_additive_causal_mask(5)
    theirs = mlx_nn.MultiHeadAttention.create_additive_causal_mask(5)
    assert_same(ours, theirs, 0, 0)
    ours16 = nn.MultiHeadAttention.create_additive_causal_mask(3, mx.float16)
    assert_same(ours16, mlx_nn.MultiHeadAttention.create_additive_causal_mask(3, mlx_core.float16), 0, 0)
    x = rand(1, 5, 8)
    check(lambda n: n.MultiHeadAttention(8, 2), x, x, x, np.array(theirs))
    with pytest.raises(ValueError, match=r"\[MultiHeadAttention\] The input feature dimensions should be divisible"):
        nn.MultiHeadAttention(10, 3)


@pytest.mark.parametrize("norm_first", [True, False])
def test_transformer_layers_match_mlx(norm_first):
    x, mem = rand(2, 5, 8), rand(2, 4, 8)
    mask = np.array(mlx_nn.MultiHeadAttention.create_additive_causal_mask(5))
    check(lambda n: n.TransformerEncoderLayer(8, 2, mlp_dims=12, norm_first=norm_first), x, mask, rtol=1e-4,
          atol=1e-4)
    check(lambda n: n.TransformerEncoder(2, 8, 2, norm_first=norm_first, activation=n.gelu), x, mask, rtol=1e-4,
          atol=1e-4)
    check(lambda n: n.TransformerDecoder(2, 8, 2, norm_first=norm_first), x, mem, mask, None, rtol=1e-4,
          atol=1e-4)
    check(lambda n: n.Transformer(8, 2, 1, 1, 16, norm_first=norm_first), x, x, None, mask, None, rtol=1e-4,
          atol=1e-4)


def test_recurrent_layers_match_mlx():
    x, h, c = rand(2, 5, 4), rand(2, 6), rand(2, 6)
    check(lambda n: n.RNN(4, 6), x)
    check(lambda n: n.RNN(4, 6, bias=False, nonlinearity=n.relu), x, h)
    check(lambda n: n.RNN(4, 6), rand(5, 4), rand(6))  # unbatched
    check(lambda n: n.GRU(4, 6), x, rtol=1e-5, atol=1e-5)
    check(lambda n: n.GRU(4, 6), x, h, rtol=1e-5, atol=1e-5)
    check(lambda n: n.GRU(4, 6, bias=False), x, h, rtol=1e-5, atol=1e-5)
    for args in ((x,), (x, h), (x, h, c), (x, None, c)):
        ours, theirs, a, b = run_both(lambda n: n.LSTM(4, 6), *args)
        assert_same(a[0], b[0])
        assert_same(a[1], b[1])
    ours, _ = check(lambda n: n.LSTM(4, 6, bias=False), x, call=lambda layer, x: layer(x)[0])
    assert ours.bias is None and names(ours.parameters()) == ["Wh", "Wx"]
    assert repr(nn.GRU(4, 6)) == repr(mlx_nn.GRU(4, 6))
    with pytest.raises(ValueError, match=r"\[RNN\] Nonlinearity must be callable. Current value: 3"):
        nn.RNN(4, 6, nonlinearity=3)


UPSAMPLE_SHAPES = [(2, 5, 3), (1, 4, 6, 2), (1, 3, 4, 5, 2)]
UPSAMPLE_MODES = [("nearest", False, False), ("linear", False, False), ("linear", True, False),
                  ("linear", False, True), ("cubic", False, False), ("cubic", True, False), ("cubic", False, True)]


@pytest.mark.parametrize("shape", UPSAMPLE_SHAPES)
@pytest.mark.parametrize("mode,align_corners,antialias", UPSAMPLE_MODES)
def test_upsample_matches_mlx(shape, mode, align_corners, antialias):
    x = rand(*shape)
    d = len(shape) - 2
    for scale in (2, 3, 1.5, 0.5, 0.75, tuple([2.5, 1.0, 0.6][:d])):
        check(lambda n: n.Upsample(scale, mode, align_corners, antialias), x)


def test_upsample_errors_and_integers():
    check(lambda n: n.Upsample(2, "nearest"), np.arange(12, dtype=np.int32).reshape(1, 3, 2, 2))
    check(lambda n: n.Upsample(1.5, "linear"), np.arange(12, dtype=np.int32).reshape(1, 3, 2, 2))
    assert repr(nn.Upsample((2, 3), "cubic", antialias=True)) == repr(mlx_nn.Upsample((2, 3), "cubic", antialias=True))
    with pytest.raises(ValueError, match=r"\[Upsample\] Got unsupported upsampling algorithm: area"):
        nn.Upsample(2, "area")
    with pytest.raises(ValueError, match=r"\[Upsample\] Antialiasing is not supported for nearest neighbor"):
        nn.Upsample(2, "nearest", antialias=True)
    with pytest.raises(ValueError, match=r"\[Upsample\] antialias=True with align_corners=True is not supported"):
        nn.Upsample(2, "linear", align_corners=True, antialias=True)
    with pytest.raises(ValueError, match=r"\[Upsample\] The input should have at least 1 spatial dimension"):
        nn.Upsample(2)(mx.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[Upsample\] One scale per spatial dimension is required"):
        nn.Upsample((2, 2))(mx.zeros((1, 4, 3)))


# ---- activations ----

ACTIVATIONS = [
    "celu", "elu", "gelu", "gelu_approx", "gelu_fast_approx", "glu", "hard_shrink", "hard_tanh", "hardswish",
    "leaky_relu", "log_sigmoid", "log_softmax", "mish", "relu", "relu2", "relu6", "selu", "sigmoid", "silu",
    "softmax", "softmin", "softplus", "softshrink", "softsign", "step", "tanh",
]  # fmt: skip


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_functions_match_mlx(name):
    x = rand(3, 4, 6) * 4
    assert_same(getattr(nn, name)(mx.array(x)), getattr(mlx_nn, name)(mlx_core.array(x)), 1e-5, 1e-5)
    h = x.astype(np.float16)
    assert_same(getattr(nn, name)(mx.array(h)), getattr(mlx_nn, name)(mlx_core.array(h)), 2e-3, 2e-3)


def test_activation_function_arguments():
    x = rand(4, 6) * 3
    cases = [
        ("leaky_relu", (0.2,)), ("elu", (0.5,)), ("celu", (2.0,)), ("softshrink", (1.0,)), ("hard_shrink", (0.1,)),
        ("hard_tanh", (-0.5, 2.0)), ("step", (0.5,)), ("glu", (0,)), ("softmax", (0,)), ("log_softmax", (0,)),
        ("softmin", (0,)),
    ]  # fmt: skip
    for name, args in cases:
        assert_same(getattr(nn, name)(mx.array(x), *args), getattr(mlx_nn, name)(mlx_core.array(x), *args))
    alpha = rand(6)
    assert_same(nn.prelu(mx.array(x), mx.array(alpha)), mlx_nn.prelu(mlx_core.array(x), mlx_core.array(alpha)))
    big = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    assert_same(nn.log_softmax(mx.array(big)), mlx_nn.log_softmax(mlx_core.array(big)))


ACTIVATION_LAYERS = [
    ("CELU", ()), ("CELU", (0.5,)), ("ELU", ()), ("ELU", (2.0,)), ("GELU", ()), ("GELU", ("precise",)),
    ("GELU", ("tanh",)), ("GELU", ("fast",)), ("GLU", ()), ("GLU", (0,)), ("SELU", ()), ("HardShrink", ()),
    ("HardShrink", (1.0,)), ("Hardswish", ()), ("HardTanh", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.3,)),
    ("LogSigmoid", ()), ("LogSoftmax", ()), ("Mish", ()), ("PReLU", ()), ("ReLU", ()), ("ReLU2", ()),
    ("ReLU6", ()), ("Sigmoid", ()), ("SiLU", ()), ("Softmax", ()), ("Softmin", ()), ("Softplus", ()),
    ("Softshrink", ()), ("Softshrink", (1.0,)), ("Softsign", ()), ("Step", ()), ("Step", (0.5,)), ("Tanh", ()),
]  # fmt: skip


@pytest.mark.parametrize("name,args", ACTIVATION_LAYERS)
def test_activation_layers_match_mlx(name, args):
    ours, _ = check(lambda n: getattr(n, name)(*args), rand(4, 6) * 4)
    assert type(ours).__name__ == name
    assert repr(ours) == repr(getattr(mlx_nn, name)(*args))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match=r"\[GELU\] The approximation should be in .* but 'erf' was given"):
        nn.GELU("erf")


# ---- training-dependent layers ----


def test_batch_norm_training_updates_running_stats_as_mlx():
    x = rand(6, 4, 5) * 2 + 1
    ours, theirs = nn.BatchNorm(5, momentum=0.3), mlx_nn.BatchNorm(5, momentum=0.3)
    sync(ours, theirs)
    for _ in range(2):
        assert_same(ours(mx.array(x)), theirs(mlx_core.array(x)))
    assert_same(ours.running_mean, theirs.running_mean)
    assert_same(ours.running_var, theirs.running_var)
    # Running statistics follow numpy: unbiased variance, momentum 0.3, two steps from (0, 1).
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1), ddof=1)
    np.testing.assert_allclose(as_np(ours.running_mean), (1 - 0.7**2) * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(as_np(ours.running_var), 0.7**2 + (1 - 0.7**2) * var, rtol=1e-5)
    ours.eval()
    theirs.eval()
    y = rand(3, 5)
    out = ours(mx.array(y))
    assert_same(out, theirs(mlx_core.array(y)))
    expected = (y - as_np(ours.running_mean)) / np.sqrt(as_np(ours.running_var) + 1e-5)
    np.testing.assert_allclose(as_np(out), expected, rtol=1e-5, atol=1e-5)


def test_batch_norm_options_and_errors():
    x = rand(2, 3, 3, 4)
    check(lambda n: n.BatchNorm(4, affine=False), x)
    check(lambda n: n.BatchNorm(4, track_running_stats=False).eval(), x)
    bn = nn.BatchNorm(4)
    assert names(bn.parameters()) == ["bias", "running_mean", "running_var", "weight"]
    assert names(bn.trainable_parameters()) == ["bias", "weight"]
    bn.unfreeze()
    assert names(bn.trainable_parameters()) == ["bias", "weight"]
    with pytest.raises(ValueError, match=r"\[BatchNorm\] Expected input tensor to have 2, 3 or 4 dimensions, but got"):
        bn(mx.zeros((1, 1, 1, 1, 4)))
    with pytest.raises(ValueError, match=r"\[BatchNorm\] BatchNorm training requires more than one value per channel"):
        bn(mx.zeros((1, 4)))
    bn.eval()
    assert tuple(bn(mx.zeros((1, 4))).shape) == (1, 4)


def test_dropout_follows_training_mode():
    x = mx.ones((20000,))
    d = nn.Dropout(0.25)
    assert d.training
    y = np.array(d(x))
    assert set(np.unique(y).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert abs((y == 0).mean() - 0.25) < 0.02
    d.eval()
    assert not d.training and d(x) is x
    d.train()
    assert d.training

    d2 = nn.Dropout2d(0.5)
    y = np.array(d2(mx.ones((64, 3, 3, 8))))
    # One draw per sample and channel: each (sample, channel) is all zeros or all 2.
    per_channel = y.reshape(64, 9, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    d3 = nn.Dropout3d(0.5)
    y = np.array(d3(mx.ones((2, 2, 2, 4, 16))))
    per_channel = y.reshape(2, 16, 16)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}

    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.eval()
    assert all(not m.training for m in model.modules())
    x3 = mx.array(rand(2, 3))
    np.testing.assert_array_equal(np.array(model(x3)), np.array(model.layers[0](x3)))


def test_dropout_errors():
    for cls in (nn.Dropout, nn.Dropout2d, nn.Dropout3d):
        with pytest.raises(ValueError, match=rf"\[{cls.__name__}\] The dropout probability 1.0 is not in \[0, 1\)"):
            cls(1.0)
    with pytest.raises(ValueError, match=r"\[Dropout2d\] Received input with 2 dimensions. Expected 3 or 4"):
        nn.Dropout2d()(mx.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\[Dropout3d\] Received input with 3 dimensions. Expected 4 or 5"):
        nn.Dropout3d()(mx.zeros((2, 2, 2)))


# ---- constructor errors ----


def test_layer_constructor_errors():
    with pytest.raises(ValueError, match=r"\[LayerNorm\] 'eps' must be positive but got 0.0"):
        nn.LayerNorm(4, eps=0.0)
    with pytest.raises(ValueError, match=r"\[RMSNorm\] 'eps' must be positive"):
        nn.RMSNorm(4, eps=-1)
    with pytest.raises(ValueError, match=r"\[GroupNorm\] The number of features \(6\) must be evenly divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"\[GroupNorm\] The number of groups \(0\) must be a positive integer"):
        nn.GroupNorm(0, 6)
    with pytest.raises(ValueError, match=r"\[Conv2d\] The number of input channels \(3\) must be divisible"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"\[MaxPool2d\] 'kernel_size' must be an integer or a tuple containing 2"):
        nn.MaxPool2d((2, 2, 2))
    with pytest.raises(ValueError, match=r"\[AvgPool1d\] 'stride' must be positive but got \(0,\)"):
        nn.AvgPool1d(2, stride=0)
    with pytest.raises(ValueError, match=r"\[MaxPool1d\] 'padding' must be non-negative"):
        nn.MaxPool1d(2, padding=-1)
    with pytest.raises(ValueError, match=r"\[MaxPool2d\] Expected an input with 4 dimensions"):
        nn.MaxPool2d(2)(mx.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"\[InstanceNorm\] InstanceNorm expects inputs with at least 3 dimensions"):
        nn.InstanceNorm(4)(mx.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\[SinusoidalPositionalEncoding\] dims must be positive and even but got 3"):
        nn.SinusoidalPositionalEncoding(3)


# ---- initialization ----


def stats(a):
    v = as_np(a).astype(np.float64).ravel()
    return v, v.mean(), v.std()


def assert_uniform(a, k):
    v, mean, std = stats(a)
    assert v.min() >= -k and v.max() <= k
    assert abs(mean) < 5 * k / math.sqrt(3 * v.size)
    assert abs(std - k / math.sqrt(3)) < 0.05 * k / math.sqrt(3)


def assert_normal(a, mean, std):
    v, m, s = stats(a)
    assert abs(m - mean) < 5 * std / math.sqrt(v.size)
    assert abs(s - std) < 0.05 * std


def test_layer_initialization_follows_mlx():
    lin = nn.Linear(256, 128)
    assert tuple(lin.weight.shape) == (128, 256) and tuple(lin.bias.shape) == (128,)
    assert dtype_name(lin.weight.dtype) == "float32"
    assert_uniform(lin.weight, 1 / math.sqrt(256))
    v, _, _ = stats(lin.bias)
    assert np.abs(v).max() <= 1 / 16 and np.unique(v).size > 100
    assert "bias" not in nn.Linear(4, 4, bias=False)

    bil = nn.Bilinear(64, 32, 16)
    assert tuple(bil.weight.shape) == (16, 32, 64)
    assert_uniform(bil.weight, 1 / 8)

    emb = nn.Embedding(1000, 64)
    assert tuple(emb.weight.shape) == (1000, 64)
    assert_normal(emb.weight, 0.0, 1 / 8)

    conv = nn.Conv2d(8, 16, 3, groups=2)
    assert tuple(conv.weight.shape) == (16, 3, 3, 4)
    assert_uniform(conv.weight, 1 / math.sqrt(4 * 9))
    np.testing.assert_array_equal(as_np(conv.bias), np.zeros(16))
    conv1 = nn.Conv1d(16, 32, 5)
    assert tuple(conv1.weight.shape) == (32, 5, 16)
    assert_uniform(conv1.weight, 1 / math.sqrt(16 * 5))
    conv3 = nn.Conv3d(4, 8, (2, 3, 4))
    assert tuple(conv3.weight.shape) == (8, 2, 3, 4, 4)
    assert_uniform(conv3.weight, 1 / math.sqrt(4 * 24))
    convt = nn.ConvTranspose2d(8, 16, 3)
    assert tuple(convt.weight.shape) == (16, 3, 3, 8)
    assert_uniform(convt.weight, 1 / math.sqrt(8 * 9))

    ln = nn.LayerNorm(6)
    np.testing.assert_array_equal(as_np(ln.weight), np.ones(6))
    np.testing.assert_array_equal(as_np(ln.bias), np.zeros(6))
    np.testing.assert_array_equal(as_np(nn.RMSNorm(5).weight), np.ones(5))
    bn = nn.BatchNorm(3)
    np.testing.assert_array_equal(as_np(bn.running_mean), np.zeros(3))
    np.testing.assert_array_equal(as_np(bn.running_var), np.ones(3))
    np.testing.assert_array_equal(as_np(nn.PReLU(4).weight), np.full(4, 0.25, dtype=np.float32))

    mha = nn.MultiHeadAttention(64, 4)
    assert names(mha.parameters()) == ["key_proj.weight", "out_proj.weight", "query_proj.weight", "value_proj.weight"]
    assert_uniform(mha.query_proj.weight, 1 / 8)


def test_initialization_is_reproducible_with_seed():
    mx.random.seed(7)
    a = nn.Linear(5, 3)
    mx.random.seed(7)
    b = nn.Linear(5, 3)
    np.testing.assert_array_equal(as_np(a.weight), as_np(b.weight))
    np.testing.assert_array_equal(as_np(a.bias), as_np(b.bias))
    c = nn.Linear(5, 3)
    assert not np.array_equal(as_np(a.weight), as_np(c.weight))


INIT_CASES = {
    "linear": lambda n: n.Linear(16, 8),
    "bilinear": lambda n: n.Bilinear(4, 3, 5),
    "embedding": lambda n: n.Embedding(20, 8),
    "conv1d": lambda n: n.Conv1d(4, 6, 3, groups=2),
    "conv2d": lambda n: n.Conv2d(3, 4, (2, 3)),
    "conv3d": lambda n: n.Conv3d(2, 3, 2),
    "conv_transpose2d": lambda n: n.ConvTranspose2d(3, 4, 3),
    "mha": lambda n: n.MultiHeadAttention(8, 2, bias=True),
    "encoder_layer": lambda n: n.TransformerEncoderLayer(8, 2),
    "rnn": lambda n: n.RNN(3, 4),
    "gru": lambda n: n.GRU(3, 4),
    "lstm": lambda n: n.LSTM(3, 4),
    "quantized_linear": lambda n: n.QuantizedLinear(64, 4),
    "quantized_embedding": lambda n: n.QuantizedEmbedding(5, 64, bits=8),
}


@pytest.mark.parametrize("case", sorted(INIT_CASES))
def test_same_seed_initializes_as_mlx(case):
    # ingot.random reproduces MLX's generator, so with the same seed the parameters are MLX's own.
    mx.random.seed(11)
    ours = INIT_CASES[case](nn)
    mlx_core.random.seed(11)
    theirs = INIT_CASES[case](mlx_nn)
    assert flat_keys(ours.parameters()) == flat_keys(theirs.parameters(), mlx_flatten)
    for (_, a), (_, b) in zip(tree_flatten(ours.parameters()), mlx_flatten(theirs.parameters())):
        assert_same(a, b, 1e-6, 1e-6)


def test_same_seed_init_functions_as_mlx():
    a, b = mx.zeros((6, 3, 5)), mlx_core.zeros((6, 3, 5))
    cases = [
        ("uniform", (-1.0, 2.0), ()), ("normal", (1.0, 2.0), ()), ("glorot_normal", (), (0.5,)),
        ("glorot_uniform", (), ()), ("he_normal", (), ("fan_out",)), ("he_uniform", (), ("fan_in", 2.0)),
    ]  # fmt: skip
    for name, make_args, call_args in cases:
        mx.random.seed(3)
        ours = getattr(nn.init, name)(*make_args)(a, *call_args)
        mlx_core.random.seed(3)
        theirs = getattr(mlx_nn.init, name)(*make_args)(b, *call_args)
        assert_same(ours, theirs, 1e-6, 1e-6)
    for name, args, shape in (("sparse", (0.4, 1.0, 2.0), (7, 9)), ("orthogonal", (1.5,), (5, 8))):
        mx.random.seed(4)
        ours = getattr(nn.init, name)(*args)(mx.zeros(shape))
        mlx_core.random.seed(4)
        theirs = getattr(mlx_nn.init, name)(*args)(mlx_core.zeros(shape))
        assert_same(ours, theirs, 1e-5, 1e-5)


def test_same_seed_dropout_as_mlx():
    x = rand(4, 3, 3, 8)
    for name in ("Dropout", "Dropout2d"):
        mx.random.seed(5)
        ours = getattr(nn, name)(0.3)(mx.array(x))
        mlx_core.random.seed(5)
        theirs = getattr(mlx_nn, name)(0.3)(mlx_core.array(x))
        assert_same(ours, theirs)


def test_init_functions():
    init = nn.init
    a = mx.zeros((128, 256))
    np.testing.assert_array_equal(as_np(init.constant(0.5)(a)), np.full((128, 256), 0.5))
    assert dtype_name(init.constant(1, dtype=mx.float16)(a).dtype) == "float16"
    assert_normal(init.normal(mean=2.0, std=3.0)(a), 2.0, 3.0)
    assert dtype_name(init.normal(dtype=mx.float16)(a).dtype) == "float16"
    u = as_np(init.uniform(-2.0, 4.0)(a))
    assert u.min() >= -2.0 and u.max() < 4.0 and abs(u.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(as_np(init.identity()(mx.zeros((3, 3)))), np.eye(3))
    with pytest.raises(ValueError, match=r"\[identity\] The input array must be a square matrix but got shape \(2, 3"):
        init.identity()(mx.zeros((2, 3)))

    fan_in, fan_out = 256, 128
    assert_normal(init.glorot_normal()(a), 0.0, math.sqrt(2 / (fan_in + fan_out)))
    assert_normal(init.glorot_normal()(a, gain=2.0), 0.0, 2 * math.sqrt(2 / (fan_in + fan_out)))
    assert_uniform(init.glorot_uniform()(a), math.sqrt(6 / (fan_in + fan_out)))
    assert_uniform(init.glorot_uniform()(a, gain=0.5), 0.5 * math.sqrt(6 / (fan_in + fan_out)))
    assert_normal(init.he_normal()(a), 0.0, 1 / math.sqrt(fan_in))
    assert_normal(init.he_normal()(a, mode="fan_out", gain=3.0), 0.0, 3 / math.sqrt(fan_out))
    assert_uniform(init.he_uniform()(a), math.sqrt(3 / fan_in))
    assert_uniform(init.he_uniform()(a, mode="fan_out"), math.sqrt(3 / fan_out))
    # Convolution weights: fans include the receptive field (out, k, k, in).
    w = mx.zeros((32, 3, 3, 16))
    assert_normal(init.he_normal()(w), 0.0, 1 / math.sqrt(16 * 9))
    assert_uniform(init.glorot_uniform()(w), math.sqrt(6 / ((16 + 32) * 9)))
    with pytest.raises(ValueError, match=r"\[glorot_normal\] Glorot / He initialization requires at least 2"):
        init.glorot_normal()(mx.zeros((4,)))
    with pytest.raises(ValueError, match=r"\[he_uniform\] Invalid mode: fan_avg. Valid modes are: fan_in, fan_out"):
        init.he_uniform()(a, mode="fan_avg")

    s = as_np(init.sparse(0.25, std=2.0)(mx.zeros((50, 40))))
    assert np.all((s == 0).sum(axis=1) >= 10)
    assert ((s == 0).sum(axis=1) == 10).mean() > 0.9  # a normal sample is almost never exactly 0
    assert abs(s[s != 0].std() - 2.0) < 0.15
    with pytest.raises(ValueError, match=r"\[sparse\] Only tensors with 2 dimensions are supported"):
        init.sparse(0.5)(mx.zeros((2, 2, 2)))

    for shape in ((6, 10), (10, 6), (8, 8)):
        q = as_np(init.orthogonal(gain=2.0)(mx.zeros(shape))).astype(np.float64)
        gram = q @ q.T if shape[0] <= shape[1] else q.T @ q
        np.testing.assert_allclose(gram, 4 * np.eye(min(shape)), atol=1e-4)
    with pytest.raises(ValueError, match=r"\[orthogonal\] Orthogonal initialization requires a 2D array but got a 1D"):
        init.orthogonal()(mx.zeros((3,)))


# ---- the Module tree ----


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 8)
        self.layers = [nn.Linear(8, 8), nn.Linear(8, 4, bias=False)]
        self.norm = nn.LayerNorm(4)
        self.heads = {"a": nn.Linear(4, 2), "b": nn.Sequential(nn.ReLU(), nn.Linear(4, 3))}
        self.scale = mx.array(2.0)
        self._private = mx.array(1.0)
        self.name = "model"

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x) * self.scale
        return self.heads["a"](x)


class MlxModel(mlx_nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = mlx_nn.Embedding(10, 8)
        self.layers = [mlx_nn.Linear(8, 8), mlx_nn.Linear(8, 4, bias=False)]
        self.norm = mlx_nn.LayerNorm(4)
        self.heads = {"a": mlx_nn.Linear(4, 2), "b": mlx_nn.Sequential(mlx_nn.ReLU(), mlx_nn.Linear(4, 3))}
        self.scale = mlx_core.array(2.0)
        self._private = mlx_core.array(1.0)
        self.name = "model"

    __call__ = Model.__call__


def flat_keys(tree, flatten=tree_flatten):
    return [k for k, _ in flatten(tree)]


def test_module_tree_matches_mlx():
    ours, theirs = Model(), MlxModel()
    sync(ours, theirs)
    assert flat_keys(ours.parameters()) == flat_keys(theirs.parameters(), mlx_flatten)
    assert "_private" not in ours.parameters() and "name" not in ours and ours.name == "model"
    assert isinstance(ours, dict) and ours["scale"] is ours.scale
    assert flat_keys(ours.children(), lambda t: tree_flatten(t, is_leaf=nn.Module.is_module)) == flat_keys(
        theirs.children(), lambda t: mlx_flatten(t, is_leaf=mlx_nn.Module.is_module)
    )
    assert flat_keys(ours.leaf_modules(), lambda t: tree_flatten(t, is_leaf=nn.Module.is_module)) == [
        "embed", "layers.0", "layers.1", "norm", "heads.a", "heads.b.layers.0", "heads.b.layers.1"
    ]  # fmt: skip
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()][1:] == [type(m).__name__ for m in theirs.modules()][1:]
    assert repr(ours).replace("Model", "X") == repr(theirs).replace("MlxModel", "X")
    x = rand(3, 8)
    assert_same(ours(mx.array(x)), theirs(mlx_core.array(x)))
    assert ours.state is ours


def test_attributes_are_items():
    m = nn.Module()
    m.w = mx.zeros((2,))
    assert "w" in m and m.w is m["w"]
    m.w = 3  # a non-array value becomes a plain attribute and leaves the dict
    assert "w" not in m and m.w == 3
    m.w = [mx.ones((1,))]
    assert "w" in m and m.w[0] is m["w"][0]
    del m.w
    assert "w" not in m
    with pytest.raises(AttributeError):
        m.missing
    with pytest.raises(NotImplementedError, match=r"\[Module\] the module does not define __call__"):
        m(1)


def test_freeze_and_unfreeze():
    ours, theirs = Model(), MlxModel()
    for model in (ours, theirs):
        model.freeze()
    assert flat_keys(ours.trainable_parameters()) == []
    assert flat_keys(ours.trainable_parameters()) == flat_keys(theirs.trainable_parameters(), mlx_flatten)

    for model in (ours, theirs):
        model.unfreeze(keys="bias")
    assert flat_keys(ours.trainable_parameters()) == flat_keys(theirs.trainable_parameters(), mlx_flatten) == [
        "layers.0.bias", "norm.bias", "heads.a.bias", "heads.b.layers.1.bias"
    ]  # fmt: skip

    for model in (ours, theirs):
        model.unfreeze()
        model.freeze(keys=["weight"], recurse=True)
        model.heads["a"].unfreeze(recurse=False)
    assert flat_keys(ours.trainable_parameters()) == flat_keys(theirs.trainable_parameters(), mlx_flatten)
    assert "heads.a.weight" in flat_keys(ours.trainable_parameters())
    assert "layers.0.weight" not in flat_keys(ours.trainable_parameters())

    # recurse=False freezes the module's own arrays only.
    fresh = Model()
    fresh.freeze(recurse=False)
    assert flat_keys(fresh.trainable_parameters()) == [
        k for k in flat_keys(fresh.parameters()) if k != "scale"
    ]
    with pytest.raises(KeyError, match="Module doesn't contain member nope"):
        fresh.freeze(keys="nope", strict=True)
    with pytest.raises(KeyError, match="Module doesn't contain member nope"):
        fresh.unfreeze(keys=["bias", "nope"], strict=True)
    with pytest.raises(KeyError, match="Module doesn't contain member bias"):
        fresh.freeze(keys="bias", strict=True, recurse=False)
    fresh.freeze(keys="bias", strict=True)  # somewhere in the model is enough when recursing
    assert "layers.0.bias" not in flat_keys(fresh.trainable_parameters())


def test_update_and_apply():
    m = Model()
    new = mx.zeros((8, 8))
    assert m.update({"layers": [{"weight": new}]}) is m
    assert m.layers[0].weight is new
    m.update({"heads": {"b": {"layers": [{}, {"bias": mx.ones((3,))}]}}})
    np.testing.assert_array_equal(as_np(m.heads["b"].layers[1].bias), np.ones(3))
    with pytest.raises(ValueError, match=r'\[update\] Module does not have parameter named "nope"'):
        m.update({"nope": mx.zeros((1,))})
    with pytest.raises(ValueError, match=r"\[update\] Received invalid type: int"):
        m.update({"scale": 3})
    with pytest.raises(ValueError, match=r"\[update\] List index 2 is out of bounds for destination of length 2"):
        m.update({"layers": [{}, {}, {}]})
    # MLX raises KeyError here; ingot a ValueError (see "Differences from MLX" in docs/python.md).
    with pytest.raises(ValueError, match=r"\[update\] Received invalid type: list"):
        m.update({"norm": [1]})
    m.update({"nope": 1, "layers": [{}, {}, {}]}, strict=False)

    m.apply(lambda p: p.astype(mx.float16))
    assert all(dtype_name(p.dtype) == "float16" for _, p in tree_flatten(m.parameters()))
    assert dtype_name(m._private.dtype) == "float32"
    m.set_dtype(mx.float32)
    assert all(dtype_name(p.dtype) == "float32" for _, p in tree_flatten(m.parameters()))
    m.apply(lambda p: p * 0, filter_fn=lambda mod, k, v: k == "bias" or isinstance(v, (dict, list)))
    assert float(as_np(m.layers[0].bias).max()) == 0.0
    assert np.abs(as_np(m.heads["a"].weight)).max() > 0


def test_update_modules():
    m = Model()
    replacement = nn.Identity()
    m.update_modules({"layers": [{}, replacement], "heads": {"a": nn.Linear(4, 5)}})
    assert m.layers[1] is replacement and tuple(m.heads["a"].weight.shape) == (5, 4)
    with pytest.raises(ValueError, match=r'\[update_modules\] Module does not have sub-module named "nope"'):
        m.update_modules({"nope": nn.Identity()})
    with pytest.raises(ValueError, match=r"\[update_modules\] Received invalid type: int"):
        m.update_modules({"scale": 1})
    with pytest.raises(ValueError, match=r"\[update_modules\] Received invalid type: list"):  # MLX: KeyError
        m.update_modules({"norm": [nn.Identity()]})
    m.update_modules({"nope": nn.Identity(), "layers": [{}, {}, nn.Identity()]}, strict=False)
    assert "nope" not in m and len(m.layers) == 2


def test_load_weights_strict_checks():
    lin = nn.Linear(3, 2)
    w, b = mx.zeros((2, 3)), mx.ones((2,))
    assert lin.load_weights([("weight", w), ("bias", b)]) is lin
    assert lin.weight is w and lin.bias is b
    with pytest.raises(ValueError, match=r"\[load_weights\] Missing 1 parameters: \nbias\."):
        lin.load_weights([("weight", w)])
    with pytest.raises(ValueError, match=r"\[load_weights\] Received 2 parameters not in model: \nextra,\nzz\."):
        lin.load_weights([("weight", w), ("bias", b), ("zz", b), ("extra", b)])
    with pytest.raises(ValueError, match=r"\[load_weights\] Expected shape \(2, 3\) but received shape \(3, 2\) for "
                                         r"parameter weight"):
        lin.load_weights([("weight", mx.zeros((3, 2))), ("bias", b)])
    with pytest.raises(ValueError, match=r"\[load_weights\] Expected an array but received ndarray for parameter bias"):
        lin.load_weights([("weight", w), ("bias", np.ones(2))])
    # Not strict: only the given names are set, unchecked.
    w2 = mx.zeros((5, 5))
    lin.load_weights([("weight", w2), ("other", b)], strict=False)
    assert lin.weight is w2


def test_save_and_load_weights_round_trip(tmp_path):
    ours = Model()
    path = str(tmp_path / "model.safetensors")
    ours.save_weights(path)
    loaded = Model().load_weights(path)
    for (k, a), (k2, b) in zip(tree_flatten(ours.parameters()), tree_flatten(loaded.parameters())):
        assert k == k2
        np.testing.assert_array_equal(as_np(a), as_np(b))
    # The file is a plain safetensors file that MLX reads into its own model.
    theirs = MlxModel().load_weights(path)
    x = rand(2, 8)
    assert_same(ours(mx.array(x)), theirs(mlx_core.array(x)))

    npz = str(tmp_path / "model.npz")
    ours.save_weights(npz)
    again = Model().load_weights(npz)
    assert_same(again(mx.array(x)), theirs(mlx_core.array(x)))
    theirs_npz = MlxModel().load_weights(npz)
    assert_same(ours(mx.array(x)), theirs_npz(mlx_core.array(x)))

    with pytest.raises(ValueError, match=r"\[save_weights\] Unsupported file extension for .*model.bin"):
        ours.save_weights(str(tmp_path / "model.bin"))
    with pytest.raises(ValueError, match=r"\[load_weights\] Missing 1 parameters"):
        nn.Linear(8, 8).load_weights([("weight", mx.zeros((8, 8)))])


def test_load_weights_written_by_mlx(tmp_path):
    theirs = MlxModel()
    path = str(tmp_path / "mlx.safetensors")
    theirs.save_weights(path)  # MLX writes "__metadata__": null
    ours = Model().load_weights(path)
    x = rand(2, 8)
    assert_same(ours(mx.array(x)), theirs(mlx_core.array(x)))


def test_half_precision_weights_round_trip(tmp_path):
    lin = nn.Linear(4, 3)
    lin.set_dtype(mx.bfloat16)
    path = str(tmp_path / "bf16.safetensors")
    lin.save_weights(path)
    back = nn.Linear(4, 3).load_weights(path)
    assert dtype_name(back.weight.dtype) == "bfloat16"
    np.testing.assert_array_equal(as_np(back.weight), as_np(lin.weight))
    theirs = mlx_nn.Linear(4, 3).load_weights(path)
    assert dtype_name(theirs.weight.dtype) == "bfloat16"
    np.testing.assert_array_equal(as_np(theirs.weight), as_np(lin.weight))
    # .npz holds bfloat16 as 2-byte void, both ways.
    npz, mlx_npz = str(tmp_path / "bf16.npz"), str(tmp_path / "mlx_bf16.npz")
    lin.save_weights(npz)
    theirs.update(tree_map(lambda a: a * 2, theirs.parameters()))
    theirs.save_weights(mlx_npz)
    for src, ref in ((npz, lin.weight), (mlx_npz, theirs.weight)):
        back = nn.Linear(4, 3).load_weights(src)
        assert dtype_name(back.weight.dtype) == "bfloat16"
        np.testing.assert_array_equal(as_np(back.weight), as_np(ref))
    back = mlx_nn.Linear(4, 3).load_weights(npz)
    assert dtype_name(back.weight.dtype) == "bfloat16"
    np.testing.assert_array_equal(as_np(back.weight), as_np(lin.weight))


# ---- quantization ----


def build_qmodel(n):
    base = nn.Module if n is nn else mlx_nn.Module

    class Q(base):
        def __init__(self):
            super().__init__()
            self.embed = n.Embedding(16, 128)
            self.layers = [n.Linear(128, 128), n.Linear(128, 128, bias=False)]
            self.norm = n.RMSNorm(128)
            self.out = n.Linear(128, 32)

        def __call__(self, x):
            h = self.embed(x)
            for layer in self.layers:
                h = layer(h)
            return self.out(self.norm(h))

    return Q()


@pytest.mark.parametrize("group_size,bits,mode", [(64, 4, "affine"), (32, 8, "affine"), (128, 2, "affine"),
                                                (64, 3, "affine"), (32, 6, "affine"), (None, None, "mxfp4"),
                                                (32, 8, "mxfp8"), (None, None, "nvfp4")])
def test_quantize_matches_mlx(group_size, bits, mode):
    ours, theirs = build_qmodel(nn), build_qmodel(mlx_nn)
    sync(ours, theirs)
    nn.quantize(ours, group_size=group_size, bits=bits, mode=mode)
    mlx_nn.quantize(theirs, group_size=group_size, bits=bits, mode=mode)
    assert isinstance(ours.embed, nn.QuantizedEmbedding)
    assert all(isinstance(m, nn.QuantizedLinear) for m in (*ours.layers, ours.out))
    assert repr(ours).replace("Q(", "") == repr(theirs).replace("Q(", "")
    for (k, a), (k2, b) in zip(tree_flatten(ours.parameters()), mlx_flatten(theirs.parameters())):
        assert k == k2
        assert_same(a, b, 0, 0)  # bit-identical packing, scales and biases
    assert flat_keys(ours.trainable_parameters()) == flat_keys(theirs.trainable_parameters(), mlx_flatten)
    idx = np.array([[1, 5, 15], [0, 2, 2]], dtype=np.int32)
    a = ours.embed(mx.array(idx))
    assert_same(a, theirs.embed(mlx_core.array(idx)), 1e-6, 1e-6)
    x = rand(3, 128)
    assert_same(ours.layers[0](mx.array(x)), theirs.layers[0](mlx_core.array(x)), 1e-4, 1e-4)
    h = rand(2, 128)
    assert_same(ours.embed.as_linear(mx.array(h)), theirs.embed.as_linear(mlx_core.array(h)), 1e-4, 1e-4)
    # The floating-point modes' embeddings are bfloat16 (as MLX), whose products MLX sums in bfloat16.
    tol = 1e-4 if mode == "affine" else 5e-2
    assert_same(ours(mx.array(idx)), theirs(mlx_core.array(idx)), tol, tol)


def test_quantize_predicates_and_errors():
    ours, theirs = build_qmodel(nn), build_qmodel(mlx_nn)
    sync(ours, theirs)

    def predicate(path, m):
        if path == "out":
            return {"group_size": 32, "bits": 8}
        return path.startswith("layers") and hasattr(m, "to_quantized")

    nn.quantize(ours, class_predicate=predicate)
    mlx_nn.quantize(theirs, class_predicate=predicate)
    assert isinstance(ours.embed, nn.Embedding) and isinstance(ours.layers[1], nn.QuantizedLinear)
    assert (ours.out.group_size, ours.out.bits) == (32, 8)
    assert (ours.layers[0].group_size, ours.layers[0].bits) == (64, 4)
    assert repr(ours) == repr(theirs)
    idx = np.array([3, 4], dtype=np.int32)
    assert_same(ours(mx.array(idx)), theirs(mlx_core.array(idx)), 1e-4, 1e-4)

    with pytest.raises(ValueError, match=r"\[quantize\] Unable to quantize model of type .*RMSNorm"):
        nn.quantize(build_qmodel(nn), class_predicate=lambda p, m: True)
    with pytest.raises(ValueError, match=r"\[quantize\] class_predicate must return a bool or a dict"):
        nn.quantize(build_qmodel(nn), class_predicate=lambda p, m: "yes" if hasattr(m, "to_quantized") else False)
    with pytest.raises(ValueError, match=r"\[QuantizedEmbedding\] Invalid quantization mode 'fp4'. Valid modes are: "
                                         r"affine, mxfp4, nvfp4, mxfp8"):
        nn.quantize(build_qmodel(nn), mode="fp4")
    with pytest.raises(ValueError, match=r"\[QuantizedLinear\] Invalid quantization mode 'int4'"):
        nn.Linear(32, 4).to_quantized(mode="int4")
    with pytest.raises(ValueError, match=r"\[quantize\] mxfp4 quantization requires group size 32 but got 64"):
        nn.Linear(64, 4).to_quantized(group_size=64, mode="mxfp4")


def test_quantized_layers_constructed_directly():
    ql = nn.QuantizedLinear(128, 16, bits=8, group_size=32)
    assert tuple(ql.weight.shape) == (16, 32) and dtype_name(ql.weight.dtype) == "uint32"
    assert tuple(ql.scales.shape) == (16, 4) and tuple(ql.biases.shape) == (16, 4)
    np.testing.assert_array_equal(as_np(ql.bias), np.zeros(16))
    assert flat_keys(ql.trainable_parameters()) == []
    theirs = mlx_nn.QuantizedLinear(128, 16, bits=8, group_size=32)
    assert names(ql.parameters()) == names(theirs.parameters(), mlx_flatten)
    assert repr(ql) == repr(theirs)
    sync(ql, theirs)
    x = rand(2, 128)
    assert_same(ql(mx.array(x)), theirs(mlx_core.array(x)), 1e-4, 1e-4)
    qe = nn.QuantizedEmbedding(10, 64)
    assert tuple(qe.weight.shape) == (10, 8) and repr(qe) == repr(mlx_nn.QuantizedEmbedding(10, 64))
    # Dequantized weights stay close to the uniform / normal initial distributions.
    w = mx.dequantize(ql.weight, ql.scales, ql.biases, group_size=32, bits=8)
    assert np.abs(as_np(w)).max() <= 1 / math.sqrt(128) + 1e-2

    for mode in ("mxfp4", "mxfp8", "nvfp4"):
        ql, theirs = nn.QuantizedLinear(64, 8, mode=mode), mlx_nn.QuantizedLinear(64, 8, mode=mode)
        assert "biases" not in ql and ql.get("biases") is None and dtype_name(ql.scales.dtype) == "uint8"
        assert names(ql.parameters()) == names(theirs.parameters(), mlx_flatten) and repr(ql) == repr(theirs)
        sync(ql, theirs)
        x = rand(2, 64)
        assert_same(ql(mx.array(x)), theirs(mlx_core.array(x)), 1e-5, 1e-5)
        qe, theirs = nn.QuantizedEmbedding(10, 64, mode=mode), mlx_nn.QuantizedEmbedding(10, 64, mode=mode)
        assert repr(qe) == repr(theirs) and names(qe.parameters()) == names(theirs.parameters(), mlx_flatten)
        sync(qe, theirs)
        idx = np.array([[1, 9], [0, 0]], dtype=np.int32)
        assert_same(qe(mx.array(idx)), theirs(mlx_core.array(idx)), 0, 0)


# ---- losses ----

LOSS_CASES = [
    ("cross_entropy", lambda: (rand(4, 5), RNG.integers(0, 5, 4).astype(np.int32)), {}),
    ("cross_entropy", lambda: (rand(4, 5), RNG.integers(0, 5, 4).astype(np.int32)), {"label_smoothing": 0.2,
                                                                                     "reduction": "mean"}),
    ("cross_entropy", lambda: (rand(4, 5), np.abs(rand(4, 5))), {"reduction": "sum"}),
    ("cross_entropy", lambda: (rand(3, 4, 2), RNG.integers(0, 3, (4, 2)).astype(np.int32)), {"axis": 0}),
    ("cross_entropy", lambda: (rand(4, 5), RNG.integers(0, 5, 4).astype(np.int32), np.abs(rand(4))), {}),
    ("binary_cross_entropy", lambda: (rand(6), (RNG.random(6) > 0.5).astype(np.float32)), {}),
    ("binary_cross_entropy", lambda: (RNG.random(6).astype(np.float32) * 0.9 + 0.05,
                                      (RNG.random(6) > 0.5).astype(np.float32)), {"with_logits": False,
                                                                                  "reduction": "none"}),
    ("l1_loss", lambda: (rand(3, 4), rand(3, 4)), {}),
    ("l1_loss", lambda: (rand(3, 4), rand(3, 4)), {"reduction": "sum"}),
    ("mse_loss", lambda: (rand(3, 4), rand(3, 4)), {"reduction": "none"}),
    ("nll_loss", lambda: (rand(4, 5), RNG.integers(0, 5, 4).astype(np.int32)), {"reduction": "mean"}),
    ("gaussian_nll_loss", lambda: (rand(4), rand(4), np.abs(rand(4))), {"full": True}),
    ("kl_div_loss", lambda: (rand(4, 5), rand(4, 5)), {"reduction": "sum"}),
    ("smooth_l1_loss", lambda: (rand(8) * 2, rand(8)), {"beta": 0.5}),
    ("triplet_loss", lambda: (rand(4, 3), rand(4, 3), rand(4, 3)), {"p": 3, "margin": 0.5}),
    ("hinge_loss", lambda: (rand(6), np.sign(rand(6))), {}),
    ("huber_loss", lambda: (rand(6) * 3, rand(6)), {"delta": 0.7}),
    ("log_cosh_loss", lambda: (rand(6) * 3, rand(6)), {"reduction": "mean"}),
    ("cosine_similarity_loss", lambda: (rand(4, 5), rand(4, 5)), {}),
    ("margin_ranking_loss", lambda: (rand(5), rand(5), np.sign(rand(5))), {"margin": 0.1}),
]


@pytest.mark.parametrize("i", range(len(LOSS_CASES)))
def test_losses_match_mlx(i):
    name, make, kwargs = LOSS_CASES[i]
    args = make()
    ours = getattr(nn.losses, name)(*[mx.array(a) for a in args], **kwargs)
    theirs = getattr(mlx_nn.losses, name)(*[mlx_core.array(a) for a in args], **kwargs)
    assert_same(ours, theirs, 1e-5, 1e-5)


def test_loss_errors():
    a, b = mx.zeros((2, 3)), mx.zeros((3, 2))
    with pytest.raises(ValueError, match=r"Invalid reduction. Must be one of \('none', 'mean', 'sum'\)"):
        nn.losses.mse_loss(a, a, reduction="max")
    with pytest.raises(ValueError, match=r"Predictions shape \(2, 3\) does not match targets shape \(3, 2\)"):
        nn.losses.l1_loss(a, b)
    with pytest.raises(ValueError, match=r"Targets shape \(3,\) does not match logits shape \(2, 3\)"):
        nn.losses.cross_entropy(a, mx.zeros((3,), dtype=mx.int32))
    with pytest.raises(ValueError, match=r"Label smoothing must be in \[0, 1\), got 1.0"):
        nn.losses.cross_entropy(a, mx.zeros((2,), dtype=mx.int32), label_smoothing=1.0)
    with pytest.raises(ValueError, match=r"Weights with shape \(3,\) is not the same as output loss with shape \(2,\)"):
        nn.losses.cross_entropy(a, mx.zeros((2,), dtype=mx.int32), weights=mx.ones((3,)))


# ---- export ----


def test_export_a_model_directly(tmp_path):
    model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 4))
    model.eval()
    x = mx.array(rand(3, 8))
    path = str(tmp_path / "model.ingot")
    mx.export_function(path, model, x)
    imported = mx.import_function(path)
    np.testing.assert_allclose(as_np(imported(x)[0]), as_np(model(x)), rtol=1e-6, atol=1e-6)


def test_export_a_quantized_attention_model(tmp_path):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(32, 64)
            self.norm = nn.RMSNorm(64)
            self.attn = nn.MultiHeadAttention(64, 4)
            self.rope = nn.RoPE(16)
            self.out = nn.Linear(64, 32)

        def __call__(self, tokens):
            h = self.norm(self.embed(tokens))
            h = h + self.attn(h, h, h, mask="causal")
            q = self.rope(mx.reshape(h, (1, 4, -1, 16)), offset=3)
            return self.out(mx.reshape(q, (1, -1, 64)))

    model = Block()
    nn.quantize(model, group_size=32, bits=4)
    assert isinstance(model.attn.query_proj, nn.QuantizedLinear)
    tokens = mx.array(np.array([[1, 5, 7, 31]], dtype=np.int32))
    expected = as_np(model(tokens))
    path = str(tmp_path / "block.ingot")
    mx.export_function(path, model, tokens)
    got = mx.import_function(path)(tokens)[0]
    np.testing.assert_allclose(as_np(got), expected, rtol=1e-6, atol=1e-6)
