"""Transforms with respect to a model's parameters: ``nn.value_and_grad`` and ``nn.checkpoint``."""

import functools

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
