"""Transforms with respect to a model's parameters (``nn.value_and_grad``, ``nn.checkpoint``) and
``nn.average_gradients`` for data-parallel training."""

import functools
import itertools

import ingot as _mx


def _over_parameters(transform, module, fn):
    """``transform`` applied to fn as a function of the module's trainable parameters (then fn's own
    arguments), called with the module's current ones."""

    def with_parameters(params, *args, **kwargs):
        module.update(params)
        return fn(*args, **kwargs)

    transformed = transform(with_parameters)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return transformed(module.trainable_parameters(), *args, **kwargs)

    return run


def value_and_grad(model, fn):
    """A function returning ``(fn(*args, **kwargs), gradients)``, the gradients taken with respect to
    ``model``'s trainable parameters (a tree shaped as ``model.trainable_parameters()``)."""
    return _over_parameters(_mx.value_and_grad, model, fn)


def checkpoint(module, fn=None):
    """``fn`` (default: the module itself) recomputing its intermediates in the backward pass instead
    of keeping them, with the module's trainable parameters among the checkpointed inputs."""
    return _over_parameters(_mx.checkpoint, module, module if fn is None else fn)


def average_gradients(gradients, group=None, all_reduce_size: int = 32 * 1024**2, communication_stream=None):
    """The mean of a tree of gradients over the processes of ``group`` (the global group when None); the
    tree itself on one process. Arrays of one dtype travel together, flattened into batches of at least
    ``all_reduce_size`` bytes (one ``all_sum`` each); with ``all_reduce_size <= 0`` each travels alone."""
    from ingot.utils import tree_flatten, tree_map, tree_unflatten

    group = group or _mx.distributed.init()
    n = group.size()
    if n == 1:
        return gradients

    def mean(x):
        return _mx.distributed.all_sum(x, group=group, stream=communication_stream) / n

    flat = tree_flatten(gradients)
    if all_reduce_size <= 0 or not flat or len({g.dtype for _, g in flat}) > 1:
        return tree_map(mean, gradients)
    out, batch, nbytes = [], [], 0
    for i, (key, g) in enumerate(flat):
        batch.append((key, g))
        nbytes += g.size * g.dtype.size
        if nbytes >= all_reduce_size or i == len(flat) - 1:
            cuts = list(itertools.accumulate(g.size for _, g in batch))[:-1]
            parts = _mx.split(mean(_mx.concatenate([g.reshape(-1) for _, g in batch])), cuts)
            out += [(k, p.reshape(g.shape)) for (k, g), p in zip(batch, parts)]
            batch, nbytes = [], 0
    return tree_unflatten(out)
