"""Op table rows: the parts of complex64 arrays (real, imag, conjugate), and real inputs to them."""

import numpy as np

from op_table import Case, rand

Z = (rand((3, 4), seed=50) + 1j * rand((3, 4), seed=51)).astype(np.complex64)
R = rand((3, 4), seed=52)
CASES = []
for name, ref in (("real", np.real), ("imag", np.imag), ("conjugate", np.conjugate), ("conj", np.conj)):
    CASES += [
        Case(name, (Z,), ref=ref, id=f"{name}_complex64"),
        Case(name, (R,), ref=ref, id=f"{name}_float32"),
        Case(name, (Z[:, ::2],), ref=lambda z, ref=ref: ref(z), id=f"{name}_strided"),
    ]
