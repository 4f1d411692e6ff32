"""ingot.linalg beyond the op table: MLX's results compared where they are only defined up to sign, the
factorizations' defining identities, derivatives against finite differences, vmap, and export."""

import mlx.core as mx
import numpy as np
import pytest

import ingot

RNG = np.random.default_rng(5)


def spd(n, batch=(), dtype=np.float32):
    a = RNG.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def up_to_sign(v, axis):
    """Columns (axis=-2 sums down them) or rows flipped so their largest entry is positive."""
    idx = np.argmax(np.abs(v), axis=axis)
    pick = np.take_along_axis(v, np.expand_dims(idx, axis), axis)
    return v * np.sign(pick)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (2, 3, 6)])
def test_svd_matches_mlx_up_to_sign(shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    u, s, vt = (np.array(x) for x in ingot.linalg.svd(ingot.array(a)))
    mu, ms, mvt = (np.array(x) for x in mx.linalg.svd(mx.array(a), stream=mx.cpu))
    k = min(shape[-2:])
    np.testing.assert_allclose(s, ms, rtol=1e-5, atol=1e-6)
    # the first k singular vectors are unique up to sign (distinct singular values)
    np.testing.assert_allclose(up_to_sign(u[..., :k], -2), up_to_sign(mu[..., :k], -2), atol=2e-5)
    np.testing.assert_allclose(up_to_sign(vt[..., :k, :], -1), up_to_sign(mvt[..., :k, :], -1), atol=2e-5)
    # A = U[:, :k] diag(S) Vt[:k], and U, Vt orthogonal
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vt[..., :k, :], a, atol=2e-5)
    np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(shape[-2]), u.shape), atol=2e-6)
    np.testing.assert_allclose(vt @ np.swapaxes(vt, -1, -2), np.broadcast_to(np.eye(shape[-1]), vt.shape), atol=2e-6)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_mlx_up_to_sign(uplo):
    a = spd(5, (3,))
    w, v = (np.array(x) for x in ingot.linalg.eigh(ingot.array(a), uplo))
    mw, mv = (np.array(x) for x in mx.linalg.eigh(mx.array(a), uplo, stream=mx.cpu))
    np.testing.assert_allclose(w, mw, rtol=1e-5)
    np.testing.assert_allclose(up_to_sign(v, -2), up_to_sign(mv, -2), atol=2e-5)
    np.testing.assert_allclose(a @ v, v * w[..., None, :], rtol=1e-4, atol=1e-4)
    assert np.all(np.diff(w, axis=-1) > 0)


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (2, 5, 5)])
def test_lu_reconstructs_and_matches_mlx(shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    p, l, u = (np.array(x) for x in ingot.linalg.lu(ingot.array(a)))
    assert p.dtype == np.uint32
    np.testing.assert_allclose(np.take_along_axis(l, p[..., None].astype(np.int64), -2) @ u, a, atol=1e-5)
    assert np.allclose(np.tril(l, -1) + np.eye(*l.shape[-2:]), l) and np.allclose(np.triu(u), u)
    lu, piv = (np.array(x) for x in ingot.linalg.lu_factor(ingot.array(a)))
    mlu, mpiv = (np.array(x) for x in mx.linalg.lu_factor(mx.array(a), stream=mx.cpu))
    np.testing.assert_array_equal(piv, mpiv)
    np.testing.assert_allclose(lu, mlu, rtol=1e-5, atol=1e-6)


def test_qr_identities():
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        a = RNG.standard_normal(shape)
        q, r = (np.array(x) for x in ingot.linalg.qr(ingot.array(a, dtype=ingot.float64)))
        k = min(shape[-2:])
        np.testing.assert_allclose(q @ r, a, atol=1e-12)
        np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)),
                                   atol=1e-12)
        np.testing.assert_array_equal(np.triu(r), r)


def finite_difference_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


GRAD_CASES = {
    "inv": lambda la, a: la.inv(a).sum() if la is ingot.linalg else np.linalg.inv(a).sum(),
    "det": lambda la, a: la.det(a) if la is ingot.linalg else np.linalg.det(a),
    "slogdet": lambda la, a: la.slogdet(a)[1] if la is ingot.linalg else np.linalg.slogdet(a)[1],
    "solve": lambda la, a: (la.solve(a, ingot.array(B, dtype=ingot.float64)) if la is ingot.linalg
                            else np.linalg.solve(a, B)).sum(),
    "cholesky": lambda la, a: (la.cholesky(a @ a.T) if la is ingot.linalg else np.linalg.cholesky(a @ a.T))[2, 1],
    "eigvalsh": lambda la, a: (la.eigvalsh(a + a.T) if la is ingot.linalg else np.linalg.eigvalsh(a + a.T))[-1],
    "eigh_vectors": lambda la, a: abs((la.eigh(a @ a.T)[1] if la is ingot.linalg else np.linalg.eigh(a @ a.T)[1])[:, 0]).sum(),
    "svd_values": lambda la, a: (la.svd(a, False) if la is ingot.linalg else np.linalg.svd(a, compute_uv=False))[0],
}
B = RNG.standard_normal((4, 2))


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_match_finite_differences(name):
    f = GRAD_CASES[name]
    a = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    g = np.array(ingot.grad(lambda x: f(ingot.linalg, x))(ingot.array(a, dtype=ingot.float64)))
    want = finite_difference_grad(lambda x: f(None, x), a)
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-7)


def test_qr_and_singular_vectors_refuse_derivatives():
    a = ingot.array(RNG.standard_normal((3, 3)).astype(np.float32))
    with pytest.raises(ValueError, match=r"\[vjp\] primitive QRF has no vjp"):
        ingot.grad(lambda x: ingot.linalg.qr(x)[0].sum())(a)
    with pytest.raises(ValueError, match=r"\[vjp\] primitive SVD has a vjp for the singular values only"):
        ingot.grad(lambda x: ingot.linalg.svd(x)[0].sum())(a)


def test_vmap_equals_the_batched_call():
    a = spd(3, (4,))
    for fn in (ingot.linalg.inv, ingot.linalg.cholesky, lambda x: ingot.linalg.eigh(x)[1], ingot.linalg.det):
        want = np.array(fn(ingot.array(a)))
        got = np.array(ingot.vmap(fn, in_axes=1, out_axes=0)(ingot.array(np.swapaxes(a, 0, 1))))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_export_round_trip_and_shapeless(tmp_path):
    def f(a, b):
        w, v = ingot.linalg.eigh(a @ ingot.swapaxes(a, -1, -2))
        u, s, vt = ingot.linalg.svd(a)
        q, r = ingot.linalg.qr(a)
        return (ingot.linalg.solve(a, b), ingot.linalg.inv(a), ingot.linalg.cholesky(a @ ingot.swapaxes(a, -1, -2)), w,
                s, r, ingot.linalg.lu(a)[1], ingot.linalg.norm(a, "nuc"))

    path = str(tmp_path / "la.ingot")
    a = RNG.standard_normal((4, 4)).astype(np.float32) + 3 * np.eye(4, dtype=np.float32)
    b = RNG.standard_normal((4, 2)).astype(np.float32)
    ingot.export_function(path, f, ingot.array(a), ingot.array(b), shapeless=True)
    g = ingot.import_function(path)
    for n in (4, 6):
        a = RNG.standard_normal((n, n)).astype(np.float32) + 3 * np.eye(n, dtype=np.float32)
        b = RNG.standard_normal((n, 2)).astype(np.float32)
        want = f(ingot.array(a), ingot.array(b))
        got = g(ingot.array(a), ingot.array(b))
        for x, y in zip(got, want):
            np.testing.assert_array_equal(np.array(x), np.array(y))


def test_errors_raise_when_evaluated_inside_a_graph():
    # a singular matrix is data: the error comes when the result is computed, naming the function
    x = ingot.linalg.solve(ingot.array([[1.0, 2.0], [2.0, 4.0]]), ingot.array([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"\[linalg::tri_inv\] the matrix is singular"):
        ingot.eval(x)


def _phase_free(v):
    """Each column of complex eigenvectors turned so its largest component is real and positive."""
    idx = np.argmax(np.abs(v), axis=-2)
    pick = np.take_along_axis(v, idx[..., None, :], -2)
    return v * (np.abs(pick) / pick)


def _matched(w, mw, mv=None):
    """Another library's eigenvalues (and vectors) reordered to pair each of ours with the nearest of theirs."""
    w, mw = np.asarray(w).reshape(-1, w.shape[-1]), np.asarray(mw).reshape(-1, w.shape[-1])
    order = np.zeros(w.shape, np.int64)
    for b in range(w.shape[0]):
        free = list(range(w.shape[1]))
        for i in range(w.shape[1]):
            j = min(free, key=lambda k: abs(mw[b, k] - w[b, i]))
            order[b, i] = j
            free.remove(j)
    shape = mv.shape[:-1] if mv is not None else None
    vals = np.take_along_axis(mw, order, -1)
    if mv is None:
        return vals
    order = order.reshape(shape[:-1] + (1, -1))
    return vals, np.take_along_axis(mv, np.broadcast_to(order, mv.shape), -1)


@pytest.mark.parametrize("a", [
    np.array([[1.0, 1.0], [3.0, 4.0]], np.float32),
    np.array([[1.0, -1.0], [1.0, 1.0]], np.float32),  # complex eigenvalues of a real matrix
    RNG.standard_normal((5, 5)).astype(np.float32),
    RNG.standard_normal((3, 6, 6)).astype(np.float32),
    RNG.standard_normal((4, 4)),
    (RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))).astype(np.complex64),
], ids=["real", "complex_pair", "random", "batched", "float64", "complex64"])
def test_eig_matches_numpy_and_mlx(a):
    w, v = ingot.linalg.eig(ingot.array(a))
    assert w.dtype == ingot.complex64 and v.dtype == ingot.complex64
    w, v = np.array(w), np.array(v)
    # The same LAPACK routine as numpy, but numpy's wheel carries its own LAPACK build, which may order them
    # otherwise: each of ours against the nearest of numpy's, vectors compared up to phase.
    nw, nv = _matched(w, *np.linalg.eig(a))
    np.testing.assert_allclose(nw.reshape(w.shape), w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_phase_free(v), _phase_free(nv), atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, rtol=1e-5)
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-4 * max(1, np.abs(a).max()))
    np.testing.assert_allclose(np.array(ingot.linalg.eigvals(ingot.array(a))), w, rtol=1e-6, atol=1e-6)
    # MLX's too.
    mw, mv = (np.array(x) for x in mx.linalg.eig(mx.array(a), stream=mx.cpu))
    smw, smv = _matched(w, mw, mv)
    np.testing.assert_allclose(smw.reshape(w.shape), w, rtol=1e-4, atol=1e-5)
    if a.dtype != np.complex64:  # MLX 0.32's complex eigenvectors fail A v = w v (conjugated); ours match numpy
        np.testing.assert_allclose(_phase_free(smv), _phase_free(v), atol=1e-3)
    mvals = np.array(mx.linalg.eigvals(mx.array(a), stream=mx.cpu))
    np.testing.assert_allclose(_matched(w, mvals).reshape(w.shape), w, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(0, 0), (3, 0, 0), (0, 4, 4)])
def test_eig_of_empty_matrices(shape):
    a = np.zeros(shape, np.float32)
    w, v = ingot.linalg.eig(ingot.array(a))
    nw, nv = np.linalg.eig(a)
    assert np.array(w).shape == nw.shape and np.array(v).shape == nv.shape
    assert np.array(ingot.linalg.eigvals(ingot.array(a))).shape == nw.shape


def test_eig_errors_name_the_function():
    with pytest.raises(ValueError, match=r"\[linalg::eig\] expects arrays with at least 2 dimensions, got shape \(2,\)"):
        ingot.linalg.eig(ingot.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\[linalg::eigvals\] expects square matrices, got shape \(3,2\)"):
        ingot.linalg.eigvals(ingot.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\[linalg::eig\] expects float32, float64 or complex64 arrays, got int32"):
        ingot.linalg.eig(ingot.zeros((2, 2), ingot.int32))
    with pytest.raises(ValueError, match=r"derivatives through complex64 values are not supported"):
        ingot.grad(lambda x: ingot.sum(ingot.abs(ingot.linalg.eigvals(x))))(ingot.eye(2))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["eig", "eigvals", "svd"])
def test_factorizations_refuse_non_finite_values(name, bad, capfd):
    # numpy refuses them too (LinAlgError); LAPACK would print "illegal value" and fail with a bare code
    a = np.eye(3, dtype=np.float32)
    a[1, 2] = bad
    fn = getattr(ingot.linalg, name)
    with pytest.raises(RuntimeError, match=r"\[linalg::(eig|svd)\] the matrix holds NaN or infinity"):
        ingot.eval(fn(ingot.array(np.stack([np.eye(3, dtype=np.float32), a]))))
    with pytest.raises(RuntimeError, match=r"NaN or infinity"):
        ingot.eval(fn(ingot.array(a.astype(np.complex64))) if name != "svd" else fn(ingot.array(a.astype(np.float64))))
    assert "illegal value" not in capfd.readouterr().err


def test_eig_exports_and_replays_shapeless(tmp_path):
    path = str(tmp_path / "eig.ingot")
    ingot.export_function(path, lambda x: ingot.linalg.eig(x), ingot.zeros((2, 2)), shapeless=True)
    f = ingot.import_function(path)
    for a in (RNG.standard_normal((4, 4)).astype(np.float32), RNG.standard_normal((3, 3)).astype(np.float32)):
        w, v = f(ingot.array(a))
        ew, ev = ingot.linalg.eig(ingot.array(a))
        np.testing.assert_array_equal(np.array(w), np.array(ew))
        np.testing.assert_array_equal(np.array(v), np.array(ev))
