"""Loss functions, as ``mlx.nn.losses``. ``reduction`` is "none", "mean" or "sum"."""

import math

import ingot as mx

__all__ = [
    "cross_entropy", "binary_cross_entropy", "l1_loss", "mse_loss", "nll_loss", "gaussian_nll_loss",
    "kl_div_loss", "smooth_l1_loss", "triplet_loss", "hinge_loss", "huber_loss", "log_cosh_loss",
    "cosine_similarity_loss", "margin_ranking_loss",
]  # fmt: skip

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction. Must be one of {_REDUCTIONS}.")
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    return loss


def _same_shape(a, b, a_name, b_name):
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{a_name.capitalize()} shape {tuple(a.shape)} does not match {b_name} shape {tuple(b.shape)}."
        )


def _weigh(loss, weights):
    if weights is None:
        return loss
    if tuple(weights.shape) != tuple(loss.shape):
        raise ValueError(
            f"Weights with shape {tuple(weights.shape)} is not the same as output loss with shape "
            f"{tuple(loss.shape)}."
        )
    return loss * weights


def cross_entropy(logits, targets, weights=None, axis: int = -1, label_smoothing: float = 0.0,
                  reduction: str = "none"):
    """-log softmax(logits)[target] along ``axis``. ``targets`` are class indices (logits' shape without
    ``axis``) or probabilities (logits' shape). ``label_smoothing`` in [0, 1) mixes in the uniform
    distribution; ``weights`` multiplies the per-example losses."""
    if label_smoothing < 0 or label_smoothing >= 1:
        raise ValueError(f"Label smoothing must be in [0, 1), got {label_smoothing}.")
    as_probs = targets.ndim == logits.ndim
    expected = list(logits.shape)
    if not as_probs:
        expected.pop(axis)
    if tuple(targets.shape) != tuple(expected):
        raise ValueError(f"Targets shape {tuple(targets.shape)} does not match logits shape {tuple(logits.shape)}.")
    logits = logits - mx.stop_gradient(mx.max(logits, axis=axis, keepdims=True))
    if as_probs:
        score = mx.sum(logits * targets, axis=axis)
    else:
        score = mx.squeeze(mx.take_along_axis(logits, mx.expand_dims(targets, axis), axis), axis)
    lse = mx.logsumexp(logits, axis=axis)
    if label_smoothing > 0:
        loss = lse - (1 - label_smoothing) * score - mx.mean(logits, axis=axis) * label_smoothing
    else:
        loss = lse - score
    return _reduce(_weigh(loss, weights), reduction)


def binary_cross_entropy(inputs, targets, weights=None, with_logits: bool = True, reduction: str = "mean"):
    """-(t log p + (1 - t) log(1 - p)) with p = sigmoid(inputs) (``with_logits``) or p = inputs (logs clipped
    at -100)."""
    _same_shape(inputs, targets, "inputs", "targets")
    if with_logits:
        loss = mx.logaddexp(0.0, inputs) - inputs * targets
    else:
        log_p = mx.clip(mx.log(inputs), -100, None)
        log_not_p = mx.clip(mx.log(1 - inputs), -100, None)
        loss = -(targets * log_p + (1 - targets) * log_not_p)
    return _reduce(_weigh(loss, weights), reduction)


def l1_loss(predictions, targets, reduction: str = "mean"):
    """|predictions - targets|."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.abs(predictions - targets), reduction)


def mse_loss(predictions, targets, reduction: str = "mean"):
    """(predictions - targets)^2."""
    _same_shape(predictions, targets, "predictions", "targets")
    return _reduce(mx.square(predictions - targets), reduction)


def nll_loss(inputs, targets, axis: int = -1, reduction: str = "none"):
    """-inputs[target] along ``axis`` (inputs are log-probabilities)."""
    loss = -mx.squeeze(mx.take_along_axis(inputs, mx.expand_dims(targets, axis), axis), axis)
    return _reduce(loss, reduction)


def gaussian_nll_loss(inputs, targets, vars, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """0.5 (log var + (targets - inputs)^2 / var) with var clamped to ``eps``; ``full`` adds 0.5 log(2 pi)."""
    _same_shape(inputs, targets, "inputs", "targets")
    _same_shape(inputs, vars, "inputs", "vars")
    vars = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(vars) + mx.square(targets - inputs) / vars)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div_loss(inputs, targets, axis: int = -1, reduction: str = "none"):
    """sum(exp(targets) (targets - inputs)) along ``axis``; both are log-probabilities."""
    return _reduce(mx.sum(mx.exp(targets) * (targets - inputs), axis=axis), reduction)


def smooth_l1_loss(predictions, targets, beta: float = 1.0, reduction: str = "mean"):
    """0.5 d^2 / beta where d = |predictions - targets| < beta, d - 0.5 beta elsewhere."""
    _same_shape(predictions, targets, "predictions", "targets")
    diff = mx.abs(predictions - targets)
    loss = mx.where(diff < beta, 0.5 * mx.square(diff) / beta, diff - 0.5 * beta)
    return _reduce(loss, reduction)


def triplet_loss(anchors, positives, negatives, axis: int = -1, p: int = 2, margin: float = 1.0,
                 eps: float = 1e-6, reduction: str = "none"):
    """max(d(a, pos) - d(a, neg) + margin, 0) with d the p-norm distance along ``axis`` (eps inside the
    root)."""

    def distance(a, b):
        return mx.power(mx.sum(mx.power(mx.abs(a - b), p), axis=axis) + eps, 1.0 / p)

    loss = mx.maximum(distance(anchors, positives) - distance(anchors, negatives) + margin, 0)
    return _reduce(loss, reduction)


def hinge_loss(inputs, targets, reduction: str = "none"):
    """max(1 - inputs * targets, 0) (targets are -1 or 1)."""
    return _reduce(mx.maximum(1 - inputs * targets, 0), reduction)


def huber_loss(inputs, targets, delta: float = 1.0, reduction: str = "none"):
    """0.5 e^2 for |e| <= delta, delta (|e| - 0.5 delta) beyond, with e = inputs - targets."""
    errors = mx.abs(inputs - targets)
    quadratic = mx.minimum(errors, delta)
    loss = 0.5 * quadratic**2 + delta * (errors - quadratic)
    return _reduce(loss, reduction)


def log_cosh_loss(inputs, targets, reduction: str = "none"):
    """log(cosh(inputs - targets)), computed stably."""
    errors = inputs - targets
    return _reduce(mx.logaddexp(errors, -errors) - math.log(2), reduction)


def cosine_similarity_loss(x1, x2, axis: int = 1, eps: float = 1e-8, reduction: str = "none"):
    """x1 . x2 / max(|x1| |x2|, eps) along ``axis``."""
    norms = mx.linalg.norm(x1, axis=axis) * mx.linalg.norm(x2, axis=axis)
    loss = mx.sum(x1 * x2, axis=axis) / mx.maximum(norms, eps)
    return _reduce(loss, reduction)


def margin_ranking_loss(inputs1, inputs2, targets, margin: float = 0.0, reduction: str = "none"):
    """max(0, -targets * (inputs1 - inputs2) + margin) (targets are -1 or 1)."""
    if not (tuple(inputs1.shape) == tuple(inputs2.shape) == tuple(targets.shape)):
        raise ValueError(
            "The shapes of the arguments do not match. The provided shapes are "
            f"inputs1.shape={tuple(inputs1.shape)}, inputs2.shape={tuple(inputs2.shape)}, and "
            f"targets.shape={tuple(targets.shape)}."
        )
    return _reduce(mx.maximum(0, -targets * (inputs1 - inputs2) + margin), reduction)
