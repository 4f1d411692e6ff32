"""The table of op cases: every public op of ingot is called here, checked against numpy and run
differentially against MLX (the same call in ``mlx.core``), by test_ops.py.

Rows live in ``cases_<area>.py`` modules next to this file, each exporting ``CASES`` (a list of
``Case``). Adding an op means adding rows; ``test_every_op_has_a_row`` fails for a public op without one.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

try:
    import ml_dtypes

    BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    BFLOAT16 = None


@dataclass
class Case:
    """One call. ``args`` and ``kwargs`` hold numpy arrays (converted to arrays of the same dtype for
    ingot and MLX) and plain Python values (passed as they are: scalars stay weak).

    ``ref`` computes the expected values from the numpy inputs (same positional order, numpy arrays;
    ``None`` to rely on MLX only). ``mlx``: also run ``mlx.core.<mlx_name or op>`` and require the same
    values, dtype and shape (False where ingot deliberately differs; say why in ``note`` and in
    docs/python.md). ``transform``: applied to the inputs of ingot's call only, e.g. to make them
    non-contiguous views. ``raises``: the call must raise this exception type with ``match`` in the
    message (no comparison then).
    """

    op: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    ref: Optional[Callable] = None
    mlx: bool = True
    mlx_name: Optional[str] = None
    rtol: float = 1e-5
    atol: float = 1e-6
    dtype: Optional[str] = None  # expected result dtype name, when numpy's would differ
    check_ref_dtype: bool = False  # compare the result dtype with the reference's numpy dtype
    transform: Optional[Callable] = None
    raises: Optional[type] = None
    match: Optional[str] = None
    note: str = ""
    id: str = ""

    def name(self):
        return self.id or self.op


def rand(shape, dtype="float32", low=-3.0, high=3.0, seed=0):
    """Deterministic test data of any supported numpy dtype (bfloat16 through ml_dtypes)."""
    rng = np.random.default_rng(seed + hash(tuple(shape)) % 1000)
    dt = BFLOAT16 if dtype == "bfloat16" else np.dtype(dtype)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if np.issubdtype(dt, np.integer):
        lo = max(int(low), np.iinfo(dt).min)
        hi = min(int(high), np.iinfo(dt).max)
        return rng.integers(lo, hi + 1, size=shape).astype(dt)
    return rng.uniform(low, high, size=shape).astype(dt)


FLOATS = ["float32", "float16", "bfloat16", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ALL_DTYPES = ["bool"] + INTS + FLOATS
