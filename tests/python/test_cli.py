"""The `ingot` command line (src/cli): every subcommand on files made here, valid and invalid, text and
--json; the HTML view opened in headless Chromium (Debian's chromium and chromium-driver, selenium);
self-test vectors stored at export and checked by `ingot verify` and ImportedFunction.verify.

The executable is $INGOT_BUILD_DIR/bin/ingot (./scripts/test builds it); `python -m ingot` and the
console script run the same code in the extension.
"""

import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

import ingot as mx
from test_cross_language import BUILD_DIR

INGOT = BUILD_DIR / "bin" / "ingot"


def ingot_cli(*args, expect_rc=0, stdin=None):
    if not INGOT.is_file():
        (pytest.fail if "INGOT_BUILD_DIR" in os.environ else pytest.skip)(f"{INGOT} is not built (./scripts/test builds it)")
    p = subprocess.run([str(INGOT), *map(str, args)], capture_output=True, text=True, timeout=600)
    assert p.returncode == expect_rc, f"ingot {args} exited with {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p


def peer(name):
    if "INGOT_BUILD_DIR" in os.environ:
        return __import__(name, fromlist=["_"])
    return pytest.importorskip(name)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    w = mx.array(np.arange(12, dtype=np.float32).reshape(3, 4) / 10)
    b = mx.array(np.ones(4, dtype=np.float32))

    def f(x, scale=None):
        y = mx.exp(x @ w) + b
        return (y * scale,) if scale is not None else (y, mx.sum(y, axis=-1))

    x = mx.array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    with mx.exporter(str(d / "two.ingot"), f, metadata={"name": "demo", "version": 3}) as ex:
        ex(x)
        ex(x, scale=mx.array(np.float32(2)))
    mx.export_function(str(d / "tested.ingot"), f, x, self_test=True)
    with mx.exporter(str(d / "tested2.ingot"), f, shapeless=True, self_test=True) as ex:
        ex(x)
        ex(x, scale=mx.array(np.float32(3)))
    w2 = w * 2
    mx.eval(w2)
    mx.export_function(str(d / "changed.ingot"), lambda x: (mx.exp(x @ w2) + b, mx.sum(mx.exp(x @ w2) + b, axis=-1)), x,
                       metadata={"name": "demo", "version": 4})
    np.save(d / "x.npy", np.array(x))
    np.save(d / "scale.npy", np.float32(2))
    return d, np.array(x), np.array(w), np.array(b)


def test_help_version_and_usage_errors():
    p = ingot_cli("--help")
    for sub in ("inspect", "validate", "run", "bench", "verify", "dot", "view", "diff"):
        assert sub in p.stdout
        assert "Usage" in ingot_cli(sub, "--help").stdout
    assert ingot_cli("--version").stdout.startswith("ingot ")
    assert "A subcommand is required" in ingot_cli(expect_rc=2).stderr
    assert "file is required" in ingot_cli("inspect", expect_rc=2).stderr
    assert "nosuch" in ingot_cli("nosuch", expect_rc=2).stderr
    assert "--iters" in ingot_cli("bench", "f.ingot", "--iters", "0", expect_rc=2).stderr


def test_inspect_text_and_json(files):
    d, *_ = files
    j = json.loads(ingot_cli("inspect", d / "two.ingot", "--json").stdout)
    assert j["metadata"] == {"name": "demo", "version": 3}
    assert j["file_size"] == (d / "two.ingot").stat().st_size and j["format_version"] == 1
    assert len(j["traces"]) == 2
    t0, t1 = j["traces"]
    assert [i["name"] for i in t0["inputs"]] == ["0"] and [i["name"] for i in t1["inputs"]] == ["0", "scale"]
    assert t0["inputs"][0]["type"] == {"dtype": "float32", "shape": [2, 3]}
    assert t0["outputs"] == [{"dtype": "float32", "shape": [2, 4]}, {"dtype": "float32", "shape": [2]}]
    assert t0["ops"] == {"Matmul": 1, "Exp": 1, "Add": 1, "Sum": 1} and t0["nodes"] == 4
    assert t1["ops"] == {"Matmul": 1, "Exp": 1, "Add": 1, "Multiply": 1}
    # w (48 bytes) and b (16 bytes) are stored once and used by both traces
    assert j["constants"]["count"] == 2 and j["constants"]["bytes"] == 64
    assert j["constants"]["bytes_saved_by_sharing"] == 64
    assert j["constants"]["largest"][0] == {"index": 0, "dtype": "float32", "shape": [3, 4], "bytes": 48} or \
        j["constants"]["largest"][0]["bytes"] == 48
    text = ingot_cli("inspect", d / "two.ingot").stdout
    assert "2 traces" in text and "trace 1: (float32[2,3], scale: float32[])" in text
    assert "Matmul 1" in text and "64 bytes saved by sharing between traces" in text and '"name":"demo"' in text


def test_inspect_and_run_the_llm_showcase_file(tmp_path):
    from ingot.models import llama, export_generation

    mx.random.seed(0)
    model = llama.Model(llama.ModelArgs(hidden_size=32, num_hidden_layers=2, intermediate_size=48, num_attention_heads=4,
                                        num_key_value_heads=2, vocab_size=64, bos_token_id=1, eos_token_id=2))
    export_generation(model, str(tmp_path / "llm.ingot"))
    j = json.loads(ingot_cli("inspect", tmp_path / "llm.ingot", "--json").stdout)
    assert len(j["traces"]) == 2 and all(t["shapeless"] for t in j["traces"])
    assert len(j["traces"][0]["inputs"]) == 1 and len(j["traces"][1]["inputs"]) == 2 + 4  # prefill, decode
    assert j["traces"][0]["ops"]["ScaledDotProductAttention"] == 2 and "Concatenate" in j["traces"][1]["ops"]
    assert j["metadata"]["ingot.generation"]["num_layers"] == 2
    out = ingot_cli("run", tmp_path / "llm.ingot", "--random", "--trace", "1", "-o", tmp_path / "out").stdout
    assert "output 0: float32[1,64]" in out and (tmp_path / "out" / "output_4.npy").exists()
    assert np.load(tmp_path / "out" / "output_1.npy").shape == (1, 2, 5, 8)  # the cache grew by one
    b = json.loads(ingot_cli("bench", tmp_path / "llm.ingot", "--trace", "1", "--iters", "5", "--warmup", "1",
                             "--json").stdout)
    assert b["trace"] == 1 and b["iterations"] == 5


def test_validate(files, tmp_path):
    d, *_ = files
    assert ingot_cli("validate", d / "two.ingot").stdout.startswith("valid: ")
    data = (d / "two.ingot").read_bytes()
    (tmp_path / "short.ingot").write_bytes(data[:100])
    p = ingot_cli("validate", tmp_path / "short.ingot", expect_rc=1)
    assert "invalid: " in p.stderr and "outside the file" in p.stderr and p.stderr.count("\n") == 1
    bad = bytearray(data)
    bad[80] ^= 0xFF
    (tmp_path / "crc.ingot").write_bytes(bytes(bad))
    assert "invalid" in ingot_cli("validate", tmp_path / "crc.ingot", expect_rc=1).stderr
    (tmp_path / "missing.ingot").unlink(missing_ok=True)
    assert "missing.ingot" in ingot_cli("validate", tmp_path / "missing.ingot", expect_rc=1).stderr


def test_validate_finds_overlapping_constants(files, tmp_path):
    """Constant 1 pointed at constant 0's bytes: the importer accepts it (both lie in the data section),
    validate refuses it."""
    d, *_ = files
    data = bytearray((d / "two.ingot").read_bytes())
    graph_offset, graph_size = struct.unpack_from("<QQ", data, 24)
    graph = bytes(data[graph_offset:graph_offset + graph_size])
    needle = struct.pack("<QQ", 64, 16)  # constant 1 (b, 16 bytes) at offset 64 of the data section
    at = graph.find(needle)
    assert at >= 0 and graph.find(needle, at + 1) < 0
    data[graph_offset + at:graph_offset + at + 8] = struct.pack("<Q", 0)
    struct.pack_into("<I", data, 56, zlib.crc32(bytes(data[graph_offset:graph_offset + graph_size])))
    (tmp_path / "overlap.ingot").write_bytes(bytes(data))
    mx.import_function(str(tmp_path / "overlap.ingot"))
    p = ingot_cli("validate", tmp_path / "overlap.ingot", expect_rc=1)
    assert "invalid: the data of two constants overlap" in p.stderr


def test_run_with_npy_inputs(files, tmp_path):
    d, x, w, b = files
    expected = np.exp(x @ w) + b
    out = ingot_cli("run", d / "two.ingot", "--arg", d / "x.npy").stdout
    assert "output 0: float32[2,4]" in out and "output 1: float32[2]" in out
    ingot_cli("run", d / "two.ingot", "--arg", d / "x.npy", "--kwarg", f"scale={d / 'scale.npy'}", "-o", tmp_path)
    np.testing.assert_allclose(np.load(tmp_path / "output_0.npy"), expected * 2, rtol=1e-6)
    ingot_cli("run", d / "two.ingot", "--arg", d / "x.npy", "--trace", "0", "-o", tmp_path / "t0")
    np.testing.assert_allclose(np.load(tmp_path / "t0" / "output_1.npy"), expected.sum(-1), rtol=1e-6)
    p = ingot_cli("run", d / "two.ingot", "--arg", d / "x.npy", "--trace", "1", expect_rc=1)
    assert "trace 1 of" in p.stderr and "does not accept the call" in p.stderr
    assert "is not name=file.npy" in ingot_cli("run", d / "two.ingot", "--kwarg", "x.npy", expect_rc=1).stderr
    assert "--trace 7" in ingot_cli("run", d / "two.ingot", "--random", "--trace", "7", expect_rc=1).stderr
    assert "no trace in" in ingot_cli("run", d / "two.ingot", expect_rc=1).stderr
    assert "output 0" in ingot_cli("run", d / "two.ingot", "--random").stdout


def test_bench_reports_latency_throughput_and_memory(files):
    d, *_ = files
    j = json.loads(ingot_cli("bench", d / "two.ingot", "--iters", "20", "--warmup", "2", "--threads", "1", "--json").stdout)
    lat = j["latency_s"]
    assert 0 < lat["min"] <= lat["median"] <= lat["p90"] <= lat["max"]
    assert j["throughput_per_s"] > 0 and j["time_to_first_result_s"] > 0 and j["peak_memory_bytes"] > 1 << 20
    assert 0 < j["private_memory_bytes"] <= j["peak_memory_bytes"]
    assert j["iterations"] == 20 and j["threads"] == 1
    text = ingot_cli("bench", d / "two.ingot", "--iters", "5", "--arg", d / "x.npy").stdout
    assert "latency" in text and "calls/s" in text and "first result" in text and "peak memory" in text


def test_self_test_vectors_verify(files, tmp_path):
    d, *_ = files
    p = ingot_cli("verify", d / "tested.ingot")
    assert "trace 0: ok" in p.stdout and p.stdout.strip().endswith("(rtol 1e-05, atol 1e-06)")
    assert "verified: " in p.stdout
    p = ingot_cli("verify", d / "tested2.ingot")
    assert "trace 0: ok" in p.stdout and "trace 1: ok" in p.stdout
    f = mx.import_function(str(d / "tested2.ingot"))
    results = f.verify()
    assert [r["trace"] for r in results] == [0, 1] and all(r["passed"] for r in results)
    assert results[0]["max_abs_error"] == [0.0, 0.0] and f.has_self_test(1) and not f.has_self_test(5)
    j = json.loads(ingot_cli("inspect", d / "tested.ingot", "--json").stdout)
    assert j["traces"][0]["self_test"] and j["constants"]["self_test_bytes"] > 0
    # no vectors
    p = ingot_cli("verify", d / "two.ingot", expect_rc=1)
    assert "has no self-test vectors (export with self_test=True" in p.stderr
    assert mx.import_function(str(d / "two.ingot")).verify() == []
    # a stored output changed in the data section (which no checksum covers): verify reports it
    data = bytearray((d / "tested.ingot").read_bytes())
    _, _, data_offset, data_size = struct.unpack_from("<QQQQ", data, 24)
    want = np.array(f.verify and mx.import_function(str(d / "tested.ingot"))(mx.array(files[1]))[0])
    needle = want.tobytes()
    at = bytes(data).find(needle, data_offset)
    assert at >= 0
    data[at:at + 4] = np.float32(want.flat[0] + 0.5).tobytes()
    (tmp_path / "tampered.ingot").write_bytes(bytes(data))
    p = ingot_cli("verify", tmp_path / "tampered.ingot", expect_rc=1)
    assert "trace 0: FAILED" in p.stdout and "largest error 0.5" in p.stdout and "mismatch: " in p.stdout
    assert ingot_cli("verify", tmp_path / "tampered.ingot", "--atol", "1").stdout.count("ok") == 1
    with pytest.raises(ValueError, match=r"\[verify\] rtol and atol must be >= 0"):
        mx.import_function(str(tmp_path / "tampered.ingot")).verify(rtol=-1)


def test_dot(files, tmp_path):
    d, *_ = files
    text = ingot_cli("dot", d / "two.ingot", "--trace", "1").stdout
    assert text.startswith("digraph ingot") and "cluster_1" in text and "cluster_0" not in text
    assert 'label="Matmul"' in text and 'label="float32 (2,4)"' in text and "style=dashed" in text
    assert 'label="scale\\nfloat32 ()"' in text
    ingot_cli("dot", d / "two.ingot", "-o", tmp_path / "all.dot")
    assert "cluster_0" in (tmp_path / "all.dot").read_text() and "cluster_1" in (tmp_path / "all.dot").read_text()
    assert "--trace 4" in ingot_cli("dot", d / "two.ingot", "--trace", "4", expect_rc=1).stderr


def test_diff(files):
    d, *_ = files
    p = ingot_cli("diff", d / "two.ingot", d / "two.ingot")
    assert "no differences" in p.stdout
    p = ingot_cli("diff", d / "tested.ingot", d / "changed.ingot", expect_rc=1)
    assert "constants: 1 changed (48 bytes), 1 unchanged" in p.stdout and "metadata 'version'" in p.stdout
    j = json.loads(ingot_cli("diff", d / "two.ingot", d / "changed.ingot", "--json", expect_rc=1).stdout)
    assert j["metadata"]["version"] == {"from": 3, "to": 4}
    assert j["traces"][1] == {"index": 1, "removed": mx.import_function(str(d / "two.ingot")).__repr__().split("\n")[2].strip()} \
        or j["traces"][1]["index"] == 1 and "removed" in j["traces"][1]


def test_python_entry_points(files):
    d, *_ = files
    p = subprocess.run([sys.executable, "-m", "ingot", "inspect", str(d / "two.ingot"), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0 and json.loads(p.stdout)["metadata"]["name"] == "demo"
    p = subprocess.run([sys.executable, "-m", "ingot", "validate", str(d / "nothere.ingot")], capture_output=True, text=True)
    assert p.returncode == 1 and "nothere.ingot" in p.stderr
    script = pathlib.Path(sys.executable).with_name("ingot")
    if "INGOT_BUILD_DIR" in os.environ or script.exists():
        p = subprocess.run([str(script), "verify", str(d / "tested.ingot")], capture_output=True, text=True)
        assert p.returncode == 0 and "verified" in p.stdout


# --- the HTML page in a browser --------------------------------------------------------------------------


def browser():
    webdriver = peer("selenium.webdriver")
    options = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
              "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"):  # no network
        options.add_argument(a)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def test_view_renders_every_trace_and_shows_details(files, tmp_path):
    d, *_ = files
    html = tmp_path / "two.html"
    ingot_cli("view", d / "two.ingot", "-o", html)
    text = html.read_text()
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    f = mx.import_function(str(d / "two.ingot"))
    drv = browser()
    try:
        drv.get(html.as_uri())
        graphs = drv.find_elements("css selector", "div.view")
        assert len(graphs) == 2
        for t, g in enumerate(graphs):
            sig = f.signatures[t]
            nodes = 4  # (no self-test here) each trace has 4 primitive nodes
            n_inputs = len(sig["args"]) + len(sig["kwargs"]) + 2  # inputs and the two constants
            n_outputs = len(sig["outputs"])
            svg_nodes = drv.execute_script(f"return document.querySelectorAll('div.view[data-trace=\"{t}\"] g.node').length")
            svg_edges = drv.execute_script(f"return document.querySelectorAll('div.view[data-trace=\"{t}\"] g.edge').length")
            # inputs, constants, the primitives, one point per output value, the outputs
            assert svg_nodes == n_inputs + 2 * nodes + n_outputs
            edges_in = {0: 1 + 2 + 2 + 1, 1: 1 + 2 + 2 + 2}[t]  # Matmul 2, Exp 1, Add 2, Sum 1 / Multiply 2
            assert svg_edges == edges_in + nodes + n_outputs
        # click the Matmul node of trace 0: its details appear
        node = drv.execute_script("""
            const gs = document.querySelectorAll('div.view[data-trace="0"] g.node');
            for (const g of gs) if (g.dataset.name === 't0_n0') return g;""")
        click = "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));"
        drv.execute_script(click, node)
        details = drv.find_element("id", "details").text
        assert "node 0: Matmul" in details and "float32(2,3)" in details and "float32(2,4)" in details
        hover = drv.execute_script("return arguments[0].querySelector('title').textContent", node)
        assert hover.startswith("node 0: Matmul\nMatmul") and hover.endswith("-> float32(2,4)")
        # switching traces shows the other picture and signature
        drv.find_elements("css selector", ".tab")[1].click()
        assert drv.find_element("css selector", 'div.view[data-trace="1"]').is_displayed()
        assert not drv.find_element("css selector", 'div.view[data-trace="0"]').is_displayed()
        artifacts = pathlib.Path(os.environ.get("INGOT_ARTIFACTS", BUILD_DIR / "artifacts"))
        artifacts.mkdir(parents=True, exist_ok=True)
        drv.find_elements("css selector", ".tab")[0].click()
        node = drv.execute_script("""
            for (const g of document.querySelectorAll('div.view[data-trace="0"] g.node'))
              if (g.dataset.name === 't0_n1') return g;""")
        drv.execute_script(click, node)
        drv.save_screenshot(str(artifacts / "ingot_view.png"))
        assert (artifacts / "ingot_view.png").stat().st_size > 10000
    finally:
        drv.quit()


def test_view_of_a_5000_node_graph_opens_quickly(tmp_path):
    def f(x):
        for i in range(2500):
            x = mx.sin(x) * 1.5 if i % 2 else mx.cos(x) + x
        return x

    mx.export_function(str(tmp_path / "big.ingot"), f, mx.zeros((3,)))
    assert json.loads(ingot_cli("inspect", tmp_path / "big.ingot", "--json").stdout)["traces"][0]["nodes"] == 5000
    ingot_cli("view", tmp_path / "big.ingot", "-o", tmp_path / "big.html")
    drv = browser()
    try:
        start = time.perf_counter()
        drv.get((tmp_path / "big.html").as_uri())
        count = drv.execute_script("return document.querySelectorAll('g.node').length")
        elapsed = time.perf_counter() - start
        assert count >= 5000
        assert elapsed < 10, f"the page took {elapsed:.1f} s to open"
        # zoom and click still work
        node = drv.execute_script("""
            for (const g of document.querySelectorAll('g.node'))
              if (g.dataset.name === 't0_n4999') return g;""")
        drv.execute_script("arguments[0].scrollIntoView(); arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));", node)
        assert "node 4999" in drv.find_element("id", "details").text
    finally:
        drv.quit()
