"""Op table rows for ingot.random: the same key gives MLX's numbers, so most rows compare with
mlx.core.random bit for bit (up to the last bit of transcendentals). test_random.py checks the
distributions against numpy and the global seed.
"""

import numpy as np

import ingot
from cases_elementwise import strided
from op_table import Case

KEY = np.array([0, 42], np.uint32)
KEY2 = np.array([123456789, 987654321], np.uint32)


def key_ref(seed):
    return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], np.uint32)


CASES = [
    # ---- key, seed, split, bits ----
    Case("random.key", (0,), ref=key_ref, id="key_0"),
    Case("random.key", (2**40 + 7,), ref=key_ref, id="key_high_bits"),
    Case("random.key", (2**64 - 1,), ref=key_ref, id="key_max"),
    Case("random.key", (-1,), raises=TypeError, match=r"key", id="key_negative"),
    Case("random.seed", (-1,), raises=TypeError, match=r"seed", id="seed_negative"),
    Case("random.seed", ("a",), raises=TypeError, match=r"seed", id="seed_str"),
    Case("random.split", (KEY,), id="split_two"),
    Case("random.split", (KEY2, 5), id="split_five"),
    Case("random.split", (KEY,), {"num": 1}, id="split_one"),
    Case("random.split", (np.zeros((3,), np.uint32),), raises=ValueError, match=r"key", id="split_bad_key"),
    # MLX keeps bits internal: ingot's are checked against its uniform in test_random.py.
    Case("random.bits", ((2, 3),), {"key": KEY}, mlx=False, dtype="uint32", id="bits_width4"),
    Case("random.bits", ((5,), 2), {"key": KEY}, mlx=False, dtype="uint16", id="bits_width2"),
    Case("random.bits", ((5,),), {"width": 1, "key": KEY}, mlx=False, dtype="uint8", id="bits_width1"),
    Case("random.bits", ((5,),), {"width": 3, "key": KEY}, raises=ValueError, match=r"\[bits\]", id="bits_bad_width"),
    # ---- uniform ----
    Case("random.uniform", (), {"key": KEY}, id="uniform_default"),
    Case("random.uniform", (), {"shape": (3, 4), "key": KEY}, id="uniform_shape"),
    Case("random.uniform", (-2.0, 5, (10,)), {"key": KEY2}, id="uniform_bounds"),
    Case("random.uniform", (np.array([0.0, 10.0], np.float32), np.array([[1.0], [2.0]], np.float32), (2, 2)),
         {"key": KEY}, id="uniform_array_bounds"),
    Case("random.uniform", (0, 1, (4,), ingot.float16), {"key": KEY}, id="uniform_float16"),
    Case("random.uniform", (), {"shape": [6], "dtype": ingot.bfloat16, "key": KEY2}, id="uniform_bfloat16"),
    Case("random.uniform", (0, 1, (0, 3)), {"key": KEY}, id="uniform_empty"),
    # Deliberate difference: float64 samples (24 random bits, like float32's); MLX refuses float64.
    Case("random.uniform", (0, 1, (4,), ingot.float64), {"key": KEY}, mlx=False, dtype="float64",
         note="float64 allowed", id="uniform_float64"),
    Case("random.uniform", (0, 1, (3,), ingot.int32), {"key": KEY}, raises=ValueError, match=r"\[uniform\].*floating",
         id="uniform_int_dtype"),
    Case("random.uniform", (np.zeros((3,), np.float32), 1, (2,)), {"key": KEY}, raises=ValueError,
         match=r"\[uniform\]", id="uniform_bounds_shape"),
    # ---- multivariate normal (standard normals times the SVD square root of cov, as MLX) ----
    Case("random.multivariate_normal", (np.array([1.0, -2.0], np.float32), np.array([[2.0, 0.3], [0.3, 0.5]], np.float32)),
         {"shape": (5,), "key": KEY}, rtol=1e-5, atol=1e-5, id="multivariate_normal"),
    Case("random.multivariate_normal", (np.zeros((3, 2), np.float32), np.eye(2, dtype=np.float32)),
         {"shape": (4, 3), "key": KEY2}, rtol=1e-5, atol=1e-5, id="multivariate_normal_batched_mean"),
    Case("random.multivariate_normal", (np.zeros((2,), np.float32), np.zeros((2, 3), np.float32)), {"key": KEY},
         raises=ValueError, match=r"\[multivariate_normal\] cov of shape", id="multivariate_normal_bad_cov"),
    # ---- normal ----
    Case("random.normal", (), {"key": KEY}, id="normal_default"),
    Case("random.normal", ((3, 4),), {"key": KEY2}, id="normal_shape"),
    Case("random.normal", ((5,), ingot.float16), {"key": KEY}, rtol=1e-3, id="normal_float16"),
    Case("random.normal", ((5,),), {"dtype": ingot.bfloat16, "key": KEY}, rtol=1e-2, id="normal_bfloat16"),
    Case("random.normal", ((4,),), {"loc": 3.0, "scale": 0.5, "key": KEY}, id="normal_loc_scale"),
    Case("random.normal", ((2, 3),), {"loc": np.array([0.0, 10.0, 20.0], np.float32), "scale": 2, "key": KEY},
         id="normal_array_loc"),
    Case("random.normal", ((4,), ingot.float64), {"key": KEY}, rtol=1e-6, id="normal_float64"),
    # Deliberate difference: float64 samples from the samplers built on uniform; MLX refuses them.
    Case("random.gumbel", ((4,), ingot.float64), {"key": KEY}, mlx=False, dtype="float64", note="float64 allowed",
         id="gumbel_float64"),
    Case("random.normal", ((3,), ingot.int32), {"key": KEY}, raises=ValueError, match=r"\[normal\].*floating",
         id="normal_int_dtype"),
    # ---- randint ----
    Case("random.randint", (0, 10, (8,)), {"key": KEY}, id="randint_basic"),
    Case("random.randint", (-5, 5, (2, 3), ingot.int8), {"key": KEY2}, id="randint_int8"),
    Case("random.randint", (0, 200), {"shape": (6,), "dtype": ingot.uint8, "key": KEY}, id="randint_uint8"),
    Case("random.randint", (np.array([0, 100], np.int32), 1000, (2,)), {"key": KEY}, id="randint_array_low"),
    Case("random.randint", (0, 10), {"key": KEY}, id="randint_0d"),
    Case("random.randint", (0, 10, (3,), ingot.float32), {"key": KEY}, raises=ValueError, match=r"\[randint\]",
         id="randint_float_dtype"),
    # ---- bernoulli ----
    Case("random.bernoulli", (), {"key": KEY}, id="bernoulli_default"),
    Case("random.bernoulli", (0.3, (10,)), {"key": KEY2}, id="bernoulli_p"),
    Case("random.bernoulli", (np.array([0.0, 0.5, 1.0], np.float32),), {"key": KEY}, id="bernoulli_array_p"),
    Case("random.bernoulli", (np.array([0.1, 0.9], np.float32), (3, 2)), {"key": KEY}, id="bernoulli_broadcast_p"),
    Case("random.bernoulli", (np.array([1, 0], np.int32),), {"key": KEY}, raises=ValueError,
         match=r"\[bernoulli\].*floating", id="bernoulli_int_p"),
    # ---- truncated_normal ----
    Case("random.truncated_normal", (-1.0, 1.0, (6,)), {"key": KEY}, id="truncated_normal_basic"),
    Case("random.truncated_normal", (np.array([-2.0, 0.0], np.float32), np.array([2.0, 3.0], np.float32)),
         {"key": KEY2}, id="truncated_normal_shape_from_bounds"),
    Case("random.truncated_normal", (0.0, 2.0, (4,), ingot.float16), {"key": KEY}, rtol=2e-3,
         id="truncated_normal_float16"),
    Case("random.truncated_normal", (-1, 1, (3,), ingot.int32), {"key": KEY}, raises=ValueError,
         match=r"\[truncated_normal\]", id="truncated_normal_int_dtype"),
    # ---- gumbel, laplace ----
    Case("random.gumbel", (), {"key": KEY}, id="gumbel_default"),
    Case("random.gumbel", ((3, 2),), {"key": KEY2}, id="gumbel_shape"),
    Case("random.gumbel", ((4,), ingot.bfloat16), {"key": KEY}, rtol=1e-2, id="gumbel_bfloat16"),
    Case("random.laplace", ((5,),), {"key": KEY}, id="laplace_default"),
    Case("random.laplace", ((5,), ingot.float32, 2.0, 0.5), {"key": KEY2}, id="laplace_loc_scale"),
    Case("random.laplace", ((5,),), {"dtype": ingot.float16, "key": KEY}, rtol=2e-3, id="laplace_float16"),
    Case("random.gumbel", ((3,), ingot.int8), {"key": KEY}, raises=ValueError, match=r"\[gumbel\]",
         id="gumbel_int_dtype"),
    # ---- categorical ----
    Case("random.categorical", (np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], np.float32)),),
         {"key": KEY}, dtype="uint32", id="categorical_rows"),
    Case("random.categorical", (np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]], np.float32), 0), {"key": KEY2},
         id="categorical_axis0"),
    Case("random.categorical", (np.array([0.0, 1.0, 2.0], np.float32),), {"num_samples": 7, "key": KEY},
         id="categorical_num_samples"),
    Case("random.categorical", (np.zeros((2, 3), np.float32),), {"num_samples": 4, "key": KEY},
         id="categorical_rows_num_samples"),
    Case("random.categorical", (np.zeros((2, 3), np.float32),), {"shape": (5, 2), "key": KEY},
         id="categorical_shape"),
    Case("random.categorical", (np.zeros((4, 6), np.float32),), {"key": KEY},
         transform=lambda lg: (strided(lg),), id="categorical_strided"),
    Case("random.categorical", (np.zeros((2, 3), np.float32),), {"shape": (2,), "num_samples": 2, "key": KEY},
         raises=ValueError, match=r"\[categorical\].*at most one", id="categorical_shape_and_num_samples"),
    Case("random.categorical", (np.array(1.0, np.float32),), {"key": KEY}, raises=ValueError,
         match=r"\[categorical\]", id="categorical_0d"),
    # ---- permutation ----
    Case("random.permutation", (10,), {"key": KEY}, id="permutation_int"),
    Case("random.permutation", (np.arange(12, dtype=np.int32).reshape(3, 4),), {"key": KEY2},
         id="permutation_array"),
    Case("random.permutation", (np.arange(12, dtype=np.float32).reshape(3, 4), 1), {"key": KEY},
         id="permutation_axis1"),
    Case("random.permutation", (0,), {"key": KEY}, id="permutation_empty"),
    Case("random.permutation", (-1,), {"key": KEY}, raises=ValueError, match=r"\[permutation\]",
         id="permutation_negative"),
    Case("random.permutation", (np.array(1.0, np.float32),), {"key": KEY}, raises=ValueError,
         match=r"\[permutation\].*scalar", id="permutation_0d"),
]
