"""Language-model generation speed: prefill of a 128-token prompt and greedy decode, for a Llama of about
100M parameters with random weights, in

- ingot C++: examples/llm/llm_generate on the file written by ingot.models.export_generation;
- ingot Python, direct (ingot.models.generate_step on the model) and imported (on the same file);
- PyTorch 2.13 eager through Hugging Face transformers (LlamaForCausalLM with its cache);
- llama.cpp through llama-cpp-python, on the same weights written as GGUF with the gguf package;

at float32, and at 8 and 4 bits (ingot's affine quantization with groups of 32 beside llama.cpp's q8_0 and
q4_0, whose blocks are 32 too). Every system runs with the same thread count, in a process of its own
(so that no runtime's idle threads spin beside another's). Before timing, the systems'
greedy tokens and prefill logits are checked against transformers' (float32). Figures are medians over
interleaved rounds; ratios are to llama.cpp at the same precision (higher tokens/s is better).

    bench/run_bench_llm [--threads 2] [--rounds 3] [--prompt 128] [--generate 64] [--layers 12]
"""

import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("INGOT_BUILD_DIR", ROOT / "build"))


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--prompt", type=int, default=128)
    p.add_argument("--generate", type=int, default=64)
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--work", default=None, help="folder for the checkpoint and files (default: a temporary one)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # internal: run one system
    return p.parse_args()


# --- the model and its files ---------------------------------------------------------------------------


def make_checkpoint(args, out):
    import torch
    import transformers

    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.hidden * 8 // 3 // 32 * 32,
        num_hidden_layers=args.layers, num_attention_heads=args.hidden // 64, num_key_value_heads=args.hidden // 64 // 3,
        max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
        bos_token_id=1, eos_token_id=2)
    model = transformers.LlamaForCausalLM(cfg).eval()
    model.save_pretrained(out)
    return model, cfg


def write_gguf(cfg, hf_model, path, qtype_name):
    """The checkpoint as llama.cpp's GGUF: its tensor names, q/k rows back in interleaved rotary order, a
    placeholder SentencePiece vocabulary (the benchmark feeds token ids)."""
    import gguf

    qtype = getattr(gguf.GGMLQuantizationType, qtype_name)
    w = gguf.GGUFWriter(str(path), "llama")
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_rope_dimension_count(head_dim)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_freq_base(10000.0)
    w.add_file_type({"F32": 0, "Q8_0": 7, "Q4_0": 2}[qtype_name])
    w.add_tokenizer_model("llama")
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tokens += [f"\u2581t{i}" for i in range(cfg.vocab_size - len(tokens))]
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * len(tokens))
    w.add_token_types([2, 3, 3] + [6] * 256 + [1] * (len(tokens) - 259))
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)

    def interleave(t, heads):
        return t.reshape(heads, 2, t.shape[0] // heads // 2, t.shape[1]).swapaxes(1, 2).reshape(t.shape)

    def add(name, t):
        t = np.ascontiguousarray(t, dtype=np.float32)
        if t.ndim == 2 and qtype_name != "F32":
            w.add_tensor(name, gguf.quants.quantize(t, qtype), raw_dtype=qtype)
        else:
            w.add_tensor(name, t)

    sd = {k: v.detach().numpy() for k, v in hf_model.state_dict().items()}
    add("token_embd.weight", sd["model.embed_tokens.weight"])
    add("output_norm.weight", sd["model.norm.weight"])
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        add(f"blk.{i}.attn_norm.weight", sd[p + "input_layernorm.weight"])
        add(f"blk.{i}.attn_q.weight", interleave(sd[p + "self_attn.q_proj.weight"], cfg.num_attention_heads))
        add(f"blk.{i}.attn_k.weight", interleave(sd[p + "self_attn.k_proj.weight"], cfg.num_key_value_heads))
        add(f"blk.{i}.attn_v.weight", sd[p + "self_attn.v_proj.weight"])
        add(f"blk.{i}.attn_output.weight", sd[p + "self_attn.o_proj.weight"])
        add(f"blk.{i}.ffn_norm.weight", sd[p + "post_attention_layernorm.weight"])
        add(f"blk.{i}.ffn_gate.weight", sd[p + "mlp.gate_proj.weight"])
        add(f"blk.{i}.ffn_up.weight", sd[p + "mlp.up_proj.weight"])
        add(f"blk.{i}.ffn_down.weight", sd[p + "mlp.down_proj.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# --- runners: each returns (prefill seconds, decode seconds, greedy tokens, prefill logits) -----------------


def run_ingot(model, prompt, n):
    import ingot as mx
    import ingot.models as models

    start = time.perf_counter()
    tokens, first = [], None
    for i, (t, logits) in enumerate(models.generate_step(prompt, model, max_tokens=n)):
        if i == 0:
            prefill = time.perf_counter() - start
            first = np.array(logits)[0]
            start = time.perf_counter()
        tokens.append(t)
    return prefill, time.perf_counter() - start, tokens, first


def run_cpp(path, prompt, n, threads):
    exe = BUILD / "examples" / "llm_generate"
    env = dict(os.environ, INGOT_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    p = subprocess.run([str(exe), str(path), "--tokens", " ".join(map(str, prompt)), "-n", str(n), "--warmup", "1"],
                       capture_output=True, text=True, env=env, check=True)
    m = re.search(r"prompt: (\d+) tokens, ([\d.e+]+) tokens/s; generation: (\d+) tokens, ([\d.e+]+) tokens/s", p.stderr)
    prefill = int(m.group(1)) / float(m.group(2))
    decode = (int(m.group(3)) - 1) / float(m.group(4))
    return prefill, decode, [int(t) for t in p.stdout.split()], None


def run_transformers(model, prompt, n):
    import torch

    with torch.no_grad():
        start = time.perf_counter()
        out = model(torch.tensor([prompt]), use_cache=True)
        logits = out.logits[0, -1]
        prefill = time.perf_counter() - start
        first = logits.numpy().copy()
        start = time.perf_counter()
        past, tokens = out.past_key_values, []
        for i in range(n):
            t = int(torch.argmax(logits))
            tokens.append(t)
            if i + 1 == n:
                break
            out = model(torch.tensor([[t]]), past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1]
    return prefill, time.perf_counter() - start, tokens, first


def llamacpp_logits(llm):
    """The last evaluated position's logits (llama-cpp-python keeps them in ``scores`` only with
    logits_all, which would make llama.cpp compute the output head at every prompt position)."""
    return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))


def run_llamacpp(llm, prompt, n):
    llm.reset()
    start = time.perf_counter()
    llm.eval(prompt)
    first = llamacpp_logits(llm).copy()
    prefill = time.perf_counter() - start
    start = time.perf_counter()
    tokens = []
    logits = first
    for i in range(n):
        t = int(np.argmax(logits))
        tokens.append(t)
        if i + 1 == n:
            break
        llm.eval([t])
        logits = llamacpp_logits(llm)
    return prefill, time.perf_counter() - start, tokens, first


SYSTEMS = [  # (name, precision)
    ("ingot C++ imported (f32)", "f32"), ("ingot Python direct (f32)", "f32"), ("ingot Python imported (f32)", "f32"),
    ("ingot C++ imported (8-bit)", "8-bit"), ("ingot Python direct (8-bit)", "8-bit"),
    ("ingot Python imported (8-bit)", "8-bit"), ("ingot C++ imported (4-bit)", "4-bit"),
    ("ingot Python direct (4-bit)", "4-bit"), ("ingot Python imported (4-bit)", "4-bit"),
    ("transformers / PyTorch eager (f32)", "f32"),
    ("llama.cpp (f32)", "f32"), ("llama.cpp (q8_0)", "8-bit"), ("llama.cpp (q4_0)", "4-bit"),
]
GGUF = {"llama.cpp (f32)": "F32", "llama.cpp (q8_0)": "Q8_0", "llama.cpp (q4_0)": "Q4_0"}


def prepare(args, work):
    """The checkpoint, ingot's files (f32, 8-bit, 4-bit) and the GGUF files, made once."""
    import ingot.models as models

    hf_model, cfg = make_checkpoint(args, work / "hf")
    for bits in (None, 8, 4):
        model, _ = models.load(work / "hf")
        if bits:
            models.quantize_model(model, group_size=32, bits=bits)
        models.export_generation(model, str(work / f"ingot-{bits or 32}.ingot"))
    try:
        import gguf  # noqa: F401
        import llama_cpp  # noqa: F401
    except ImportError:
        print("llama-cpp-python or gguf is not installed: llama.cpp is skipped (bench/run_bench_llm installs them)")
        return [s for s in SYSTEMS if s[0] not in GGUF], cfg
    for name, qtype in GGUF.items():
        write_gguf(cfg, hf_model, work / f"model-{qtype.lower()}.gguf", qtype)
    return SYSTEMS, cfg


def worker(args, work, name):
    """One system in a process of its own (no other runtime's threads spinning beside it): a warm-up run,
    then the measured one; prints JSON with the times, tokens and prefill logits."""
    prompt = [1] + [int(t) for t in np.random.default_rng(0).integers(3, args.vocab, args.prompt - 1)]
    n = args.generate
    bits = 8 if "8-bit" in name else 4 if "4-bit" in name else 32
    if name.startswith("ingot C++"):
        runner = lambda: run_cpp(work / f"ingot-{bits}.ingot", prompt, n, args.threads)  # noqa: E731
    elif name.startswith("ingot Python"):
        import ingot as mx
        import ingot.models as models

        if "imported" in name:
            target = mx.import_function(str(work / f"ingot-{bits}.ingot"))
        else:
            target, _ = models.load(work / "hf")
            if bits != 32:
                models.quantize_model(target, group_size=32, bits=bits)
        runner = lambda: run_ingot(target, prompt, n)  # noqa: E731
    elif name.startswith("transformers"):
        import torch
        import transformers

        torch.set_num_threads(args.threads)
        model = transformers.LlamaForCausalLM.from_pretrained(work / "hf").eval()
        runner = lambda: run_transformers(model, prompt, n)  # noqa: E731
    else:
        from llama_cpp import Llama

        llm = Llama(model_path=str(work / f"model-{GGUF[name].lower()}.gguf"), n_ctx=args.prompt + n + 8, n_batch=512,
                    n_ubatch=512, n_threads=args.threads, n_threads_batch=args.threads, verbose=False)
        runner = lambda: run_llamacpp(llm, prompt, n)  # noqa: E731
    runner()
    prefill, decode, tokens, logits = runner()
    out = {"prefill": prefill, "decode": decode, "tokens": tokens}
    if logits is not None:
        np.save(work / "logits.npy", np.asarray(logits, dtype=np.float32))
    print("RESULT " + json.dumps(out))


def run_worker(args, work, name):
    cmd = [sys.executable, "-W", "ignore", __file__, "--worker", name, "--work", str(work), "--threads",
           str(args.threads), "--prompt", str(args.prompt), "--generate", str(args.generate), "--vocab", str(args.vocab)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
    if p.returncode != 0 or line is None:
        sys.exit(f"{name} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    out = json.loads(line[len("RESULT "):])
    logits_file = work / "logits.npy"
    out["logits"] = np.load(logits_file) if logits_file.exists() else None
    if logits_file.exists():
        logits_file.unlink()
    return out


def main():
    args = parse()
    env = {"OPENBLAS_NUM_THREADS": str(args.threads), "INGOT_NUM_THREADS": str(args.threads),
           "OMP_NUM_THREADS": str(args.threads)}
    os.environ.update(env)
    # The C++ programs get the OpenBLAS kernel family the Python package chooses for this CPU.
    sys.path.insert(0, str(ROOT / "python"))
    from ingot._platform import choose_openblas_kernels
    choose_openblas_kernels()
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="bench_llm_"))
    if args.worker:
        worker(args, work, args.worker)
        return
    work.mkdir(parents=True, exist_ok=True)
    systems, cfg = prepare(args, work)
    n_params = sum(p.numel() for p in transformers_model(work).parameters())
    print(f"model: {n_params / 1e6:.1f}M parameters ({cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, "
          f"{cfg.num_attention_heads}/{cfg.num_key_value_heads} heads, vocab {cfg.vocab_size}); prompt {args.prompt}, "
          f"{args.generate} generated tokens, {args.threads} threads, {args.rounds} rounds, each system in its own process")

    # Checks before timing: greedy tokens and prefill logits against transformers in float32.
    ref = run_worker(args, work, "transformers / PyTorch eager (f32)")
    scale = float(np.sqrt(np.mean(ref["logits"] ** 2)))
    times = {name: ([], []) for name, _ in systems}
    for r in range(args.rounds):
        for name, tag in systems:
            out = run_worker(args, work, name)
            times[name][0].append(out["prefill"])
            times[name][1].append(out["decode"])
            if r == 0:
                agree = next((i for i, (a, b) in enumerate(zip(out["tokens"], ref["tokens"])) if a != b), len(out["tokens"]))
                err = ""
                if out["logits"] is not None:
                    e = np.sqrt(np.mean((out["logits"] - ref["logits"]) ** 2)) / scale
                    err = f", prefill logits: RMS error {e:.1e} of RMS"
                print(f"check {name}: first {agree}/{len(out['tokens'])} greedy tokens as transformers{err}", flush=True)
                if tag == "f32" and agree < min(8, len(out["tokens"])):
                    sys.exit(f"{name} disagrees with transformers in float32: the benchmark would compare different work")

    rows = {}
    for name, (prefills, decodes) in times.items():
        rows[name] = (args.prompt / statistics.median(prefills), (args.generate - 1) / statistics.median(decodes))
    print(f"\n{'system':40s} {'prefill tok/s':>14s} {'decode tok/s':>13s}   ratio to llama.cpp (prefill, decode)")
    for name, tag in systems:
        base = next((rows[n] for n, t in systems if t == tag and n.startswith("llama.cpp")), None)
        ratio = f"{rows[name][0] / base[0]:.2f}x, {rows[name][1] / base[1]:.2f}x" if base else "-"
        print(f"{name:40s} {rows[name][0]:14.1f} {rows[name][1]:13.1f}   {ratio}")
    print(json.dumps({n: {"prefill_tokens_per_s": r[0], "decode_tokens_per_s": r[1]} for n, r in rows.items()}))


def transformers_model(work):
    import transformers

    return transformers.LlamaForCausalLM.from_pretrained(work / "hf")


if __name__ == "__main__":
    main()
