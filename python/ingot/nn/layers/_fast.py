"""The fused operations MLX's layers call from ``mlx.core.fast`` (layer_norm, rms_norm, rope, attention),
composed here from ingot ops with the same numerics as MLX's reference (fallback) graphs."""

import math

import ingot as mx

# Lowest finite values, for boolean attention masks (MLX fills masked scores with finfo(dtype).min).
_LOWEST = {"float32": -3.4028234663852886e38, "float16": -65504.0, "bfloat16": -3.3895313892515355e38,
           "float64": -1.7976931348623157e308}


def lowest(dtype):
    """The most negative finite value of a floating dtype."""
    name = str(dtype).rsplit(".", 1)[-1]
    if name not in _LOWEST:
        raise ValueError(f"[lowest] {dtype} is not a floating point type.")
    return _LOWEST[name]


def result_dtype(*arrays):
    """The dtype an elementwise op over ``arrays`` gives (MLX's promotion)."""
    if hasattr(mx, "result_type"):
        return mx.result_type(*arrays)
    out = mx.zeros((0,), arrays[0].dtype)
    for a in arrays[1:]:
        out = out + mx.zeros((0,), a.dtype)
    return out.dtype


def layer_norm(x, weight, bias, eps):
    """(x - mean) / sqrt(var + eps) over the last axis, computed in float32, cast to the promoted dtype of
    x, weight and bias, then scaled by ``weight`` and shifted by ``bias`` (either may be None)."""
    out_type = result_dtype(*[a for a in (x, weight, bias) if a is not None])
    xf = x.astype(mx.float32)
    centered = xf - mx.mean(xf, axis=-1, keepdims=True)
    var = mx.mean(mx.square(centered), axis=-1, keepdims=True)
    y = (centered * mx.rsqrt(var + mx.array(eps, dtype=mx.float32))).astype(out_type)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(x, weight, eps):
    """x / sqrt(mean(x^2) + eps) over the last axis, computed in float32, cast to the promoted dtype of x and
    weight, times ``weight`` (None: no scaling)."""
    out_type = result_dtype(x, weight) if weight is not None else x.dtype
    xf = x.astype(mx.float32)
    y = xf * mx.rsqrt(mx.mean(mx.square(xf), axis=-1, keepdims=True) + mx.array(eps, dtype=mx.float32))
    y = y.astype(out_type)
    return y * weight if weight is not None else y


def rope(x, dims, *, traditional, base, scale, offset):
    """Rotary position embedding of the first ``dims`` features of x (..., L, D), position p = (offset + i) *
    scale for row i along axis -2, frequencies base^(-2j / dims). ``traditional`` rotates adjacent pairs
    (2j, 2j + 1), otherwise the halves (j, j + dims / 2)."""
    if x.ndim < 3:
        raise ValueError(f"[rope] Input must have at least 3 dimensions but got input with {x.ndim} dimensions.")
    if dims % 2 != 0:
        raise ValueError(f"[rope] dims must be even but got {dims}.")
    shape = tuple(x.shape)
    length, features = shape[-2], shape[-1]
    half = dims // 2
    # Angles and the rotation in float32 whatever x's dtype (as MLX: half-precision positions past 2048
    # would be off by whole units), the result cast back to x's dtype.
    f32 = mx.float32
    positions = (mx.arange(length, dtype=f32) + offset) * mx.array(scale, dtype=f32)
    inv_freqs = mx.exp(mx.arange(0, -half, -1, dtype=f32) * mx.array(math.log(base) / half, dtype=f32))
    theta = mx.expand_dims(positions, 1) * mx.expand_dims(inv_freqs, 0)
    cos, sin = mx.cos(theta), mx.sin(theta)
    if traditional:
        x1 = x[..., 0:dims:2]
        x2 = x[..., 1:dims:2]
    else:
        x1 = x[..., :half]
        x2 = x[..., half:dims]
    r1 = (x1 * cos - x2 * sin).astype(x.dtype)
    r2 = (x1 * sin + x2 * cos).astype(x.dtype)
    if traditional:
        rotated = mx.reshape(mx.stack([r1, r2], axis=-1), (*shape[:-1], dims))
    else:
        rotated = mx.concatenate([r1, r2], axis=-1)
    if dims < features:
        rotated = mx.concatenate([rotated, x[..., dims:]], axis=-1)
    return rotated


def scaled_dot_product_attention(q, k, v, *, scale, mask=None):
    """softmax(scale * q @ k^T + mask) @ v over (B, heads, T, D) inputs; k and v may have fewer heads
    (grouped-query attention). ``mask``: None, "causal" (the last query sees every key), a boolean array
    (False masks) or an additive array, broadcasting against (B, heads, T_q, T_kv)."""
    n_q, n_kv = q.shape[-3], k.shape[-3]
    t_q, t_kv = q.shape[-2], k.shape[-2]
    q = q * mx.array(scale, dtype=q.dtype)
    grouped = n_q != n_kv
    if grouped:
        if n_q % n_kv != 0:
            raise ValueError(
                f"[scaled_dot_product_attention] The number of query heads ({n_q}) must be a multiple of the "
                f"number of key/value heads ({n_kv})."
            )
        q = mx.unflatten(q, -3, (n_kv, n_q // n_kv))
        k = mx.expand_dims(k, -3)
        v = mx.expand_dims(v, -3)
    scores = q @ mx.swapaxes(k, -1, -2)
    if mask is not None:
        if isinstance(mask, str):
            if mask != "causal":
                raise ValueError(
                    f"[scaled_dot_product_attention] Invalid mask type '{mask}'; use 'causal' or an array."
                )
            mask = mx.expand_dims(mx.arange(t_q), 1) + (t_kv - t_q) >= mx.expand_dims(mx.arange(t_kv), 0)
        if grouped and mask.ndim >= 3:
            mask = mx.expand_dims(mask, -3) if mask.shape[-3] == 1 else mx.unflatten(mask, -3, (n_kv, n_q // n_kv))
        if mask.dtype == mx.bool_:
            scores = mx.where(mask, scores, mx.array(lowest(scores.dtype), dtype=scores.dtype))
        else:
            scores = scores + mask
    probs = mx.softmax(scores, axis=-1, precise=True)
    out = probs @ v
    if grouped:
        out = mx.flatten(out, -4, -3)
    return out
