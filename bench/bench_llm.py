"""Language-model generation speed: prefill of a 128-token prompt and greedy decode, for a Llama of about
100M parameters with random weights, in

- ingot C++: examples/llm/llm_generate on the file written by ingot.models.export_generation;
- ingot Python, direct (ingot.models.generate_step on the model) and imported (on the same file);
- PyTorch 2.13 eager through Hugging Face transformers (LlamaForCausalLM with its cache);
- llama.cpp through llama-cpp-python, on the same weights written as GGUF with the gguf package;

at float32, and at 8 and 4 bits (ingot's affine quantization with groups of 32 beside llama.cpp's q8_0 and
q4_0, whose blocks are 32 too). Every system runs with the same thread count. Before timing, the systems'
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
    p = subprocess.run([str(exe), str(path), "--tokens", " ".join(map(str, prompt)), "-n", str(n)],
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


def run_llamacpp(llm, prompt, n):
    llm.reset()
    start = time.perf_counter()
    llm.eval(prompt)
    prefill = time.perf_counter() - start
    first = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    start = time.perf_counter()
    tokens = []
    logits = first
    for i in range(n):
        t = int(np.argmax(logits))
        tokens.append(t)
        if i + 1 == n:
            break
        llm.eval([t])
        logits = llm.scores[llm.n_tokens - 1]
    return prefill, time.perf_counter() - start, tokens, first


def main():
    args = parse()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("INGOT_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    import ingot as mx
    import ingot.models as models

    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="bench_llm_"))
    work.mkdir(parents=True, exist_ok=True)
    hf_model, cfg = make_checkpoint(args, work / "hf")
    n_params = sum(p.numel() for p in hf_model.parameters())
    print(f"model: {n_params / 1e6:.1f}M parameters ({args.layers} layers, hidden {args.hidden}, "
          f"{cfg.num_attention_heads}/{cfg.num_key_value_heads} heads, vocab {args.vocab}); prompt {args.prompt}, "
          f"{args.generate} generated tokens, {args.threads} threads, {args.rounds} rounds")

    prompt = [1] + [int(t) for t in np.random.default_rng(0).integers(3, args.vocab, args.prompt - 1)]
    systems = {}  # name -> (precision, runner)
    for bits in (None, 8, 4):
        model, _ = models.load(work / "hf")
        tag = "f32" if bits is None else f"{bits}-bit"
        if bits:
            models.quantize_model(model, group_size=32, bits=bits)
        path = work / f"ingot-{tag}.ingot"
        models.export_generation(model, str(path))
        imported = mx.import_function(str(path))
        systems[f"ingot C++ imported ({tag})"] = (tag, lambda p=path: run_cpp(p, prompt, args.generate, args.threads))
        systems[f"ingot Python direct ({tag})"] = (tag, lambda m=model: run_ingot(m, prompt, args.generate))
        systems[f"ingot Python imported ({tag})"] = (tag, lambda f=imported: run_ingot(f, prompt, args.generate))
    systems["transformers / PyTorch eager (f32)"] = ("f32", lambda: run_transformers(hf_model, prompt, args.generate))
    try:
        from llama_cpp import Llama
    except ImportError:
        Llama = None
        print("llama-cpp-python is not installed: llama.cpp is skipped (bench/run_bench_llm installs it)")
    if Llama is not None:
        for qtype, tag in (("F32", "f32"), ("Q8_0", "8-bit"), ("Q4_0", "4-bit")):
            path = work / f"model-{qtype.lower()}.gguf"
            write_gguf(cfg, hf_model, path, qtype)
            llm = Llama(model_path=str(path), n_ctx=args.prompt + args.generate + 8, n_batch=512, n_ubatch=512,
                        n_threads=args.threads, n_threads_batch=args.threads, verbose=False)
            systems[f"llama.cpp ({qtype.lower()})"] = (tag, lambda l=llm: run_llamacpp(l, prompt, args.generate))

    # Checks before timing: greedy tokens and prefill logits against transformers in float32.
    _, _, ref_tokens, ref_logits = run_transformers(hf_model, prompt, args.generate)
    scale = float(np.sqrt(np.mean(ref_logits ** 2)))
    for name, (tag, runner) in systems.items():
        _, _, tokens, logits = runner()
        agree = next((i for i, (a, b) in enumerate(zip(tokens, ref_tokens)) if a != b), len(tokens))
        err = "" if logits is None else f", prefill logits: RMS error {np.sqrt(np.mean((logits - ref_logits) ** 2)) / scale:.1e} of RMS"
        print(f"check {name}: first {agree}/{len(tokens)} greedy tokens as transformers{err}")
        if tag == "f32" and agree < min(8, len(tokens)):
            sys.exit(f"{name} disagrees with transformers in float32: the benchmark would compare different work")

    times = {name: ([], []) for name in systems}
    for _ in range(args.rounds):
        for name, (_, runner) in systems.items():
            prefill, decode, _, _ = runner()
            times[name][0].append(prefill)
            times[name][1].append(decode)

    rows = {}
    for name, (prefills, decodes) in times.items():
        rows[name] = (args.prompt / statistics.median(prefills), (args.generate - 1) / statistics.median(decodes))
    print(f"\n{'system':40s} {'prefill tok/s':>14s} {'decode tok/s':>13s}   ratio to llama.cpp (prefill, decode)")
    for name, (tag, _) in systems.items():
        base = next((rows[n] for n, (t, _) in systems.items() if t == tag and n.startswith("llama.cpp")), None)
        ratio = f"{rows[name][0] / base[0]:.2f}x, {rows[name][1] / base[1]:.2f}x" if base else "-"
        print(f"{name:40s} {rows[name][0]:14.1f} {rows[name][1]:13.1f}   {ratio}")
    print(json.dumps({n: {"prefill_tokens_per_s": r[0], "decode_tokens_per_s": r[1]} for n, r in rows.items()}))


if __name__ == "__main__":
    main()
