"""Transforms with respect to a model's parameters: ``nn.value_and_grad`` and ``nn.checkpoint``."""

import functools

import ingot as _mx


def value_and_grad(model, fn):
    """A function returning ``(fn(*args, **kwargs), gradients)``, the gradients taken with respect to
    ``model``'s trainable parameters (a tree shaped as ``model.trainable_parameters()``)."""

    def with_parameters(params, *args, **kwargs):
        model.update(params)
        return fn(*args, **kwargs)

    vg = _mx.value_and_grad(with_parameters)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return vg(model.trainable_parameters(), *args, **kwargs)

    return run


def checkpoint(module, fn=None):
    """``fn`` (default: the module itself) recomputing its intermediates in the backward pass instead
    of keeping them, with the module's trainable parameters among the checkpointed inputs."""
    fn = module if fn is None else fn

    def with_parameters(params, *args, **kwargs):
        module.update(params)
        return fn(*args, **kwargs)

    checkpointed = _mx.checkpoint(with_parameters)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return checkpointed(module.trainable_parameters(), *args, **kwargs)

    return run
