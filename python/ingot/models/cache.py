"""Key/value caches with mlx-lm's interface: ``update_and_fetch(keys, values)`` appends the new positions
(B, heads, L, head_dim) and returns everything cached so far; ``offset`` is the number of positions held.
"""

import ingot as mx


class KVCache:
    """A cache grown in steps of ``step`` positions and written in place with slice assignment, so that a
    decode step copies one position rather than the whole cache."""

    step = 256

    def __init__(self):
        self.keys = None
        self.values = None
        self.offset = 0

    def update_and_fetch(self, keys, values):
        prev = self.offset
        if self.keys is None or (prev + keys.shape[2]) > self.keys.shape[2]:
            B, n_kv_heads, _, k_head_dim = keys.shape
            v_head_dim = values.shape[3]
            n_steps = (self.step + keys.shape[2] - 1) // self.step
            k_shape = (B, n_kv_heads, n_steps * self.step, k_head_dim)
            v_shape = (B, n_kv_heads, n_steps * self.step, v_head_dim)
            new_k = mx.zeros(k_shape, keys.dtype)
            new_v = mx.zeros(v_shape, values.dtype)
            if self.keys is not None:
                if prev % self.step != 0:
                    self.keys = self.keys[..., :prev, :]
                    self.values = self.values[..., :prev, :]
                self.keys = mx.concatenate([self.keys, new_k], axis=2)
                self.values = mx.concatenate([self.values, new_v], axis=2)
            else:
                self.keys, self.values = new_k, new_v

        self.offset += keys.shape[2]
        self.keys[..., prev : self.offset, :] = keys
        self.values[..., prev : self.offset, :] = values
        return self.keys[..., : self.offset, :], self.values[..., : self.offset, :]

    @property
    def state(self):
        if self.keys is None or self.offset == self.keys.shape[2]:
            return self.keys, self.values
        return self.keys[..., : self.offset, :], self.values[..., : self.offset, :]

    @state.setter
    def state(self, v):
        self.keys, self.values = v
        self.offset = self.keys.shape[2]

    def is_trimmable(self):
        return True

    def trim(self, n):
        """Forgets the last ``n`` positions (at most all of them); returns how many were forgotten."""
        n = min(self.offset, n)
        self.offset -= n
        return n

    def empty(self):
        return self.keys is None


class ConcatenateKVCache:
    """The simplest cache: each update concatenates. Nothing in it depends on a size read in Python, so a
    model using it traces shapeless; ``offset`` may be an array (the position of the first new token,
    given at run time), which is how an exported decode step receives it."""

    def __init__(self, keys=None, values=None, offset=0):
        self.keys = keys
        self.values = values
        self.offset = offset

    def update_and_fetch(self, keys, values):
        if self.keys is None:
            self.keys, self.values = keys, values
        else:
            self.keys = mx.concatenate([self.keys, keys], axis=2)
            self.values = mx.concatenate([self.values, values], axis=2)
        self.offset = self.offset + keys.shape[2]
        return self.keys, self.values

    @property
    def state(self):
        return self.keys, self.values

    @state.setter
    def state(self, v):
        self.keys, self.values = v
        self.offset = self.keys.shape[2]

    def is_trimmable(self):
        return False

    def empty(self):
        return self.keys is None


def make_prompt_cache(model, max_kv_size=None):
    """One :class:`KVCache` per layer of ``model`` (``model.make_cache()`` where the model has one)."""
    if hasattr(model, "make_cache"):
        return model.make_cache()
    if max_kv_size is not None:
        raise ValueError(f"[make_prompt_cache] max_kv_size={max_kv_size}: rotating caches are not provided.")
    return [KVCache() for _ in range(len(model.layers))]
