"""The language-model showcase end to end: ingot.models' Llama against an independent numpy implementation
of llama2.c and against Hugging Face transformers, the file written by export_generation run from C++ by
examples/llm/llm_generate (greedy and seeded sampling, float and quantized), and the tokenizer.json
reader (examples/llm/tokenizer.cpp) against the tokenizers package on tokenizers trained here.
"""

import json
import os
import pathlib
import random
import struct
import subprocess
import sys
import types

import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn
import ingot.models as models
from ingot.models import llama
from llama2c_reference import Llama2c
from test_cross_language import ROOT, program

STORIES = pathlib.Path(os.environ.get("INGOT_STORIES260K", ROOT.parent / "shared/data/stories260K/stories260K.bin"))


def peer(name):
    """A peer package of these tests; ./scripts/test installs them all, so there a missing one fails."""
    if "INGOT_BUILD_DIR" in os.environ:
        return __import__(name, fromlist=["_"])
    return pytest.importorskip(name)


def stories_path():
    if not STORIES.is_file():
        pytest.fail(f"stories260K is not at {STORIES} (set INGOT_STORIES260K to its stories260K.bin)")
    return STORIES


def run(cmd, expect_rc=0, stdin=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, input=stdin)
    assert p.returncode == expect_rc, f"{cmd} exited with {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p


def write_llama2c(path, *, dim, hidden, layers, heads, kv_heads, vocab, seq_len=128, shared=True, seed=0):
    """A legacy llama2.c checkpoint with random weights (norm weights around 1)."""
    rng = np.random.default_rng(seed)
    head = dim // heads
    kv_dim = kv_heads * head

    def w(*shape, scale=None):
        return rng.normal(0, scale or 1 / np.sqrt(shape[-1]), shape).astype("<f4")

    parts = [
        w(vocab, dim, scale=0.5), 1 + 0.1 * w(layers, dim, scale=1), w(layers, dim, dim), w(layers, kv_dim, dim),
        w(layers, kv_dim, dim), w(layers, dim, dim), 1 + 0.1 * w(layers, dim, scale=1), w(layers, hidden, dim),
        w(layers, dim, hidden), w(layers, hidden, dim), 1 + 0.1 * w(dim, scale=1),
        np.zeros((2, seq_len, head // 2), "<f4"),
    ]
    if not shared:
        parts.append(w(vocab, dim))
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab if shared else -vocab, seq_len))
        for p in parts:
            f.write(p.astype("<f4").tobytes())


def generate_cpp(path, *args):
    """(tokens, logits) from llm_generate on an exported file."""
    logits_file = pathlib.Path(path).with_suffix(".logits.npy")
    p = run([program("llm_generate"), path, "--logits-out", logits_file, *args])
    assert "tokens/s" in p.stderr
    return [int(t) for t in p.stdout.split()], np.load(logits_file)


@pytest.fixture(scope="module")
def stories(tmp_path_factory):
    """stories260K converted to a Hugging Face directory, its model, and its greedy reference."""
    d = tmp_path_factory.mktemp("stories260K")
    config = models.convert_llama2c(stories_path(), d / "hf")
    model, tokenizer = models.load(d / "hf")
    ref_tokens, ref_logits = Llama2c(stories_path()).greedy([1], 64)
    return types.SimpleNamespace(dir=d, hf=d / "hf", config=config, model=model, tokenizer=tokenizer,
                                 tokens=ref_tokens, logits=ref_logits)


# --- the model against the numpy reference ---------------------------------------------------------------


def test_convert_llama2c_writes_hugging_face_names_and_config(stories):
    assert stories.tokenizer is None
    assert stories.config["num_attention_heads"] == 8 and stories.config["num_key_value_heads"] == 4
    assert stories.config["tie_word_embeddings"] is True and stories.config["vocab_size"] == 512
    names = set(mx.load(str(stories.hf / "model.safetensors")))
    assert "model.layers.4.self_attn.q_proj.weight" in names and "model.embed_tokens.weight" in names
    assert "lm_head.weight" not in names
    assert len(names) == 2 + 9 * 5


def test_stories260k_greedy_matches_numpy_reference(stories):
    tokens = models.generate(stories.model, None, [1], max_tokens=64)
    assert tokens == stories.tokens
    # every logit along the way, for the same token history
    seq = mx.array(np.array([[1] + stories.tokens[:-1]], dtype=np.int32))
    logits = np.array(stories.model(seq))[0]
    np.testing.assert_allclose(logits, stories.logits, atol=2e-4, rtol=1e-4)


def test_stories260k_cpp_generation_matches_reference(stories):
    path = stories.dir / "stories.ingot"
    models.export_generation(stories.model, str(path))
    tokens, logits = generate_cpp(path, "-n", "64")
    assert tokens == stories.tokens
    np.testing.assert_allclose(logits, stories.logits, atol=2e-4, rtol=1e-4)
    # the metadata the C++ program reads
    meta = mx.import_function(str(path)).metadata["ingot.generation"]
    assert meta["num_layers"] == 5 and meta["bos_token_id"] == 1 and meta["eos_token_id"] == [2]


def test_random_untied_gqa4_model_with_a_37_token_prompt(tmp_path):
    bin_path = tmp_path / "random.bin"
    write_llama2c(bin_path, dim=96, hidden=160, layers=7, heads=8, kv_heads=2, vocab=300, shared=False, seed=5)
    config = models.convert_llama2c(bin_path, tmp_path / "hf")
    assert config["tie_word_embeddings"] is False
    model, _ = models.load(tmp_path / "hf")
    assert "lm_head" in model
    prompt = [int(t) for t in np.random.default_rng(1).integers(0, 300, 37)]
    ref_tokens, ref_logits = Llama2c(bin_path).greedy(prompt, 24)
    assert models.generate(model, None, prompt, max_tokens=24) == ref_tokens
    models.export_generation(model, str(tmp_path / "random.ingot"))
    tokens, logits = generate_cpp(tmp_path / "random.ingot", "--tokens", " ".join(map(str, prompt)), "-n", "24")
    assert tokens == ref_tokens
    np.testing.assert_allclose(logits, ref_logits, atol=1e-4, rtol=1e-4)


def test_exported_file_has_prefill_and_decode_traces_that_replay_at_any_length(stories):
    path = stories.dir / "traces.ingot"
    models.export_generation(stories.model, str(path))
    f = mx.import_function(str(path))
    assert len(f.signatures) == 2 and all(s["shapeless"] for s in f.signatures)
    assert len(f.signatures[0]["args"]) == 1 and len(f.signatures[1]["args"]) == 2 + 10
    seq = np.array([[1] + stories.tokens[:29]], dtype=np.int32)
    full = np.array(stories.model(mx.array(seq)))[0]
    # prefill at 1, 7 and 30 tokens; then decode one token, and a chunk of 5 under the kept causal mode
    for n in (1, 7, 30):
        out = f(mx.array(seq[:, :n]))
        np.testing.assert_allclose(np.array(out[0])[0], full[n - 1], atol=1e-4, rtol=1e-4)
        assert out[1].shape == (1, 4, n, 8)
    out = f(mx.array(seq[:, :10]))
    step = f(mx.array(seq[:, 10:11]), mx.array(10, dtype=mx.int32), *out[1:])
    np.testing.assert_allclose(np.array(step[0])[0], full[10], atol=1e-4, rtol=1e-4)
    chunk = f(mx.array(seq[:, 11:16]), mx.array(11, dtype=mx.int32), *step[1:])
    np.testing.assert_allclose(np.array(chunk[0])[0], full[15], atol=1e-4, rtol=1e-4)
    assert chunk[1].shape == (1, 4, 16, 8)


def test_direct_and_imported_generation_agree(stories):
    path = stories.dir / "agree.ingot"
    models.export_generation(stories.model, str(path))
    f = mx.import_function(str(path))
    prompt = [1] + stories.tokens[:5]
    assert models.generate(f, None, prompt, max_tokens=30) == models.generate(stories.model, None, prompt, max_tokens=30)
    kw = dict(temp=0.9, top_p=0.95, top_k=40, seed=11)
    assert models.generate(f, None, prompt, max_tokens=30, **kw) == models.generate(
        stories.model, None, prompt, max_tokens=30, **kw)


@pytest.mark.parametrize("options", [
    dict(temp=1.0), dict(temp=0.7, top_k=20), dict(temp=1.2, top_p=0.8), dict(temp=0.8, top_p=0.9, top_k=50)])
def test_cpp_sampling_equals_python_for_a_seed(stories, options):
    path = stories.dir / "sample.ingot"
    if not path.exists():
        models.export_generation(stories.model, str(path))
    f = mx.import_function(str(path))
    expected = models.generate(f, None, [1], max_tokens=40, seed=7, **options)
    args = ["--seed", "7", "-n", "40"]
    for k, flag in (("temp", "--temp"), ("top_p", "--top-p"), ("top_k", "--top-k")):
        if k in options:
            args += [flag, str(options[k])]
    tokens, _ = generate_cpp(path, *args)
    assert tokens == expected
    assert tokens != stories.tokens[:40]  # sampling, not greedy
    other, _ = generate_cpp(path, *args[2:], "--seed", "8")
    assert other != tokens


def test_sampler_keeps_only_top_k_and_top_p_tokens():
    logits = mx.array(np.log(np.array([[0.05, 0.4, 0.1, 0.3, 0.15]], dtype=np.float32)))
    seen_k, seen_p = set(), set()
    key = mx.random.key(0)
    for _ in range(300):
        key, a, b = mx.random.split(key, 3)
        seen_k.add(int(models.make_sampler(temp=1.0, top_k=2)(logits, a).item()))
        seen_p.add(int(models.make_sampler(temp=1.0, top_p=0.65)(logits, b).item()))
    assert seen_k == {1, 3}
    assert seen_p == {1, 3}  # 0.4 + 0.3 reaches 0.65
    assert int(models.make_sampler()(logits).item()) == 1
    with pytest.raises(ValueError, match=r"\[make_sampler\] temp=-1"):
        models.make_sampler(temp=-1)


def test_stream_generate_stops_at_eos_and_reports_speeds(stories):
    responses = list(models.stream_generate(stories.model, None, [1], max_tokens=5))
    assert [r.token for r in responses] == stories.tokens[:5]
    assert responses[-1].finish_reason == "length" and responses[-1].generation_tokens == 5
    assert responses[0].prompt_tps > 0
    eos = stories.tokens[2]
    stopped = list(models.stream_generate(stories.model, None, [1], max_tokens=50, eos_token_id=eos))
    assert [r.token for r in stopped] == stories.tokens[:3] and stopped[-1].finish_reason == "stop"
    with pytest.raises(ValueError, match="prompt is empty"):
        models.generate(stories.model, None, [], max_tokens=3)
    with pytest.raises(ValueError, match="needs a tokenizer"):
        models.generate(stories.model, None, "Once", max_tokens=3)


# --- quantized -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits, group_size, max_relative_rms", [(8, 32, 0.1), (4, 32, 1.0)])
def test_quantized_export_runs_in_cpp_like_python(stories, bits, group_size, max_relative_rms):
    model, _ = models.load(stories.hf)
    models.quantize_model(model, group_size=group_size, bits=bits)
    assert isinstance(model.model.layers[0].self_attn.q_proj, nn.QuantizedLinear)
    assert isinstance(model.model.layers[0].mlp.down_proj, nn.Linear)  # 172 inputs: not a multiple of 32
    path = stories.dir / f"q{bits}.ingot"
    models.export_generation(model, str(path))
    assert mx.import_function(str(path)).metadata["ingot.generation"]["quantization"] == {
        "group_size": group_size, "bits": bits, "mode": "affine"}
    expected = models.generate(model, None, [1], max_tokens=48)
    tokens, logits = generate_cpp(path, "-n", "48")
    assert tokens == expected
    # Distance to the float model on the float model's own greedy history: the RMS of the logit error
    # relative to the RMS of the logits (4 bits on a 64-wide model is coarse; 8 bits is close).
    seq = mx.array(np.array([[1] + stories.tokens[:-1]], dtype=np.int32))
    q = np.array(model(seq))[0]
    err = np.sqrt(np.mean((q - stories.logits) ** 2)) / np.sqrt(np.mean(stories.logits ** 2))
    assert err < max_relative_rms


# --- Hugging Face transformers ---------------------------------------------------------------------------


@pytest.mark.parametrize("rope_scaling", [None, {"rope_type": "linear", "factor": 2.0},
                                          {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                           "high_freq_factor": 4.0, "original_max_position_embeddings": 32}])
def test_matches_transformers_llama(tmp_path, rope_scaling):
    torch = peer("torch")
    transformers = peer("transformers")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=320, hidden_size=128, intermediate_size=200, num_hidden_layers=4, num_attention_heads=8,
        num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, rope_scaling=rope_scaling)
    hf = transformers.LlamaForCausalLM(cfg).eval()
    hf.save_pretrained(tmp_path / "hf")
    model, _ = models.load(tmp_path / "hf")
    prompt = [1] + [int(t) for t in np.random.default_rng(3).integers(3, 320, 20)]
    with torch.no_grad():
        hf_out = hf.generate(torch.tensor([prompt]), max_new_tokens=11, do_sample=False, output_logits=True,
                             return_dict_in_generate=True, pad_token_id=0, eos_token_id=None)
    hf_tokens = hf_out.sequences[0, len(prompt):].tolist()
    hf_logits = np.stack([lg[0].numpy() for lg in hf_out.logits])
    models.export_generation(model, str(tmp_path / "hf.ingot"))
    tokens, logits = generate_cpp(tmp_path / "hf.ingot", "--tokens", " ".join(map(str, prompt)), "-n", "11")
    assert tokens == hf_tokens  # greedy: prefill and 10 decode steps
    np.testing.assert_allclose(logits, hf_logits, atol=2e-5, rtol=1e-4)
    assert models.generate(model, None, prompt, max_tokens=11) == hf_tokens


def test_stories260k_conversion_matches_transformers(stories):
    torch = peer("torch")
    transformers = peer("transformers")
    hf = transformers.LlamaForCausalLM.from_pretrained(stories.hf).eval()
    seq = [1] + stories.tokens[:20]
    with torch.no_grad():
        ref = hf(torch.tensor([seq])).logits[0].numpy()
    np.testing.assert_allclose(ref, stories.logits[:21], atol=2e-4, rtol=1e-4)


# --- the model file is MLX code ----------------------------------------------------------------------------


def test_model_file_runs_on_mlx_with_its_imports_changed(stories):
    mlx = peer("mlx.core")
    package = types.ModuleType("mlx_port")
    package.__path__ = []
    sys.modules["mlx_port"] = package
    try:
        for name in ("base", "llama"):
            src = (ROOT / "python/ingot/models" / f"{name}.py").read_text()
            src = src.replace("import ingot as mx", "import mlx.core as mx").replace("import ingot.nn as nn", "import mlx.nn as nn")
            assert "ingot" not in src.replace("ingot.models", "")
            module = types.ModuleType(f"mlx_port.{name}")
            module.__package__ = "mlx_port"
            sys.modules[module.__name__] = module
            exec(compile(src, module.__name__, "exec"), module.__dict__)
        port = sys.modules["mlx_port.llama"]
        model = port.Model(port.ModelArgs.from_dict(stories.config))
        weights = mlx.load(str(stories.hf / "model.safetensors"))
        model.load_weights(list(model.sanitize(weights).items()))
        seq = np.array([[1] + stories.tokens[:15]], dtype=np.int32)
        np.testing.assert_allclose(np.array(model(mlx.array(seq))), np.array(stories.model(mx.array(seq))),
                                   atol=1e-4, rtol=1e-4)
    finally:
        for name in [n for n in sys.modules if n == "mlx_port" or n.startswith("mlx_port.")]:
            del sys.modules[name]


# --- errors ------------------------------------------------------------------------------------------------


def test_loading_and_conversion_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match=r"\[load\] .* has no config.json"):
        models.load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt9"}))
    with pytest.raises(ValueError, match=r"\[load\] model_type 'gpt9' is not supported"):
        models.load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama", "hidden_size": 8,
                                                      "num_attention_heads": 2, "num_hidden_layers": 1,
                                                      "intermediate_size": 8, "vocab_size": 10}))
    with pytest.raises(ValueError, match=r"\[load\] .* has no .safetensors weights"):
        models.load(tmp_path)
    with pytest.raises(ValueError, match=r"rope_scaling of type 'yarn' is not supported"):
        llama.Model(llama.ModelArgs(hidden_size=8, num_attention_heads=2, num_hidden_layers=1, intermediate_size=8,
                                    vocab_size=10, rope_scaling={"type": "yarn", "factor": 2}))
    with pytest.raises(ValueError, match=r"num_attention_heads=6 is not a multiple of num_key_value_heads=4"):
        llama.ModelArgs(num_attention_heads=6, num_key_value_heads=4)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(struct.pack("<7i", 64, 172, 5, 8, 4, 512, 512) + b"\0" * 100)
    with pytest.raises(ValueError, match=r"\[convert_llama2c\] .*bad.bin has 128 bytes; its header .* needs"):
        models.convert_llama2c(bad, tmp_path / "out")
    bad.write_bytes(struct.pack("<7i", 64, 172, 5, 8, 3, 512, 512))
    with pytest.raises(ValueError, match=r"invalid llama2.c header"):
        models.convert_llama2c(bad, tmp_path / "out")


def test_llm_generate_refuses_a_file_without_generation_metadata(tmp_path):
    mx.export_function(str(tmp_path / "plain.ingot"), lambda x: x + 1, mx.zeros((2,)))
    p = run([program("llm_generate"), tmp_path / "plain.ingot"], expect_rc=1)
    assert "was not written by ingot.models.export_generation" in p.stderr
    p = run([program("llm_generate"), tmp_path / "missing.ingot"], expect_rc=1)
    assert "missing.ingot" in p.stderr


# --- the tokenizer.json reader -------------------------------------------------------------------------


WORDS = ["the", "cat", "sat", "on", "mat", "café", "naïve", "über", "日本語", "テキスト", "🙂", "🚀", "x²", "don't",
         "we'll", "I'm", "12345", "3.14", "tab\there", "new\nline", "  spaced", "ALLCAPS", "MiXeD", "hello,",
         "world!", "(paren)", "[bracket]", "a-b_c", "—", "«quote»"]
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                  r"\s*[\r\n]+|\s+(?!\S)|\s+")


@pytest.fixture(scope="module")
def tokenizer_files(tmp_path_factory):
    tk = peer("tokenizers")
    d = tmp_path_factory.mktemp("tokenizers")
    rng = random.Random(0)
    corpus = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 15))) for _ in range(3000)]
    # GPT-2's form: the ByteLevel pre-tokenizer with its own regex, the whole byte alphabet
    t = tk.Tokenizer(tk.models.BPE())
    t.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    t.decoder = tk.decoders.ByteLevel()
    t.post_processor = tk.processors.ByteLevel(trim_offsets=True)
    t.train_from_iterator(corpus, tk.trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>", "<pad>"], initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet()))
    t.save(str(d / "gpt2.json"))
    # Llama 3's form: a Split regex, ignore_merges, a BOS template; only the bytes the corpus has
    t = tk.Tokenizer(tk.models.BPE(ignore_merges=True))
    t.pre_tokenizer = tk.pre_tokenizers.Sequence([
        tk.pre_tokenizers.Split(tk.Regex(LLAMA3_PATTERN), behavior="isolated"),
        tk.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    t.decoder = tk.decoders.ByteLevel()
    t.train_from_iterator(corpus, tk.trainers.BpeTrainer(vocab_size=500, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"]))
    t.post_processor = tk.processors.Sequence([
        tk.processors.ByteLevel(trim_offsets=False),
        tk.processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 0)])])
    t.save(str(d / "llama3.json"))
    # a prefix space, merges written as pairs (the tokenizers file format since 0.20)
    t = tk.Tokenizer(tk.models.BPE())
    t.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=True)
    t.decoder = tk.decoders.ByteLevel()
    t.train_from_iterator(corpus, tk.trainers.BpeTrainer(vocab_size=350, special_tokens=["<s>"]))
    t.save(str(d / "prefix.json"))
    return d


def texts():
    out = ["hello world", "café naïve über", "日本語 テキスト 🙂🚀", "  lots   of   spaces  ", "tab\there\nnew line\r\n",
           "don't we'll I'M", "12345678 3.14159", "<|endoftext|>between<|endoftext|> special", "unseen ☃ chars ∑",
           "", " ", "a", "x² — «quote»", "<pad><pad>", "<s>start", "<|begin_of_text|>hi"]
    rng = random.Random(1)
    for _ in range(300):
        out.append("".join(rng.choice("ab cé日🙂\n\t1'!,.-«»<|>s") for _ in range(rng.randint(0, 30))))
    return out


def tokenize_cpp(file, mode, lines, *flags):
    p = run([program("llm_tokenize"), file, mode, *flags], stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    return [json.loads(line) for line in p.stdout.splitlines()]


@pytest.mark.parametrize("name", ["gpt2", "llama3", "prefix"])
def test_tokenizer_encode_and_decode_match_tokenizers(tokenizer_files, name):
    from tokenizers import Tokenizer

    file = tokenizer_files / f"{name}.json"
    tok = Tokenizer.from_file(str(file))
    samples = texts()
    for flags, special in (((), True), (("--no-special",), False)):
        got = tokenize_cpp(file, "encode", samples, *flags)
        assert got == [tok.encode(t, add_special_tokens=special).ids for t in samples]
    if name == "llama3":
        assert got != tokenize_cpp(file, "encode", samples)  # the template adds BOS
    rng = random.Random(2)
    ids = [[rng.randrange(tok.get_vocab_size()) for _ in range(rng.randint(0, 25))] for _ in range(300)]
    assert tokenize_cpp(file, "decode", ids) == [tok.decode(i) for i in ids]
    assert tokenize_cpp(file, "decode", ids, "--keep-special") == [tok.decode(i, skip_special_tokens=False) for i in ids]
    # streaming: the pieces join to the decoded text and none ends inside a character
    encoded = [tok.encode(t, add_special_tokens=False).ids for t in samples]
    for pieces, t_ids in zip(tokenize_cpp(file, "stream", encoded), encoded):
        text = tok.decode(t_ids)
        assert "".join(pieces) == text
        if "\ufffd" not in text:  # (a tokenizer without the whole byte alphabet drops unseen bytes)
            assert all("\ufffd" not in p for p in pieces)


def test_tokenizer_refuses_what_it_does_not_support(tmp_path, tokenizer_files):
    doc = json.loads((tokenizer_files / "gpt2.json").read_text())
    cases = [
        ("normalizer", {"type": "NFKC"}, "the normalizer 'NFKC' is not supported"),
        ("pre_tokenizer", {"type": "Whitespace"}, "the pre-tokenizer 'Whitespace' is not supported"),
        ("decoder", {"type": "WordPiece", "prefix": "##", "cleanup": True}, "the decoder 'WordPiece' is not supported"),
        ("model", dict(doc["model"], type="WordPiece"), "the model 'WordPiece' is not supported"),
        ("model", dict(doc["model"], merges=["Ġ nonexistent"]), "merge 0 'Ġ nonexistent' uses or makes a token not in"),
        ("model", dict(doc["model"], byte_fallback=True), "byte_fallback is not supported"),
    ]
    for key, value, message in cases:
        bad = dict(doc, **{key: value})
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        p = run([program("llm_tokenize"), tmp_path / "bad.json", "encode"], expect_rc=1, stdin='"x"\n')
        assert message in p.stderr and "bad.json" in p.stderr
    (tmp_path / "broken.json").write_text("{")
    p = run([program("llm_tokenize"), tmp_path / "broken.json", "encode"], expect_rc=1, stdin='"x"\n')
    assert "not a JSON document" in p.stderr


def test_llm_generate_with_a_text_prompt_and_tokenizer(tmp_path, tokenizer_files):
    """Text in, text out: a random model over the Llama 3 style tokenizer's vocabulary."""
    from tokenizers import Tokenizer

    file = tokenizer_files / "llama3.json"
    tok = Tokenizer.from_file(str(file))
    args = llama.ModelArgs(hidden_size=64, num_hidden_layers=2, intermediate_size=96, num_attention_heads=4,
                           num_key_value_heads=2, vocab_size=tok.get_vocab_size(), bos_token_id=0,
                           eos_token_id=[1], tie_word_embeddings=True)
    mx.random.seed(4)
    model = llama.Model(args)
    models.export_generation(model, str(tmp_path / "text.ingot"))
    prompt = "the cat sat on the mat"
    ids = tok.encode(prompt).ids
    assert ids[0] == 0
    expected = models.generate(model, None, ids, max_tokens=20, temp=0.9, seed=3)
    p = run([program("llm_generate"), tmp_path / "text.ingot", "--tokenizer", file, "--prompt", prompt, "-n", "20",
             "--temp", "0.9", "--seed", "3"])
    assert p.stdout.rstrip("\n") == tok.decode(expected)
    assert "prompt: %d tokens" % len(ids) in p.stderr
    p = run([program("llm_generate"), tmp_path / "text.ingot", "--prompt", prompt], expect_rc=1)
    assert "--prompt needs --tokenizer" in p.stderr
