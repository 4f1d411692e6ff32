"""Buffer donation from Python: a cache the caller gives up is updated in place (setitem, slice_update,
an imported decode step); a cache the caller keeps, or memory numpy lent, is never written."""
import numpy as np

import ingot as mx

N = 1 << 20  # elements of the cache: 4 MiB


def test_setitem_and_slice_update_of_a_given_up_cache_allocate_no_new_cache():
    keys = mx.zeros((1, 8, N // 8, 1))
    want = np.zeros((1, 8, N // 8, 1), np.float32)
    mx.eval(keys)
    for t in range(4):
        new = mx.full((1, 8, 2, 1), float(t + 1))
        mx.eval(new)
        mx.reset_peak_memory()
        before = mx.get_active_memory()
        if t % 2:
            keys[..., 2 * t:2 * t + 2, :] = new  # mlx-lm's KVCache.update_and_fetch
        else:
            keys = mx.slice_update(keys, new, mx.array(2 * t), axes=[2])
        mx.eval(keys)
        assert max(mx.get_peak_memory() - before, 0) < 4096, f"step {t} copied the cache"
        want[..., 2 * t:2 * t + 2, :] = t + 1
    np.testing.assert_array_equal(np.array(keys), want)


def test_a_kept_cache_and_lent_numpy_memory_are_not_written():
    keys = mx.zeros((N,))
    mx.eval(keys)
    kept = keys
    keys = mx.slice_update(keys, mx.ones((3,)), mx.array(5), axes=[0])
    mx.eval(keys)
    assert np.array(kept)[5:8].tolist() == [0, 0, 0]
    assert np.array(keys)[5:8].tolist() == [1, 1, 1]
    host = np.arange(16, dtype=np.float32)
    a = mx.array(host)
    a = mx.slice_update(a, mx.array([-1.0]), mx.array(0), axes=[0])
    mx.eval(a)
    assert host[0] == 0 and np.array(a)[0] == -1


def decode_step(cache, new, pos):
    cache = mx.slice_update(cache, new, pos, axes=[0])
    return cache, mx.sum(cache)


def given_up_cache_is_updated_in_place(f):
    """Runs decode steps `cache, total = f(cache, new, pos)`, each giving the old cache up; returns the cache."""
    cache = mx.zeros((N,))
    mx.eval(cache)
    want = np.zeros(N, np.float32)
    for t in range(5):
        new, pos = mx.full((4,), float(t + 1)), mx.array(4 * t)
        mx.eval(new, pos)
        cache, total = f(cache, new, pos)  # the old cache is given up
        mx.reset_peak_memory()
        before = mx.get_active_memory()
        mx.eval(cache, total)
        assert max(mx.get_peak_memory() - before, 0) < 4096, f"step {t} copied the cache"
        want[4 * t:4 * t + 4] = t + 1
        assert total.item() == want.sum()
    np.testing.assert_array_equal(np.array(cache), want)
    return cache, want


def test_an_imported_decode_step_updates_its_cache_in_place(tmp_path):
    path = str(tmp_path / "step.ingot")
    mx.export_function(path, decode_step, mx.zeros((N,)), mx.zeros((4,)), mx.array(0))
    f = mx.import_function(path)
    cache, want = given_up_cache_is_updated_in_place(f)
    # Kept by the caller: copied, and the kept cache is unchanged.
    kept = cache
    again, _ = f(cache, mx.full((4,), 9.0), mx.array(0))
    mx.eval(again)
    np.testing.assert_array_equal(np.array(kept), want)
    assert np.array(again)[:4].tolist() == [9, 9, 9, 9]


def test_a_compiled_decode_step_updates_its_cache_in_place():
    # The first call traces the step: the trace must not keep that call's cache either.
    given_up_cache_is_updated_in_place(mx.compile(decode_step))
