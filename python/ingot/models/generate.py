"""Running language models: loading a Hugging Face checkpoint directory, converting llama2.c checkpoints to
one, sampling, generation (directly or through an exported file), and export of generation as one file
with a prefill and a decode trace that ``examples/llm/llm_generate`` (C++) runs.
"""

import glob
import json
import os
import struct
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional, Sequence, Union

import numpy as np

import ingot as mx
import ingot.nn as nn

from . import llama
from .cache import ConcatenateKVCache, make_prompt_cache

MODEL_TYPES = {"llama": llama}

# The metadata key of an exported generation file, and the version of what is under it.
METADATA_KEY = "ingot.generation"
METADATA_VERSION = 1


# --- loading ---------------------------------------------------------------------------------------------


def _model_module(config: dict, who: str):
    model_type = config.get("model_type", "llama")
    if model_type not in MODEL_TYPES:
        raise ValueError(f"[{who}] model_type '{model_type}' is not supported (supported: {sorted(MODEL_TYPES)}).")
    return MODEL_TYPES[model_type]


def load_config(path: str) -> dict:
    """The ``config.json`` of a checkpoint directory."""
    file = os.path.join(path, "config.json")
    if not os.path.isfile(file):
        raise ValueError(f"[load] {path} has no config.json.")
    with open(file) as f:
        return json.load(f)


def load(path: str, *, return_config: bool = False):
    """``(model, tokenizer)`` from a Hugging Face checkpoint directory: ``config.json`` and
    ``model.safetensors`` (or shards), in Hugging Face's names. The tokenizer is a ``tokenizers.Tokenizer``
    read from ``tokenizer.json`` when the directory has one and the ``tokenizers`` package is installed,
    else None. A ``quantization`` entry in the config (MLX's quantized checkpoints) quantizes the layers
    that have scales before the weights are loaded."""
    config = load_config(path)
    module = _model_module(config, "load")
    model = module.Model(module.ModelArgs.from_dict(config))
    files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if not files:
        raise ValueError(f"[load] {path} has no .safetensors weights.")
    weights = {}
    for file in files:
        weights.update(mx.load(file))
    weights = model.sanitize(weights) if hasattr(model, "sanitize") else weights
    quantization = config.get("quantization")
    if quantization is not None:
        nn.quantize(
            model,
            group_size=quantization["group_size"],
            bits=quantization["bits"],
            mode=quantization.get("mode", "affine"),
            class_predicate=lambda p, m: hasattr(m, "to_quantized") and f"{p}.scales" in weights,
        )
    model.load_weights(list(weights.items()))
    mx.eval(model.parameters())
    model.eval()
    tokenizer = None
    tokenizer_file = os.path.join(path, "tokenizer.json")
    if os.path.isfile(tokenizer_file):
        try:
            from tokenizers import Tokenizer
        except ImportError:
            Tokenizer = None
        if Tokenizer is not None:
            tokenizer = Tokenizer.from_file(tokenizer_file)
    if return_config:
        return model, tokenizer, config
    return model, tokenizer


def _hf_rope_permutation(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Rows of a q or k projection reordered from interleaved rotary pairs (2i, 2i + 1 of each head, as
    llama2.c and Meta's checkpoints rotate them) to Hugging Face's halves (i, i + head_dim / 2)."""
    out_features, in_features = w.shape
    head_dim = out_features // n_heads
    return w.reshape(n_heads, head_dim // 2, 2, in_features).transpose(0, 2, 1, 3).reshape(out_features, in_features)


def convert_llama2c(checkpoint: str, out_dir: str, *, bos_token_id: int = 1, eos_token_id: int = 2) -> dict:
    """Writes a llama2.c checkpoint (``.bin``: the legacy header of 7 int32 or the version 1 float32
    format) as a Hugging Face checkpoint directory: ``config.json`` and ``model.safetensors``, with the q
    and k projections permuted to Hugging Face's rotary layout. Returns the config."""
    with open(checkpoint, "rb") as f:
        data = f.read()
    who = "convert_llama2c"
    if len(data) >= 8 and struct.unpack_from("<I", data, 0)[0] == 0x616B3432:
        version = struct.unpack_from("<i", data, 4)[0]
        if version != 1:
            raise ValueError(f"[{who}] {checkpoint}: llama2.c format version {version} is not supported (0 and 1).")
        dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = struct.unpack_from("<7i", data, 8)
        shared = data[36] != 0
        offset = 256
    else:
        if len(data) < 28:
            raise ValueError(f"[{who}] {checkpoint} is too short for a llama2.c header ({len(data)} bytes).")
        dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = struct.unpack_from("<7i", data, 0)
        shared = vocab > 0
        vocab = abs(vocab)
        offset = 28
        version = 0
    params = dict(dim=dim, hidden_dim=hidden, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv_heads,
                  vocab_size=vocab, seq_len=seq_len)
    if min(params.values()) <= 0 or dim % n_heads or n_heads % n_kv_heads or (dim // n_heads) % 2:
        raise ValueError(f"[{who}] {checkpoint}: invalid llama2.c header {params}.")
    head_dim = dim // n_heads
    kv_dim = n_kv_heads * head_dim
    L = n_layers
    shapes = {
        "tok_embeddings": (vocab, dim), "attention_norm": (L, dim), "wq": (L, dim, dim), "wk": (L, kv_dim, dim),
        "wv": (L, kv_dim, dim), "wo": (L, dim, dim), "ffn_norm": (L, dim), "w1": (L, hidden, dim),
        "w2": (L, dim, hidden), "w3": (L, hidden, dim), "norm": (dim,), "freq_cis": (2, seq_len, head_dim // 2),
        "output": (vocab, dim),
    }
    if version == 0:
        order = ["tok_embeddings", "attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1", "w2", "w3", "norm",
                 "freq_cis"]
    else:
        order = ["attention_norm", "ffn_norm", "norm", "tok_embeddings", "wq", "wk", "wv", "wo", "w1", "w2", "w3"]
    if not shared:
        order.append("output")
    expected = offset + 4 * sum(int(np.prod(shapes[n])) for n in order)
    if len(data) != expected:
        raise ValueError(f"[{who}] {checkpoint} has {len(data)} bytes; its header {params} needs {expected}.")
    w = {}
    for name in order:
        count = int(np.prod(shapes[name]))
        w[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(shapes[name])
        offset += 4 * count

    tensors = {"model.embed_tokens.weight": w["tok_embeddings"], "model.norm.weight": w["norm"]}
    for i in range(L):
        p = f"model.layers.{i}."
        tensors[p + "self_attn.q_proj.weight"] = _hf_rope_permutation(w["wq"][i], n_heads)
        tensors[p + "self_attn.k_proj.weight"] = _hf_rope_permutation(w["wk"][i], n_kv_heads)
        tensors[p + "self_attn.v_proj.weight"] = w["wv"][i]
        tensors[p + "self_attn.o_proj.weight"] = w["wo"][i]
        tensors[p + "mlp.gate_proj.weight"] = w["w1"][i]
        tensors[p + "mlp.down_proj.weight"] = w["w2"][i]
        tensors[p + "mlp.up_proj.weight"] = w["w3"][i]
        tensors[p + "input_layernorm.weight"] = w["attention_norm"][i]
        tensors[p + "post_attention_layernorm.weight"] = w["ffn_norm"][i]
    if not shared:
        tensors["lm_head.weight"] = w["output"]
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": dim,
        "intermediate_size": hidden, "num_hidden_layers": n_layers, "num_attention_heads": n_heads,
        "num_key_value_heads": n_kv_heads, "head_dim": head_dim, "vocab_size": vocab,
        "max_position_embeddings": seq_len, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": shared, "hidden_act": "silu", "bos_token_id": bos_token_id,
        "eos_token_id": eos_token_id, "torch_dtype": "float32", "attention_bias": False, "mlp_bias": False,
    }
    os.makedirs(out_dir, exist_ok=True)
    mx.save_safetensors(os.path.join(out_dir, "model.safetensors"),
                        {k: mx.array(np.ascontiguousarray(v)) for k, v in tensors.items()}, metadata={"format": "pt"})
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return config


# --- sampling --------------------------------------------------------------------------------------------


def make_sampler(temp: float = 0.0, top_p: float = 0.0, top_k: int = 0) -> Callable:
    """``sampler(logits, key=None)``: token ids (B,) from logits (B, vocab).

    ``temp`` 0 takes the argmax. Otherwise the logits are divided by ``temp``, only the ``top_k`` largest
    are kept when 0 < ``top_k`` < vocab, then only the most probable tokens whose probabilities add up to
    at least ``top_p`` when 0 < ``top_p`` < 1, and a token is drawn with ``ingot.random.categorical``
    (from ``key`` when given). ``examples/llm/llm_generate`` does the same steps, so that a seed gives
    the same tokens in Python and C++.
    """
    if temp < 0 or top_k < 0 or not (0 <= top_p <= 1):
        raise ValueError(f"[make_sampler] temp={temp}, top_p={top_p}, top_k={top_k}: need temp >= 0, "
                         "0 <= top_p <= 1 and top_k >= 0.")

    def sampler(logits, key=None):
        if temp == 0:
            return mx.argmax(logits, axis=-1).astype(mx.int32)
        x = logits.astype(mx.float32) / mx.array(temp, dtype=mx.float32)
        vocab = x.shape[-1]
        order = mx.argsort(x, axis=-1)
        x = mx.take_along_axis(x, order, axis=-1)  # ascending
        neg_inf = mx.array(-np.inf, dtype=mx.float32)
        if 0 < top_k < vocab:
            x = mx.where(mx.arange(vocab) >= vocab - top_k, x, neg_inf)
        if 0 < top_p < 1:
            cumulative = mx.cumsum(mx.softmax(x, axis=-1), axis=-1)
            x = mx.where(cumulative > mx.array(1 - top_p, dtype=mx.float32), x, neg_inf)
        index = mx.random.categorical(x, axis=-1, key=key)
        return mx.take_along_axis(order, index.astype(mx.int32)[..., None], axis=-1)[..., 0].astype(mx.int32)

    return sampler


# --- generation ------------------------------------------------------------------------------------------


def _is_exported(model) -> bool:
    return isinstance(model, mx.ImportedFunction)


def _eos_ids(model, eos_token_id) -> set:
    if eos_token_id is None:
        if _is_exported(model):
            eos_token_id = model.metadata.get(METADATA_KEY, {}).get("eos_token_id")
        else:
            eos_token_id = getattr(getattr(model, "args", None), "eos_token_id", None)
    if eos_token_id is None:
        return set()
    return set(eos_token_id) if isinstance(eos_token_id, (list, tuple)) else {int(eos_token_id)}


def generate_step(prompt, model, *, max_tokens: int = 256, sampler: Optional[Callable] = None,
                  seed: Optional[int] = None, prompt_cache=None) -> Iterator:
    """Yields ``(token, logits)`` for each generated token: ``prompt`` (token ids) runs as one prefill,
    then one decode step per token. ``model`` is a model, or the function of a file written by
    :func:`export_generation` (``ingot.import_function``), which then carries the cache in and out.
    With ``seed``, token n is drawn with the second half of the n-th split of ``random.key(seed)``."""
    sampler = sampler or make_sampler()
    tokens = mx.array(np.asarray(prompt, dtype=np.int32).reshape(1, -1))
    if tokens.size == 0:
        raise ValueError("[generate_step] the prompt is empty: give at least one token (e.g. BOS).")
    key = mx.random.key(seed) if seed is not None else None
    exported = _is_exported(model)
    if exported:
        out = model(tokens)
        logits, state = out[0], out[1:]
    else:
        cache = prompt_cache if prompt_cache is not None else make_prompt_cache(model)
        logits = model(tokens, cache=cache)[:, -1, :]
    offset = tokens.shape[1]
    for _ in range(max_tokens):
        sub = None
        if key is not None:
            key, sub = mx.random.split(key)
        token = sampler(logits, sub)
        mx.eval(token)
        yield int(token.item()), logits
        step = token.reshape(1, 1)
        if exported:
            out = model(step, mx.array(offset, dtype=mx.int32), *state)
            logits, state = out[0], out[1:]
        else:
            logits = model(step, cache=cache)[:, -1, :]
        offset += 1


@dataclass
class GenerationResponse:
    """One generated token: its id, its text (with a tokenizer; a piece may be empty until a character's
    bytes are complete), the logits it was drawn from, and the speeds so far."""

    text: str
    token: int
    logits: Any
    prompt_tokens: int
    prompt_tps: float
    generation_tokens: int
    generation_tps: float
    finish_reason: Optional[str] = None


def _encode(tokenizer, prompt):
    if isinstance(prompt, str):
        if tokenizer is None:
            raise ValueError("[generate] a text prompt needs a tokenizer; give token ids instead.")
        ids = tokenizer.encode(prompt)
        return list(getattr(ids, "ids", ids))
    return [int(t) for t in np.asarray(prompt).reshape(-1)]


def stream_generate(model, tokenizer, prompt: Union[str, Sequence[int]], max_tokens: int = 256, *,
                    sampler: Optional[Callable] = None, temp: float = 0.0, top_p: float = 0.0, top_k: int = 0,
                    seed: Optional[int] = None, eos_token_id=None, prompt_cache=None) -> Iterator[GenerationResponse]:
    """Yields a :class:`GenerationResponse` per token until an end-of-sequence token (which is yielded,
    with ``finish_reason`` "stop") or ``max_tokens`` ("length"). ``tokenizer`` may be None when
    ``prompt`` is token ids; ``sampler`` defaults to ``make_sampler(temp, top_p, top_k)``."""
    ids = _encode(tokenizer, prompt)
    sampler = sampler or make_sampler(temp, top_p, top_k)
    eos = _eos_ids(model, eos_token_id)
    start = time.perf_counter()
    prompt_tps = 0.0
    generated: List[int] = []
    text_so_far = ""
    for n, (token, logits) in enumerate(
        generate_step(ids, model, max_tokens=max_tokens, sampler=sampler, seed=seed, prompt_cache=prompt_cache)
    ):
        if n == 0:
            prompt_time = time.perf_counter() - start
            prompt_tps = len(ids) / prompt_time
            start = time.perf_counter()
        generated.append(token)
        text = ""
        if tokenizer is not None:
            full = tokenizer.decode(generated)
            if not full.endswith("\ufffd"):  # a character whose bytes are not all out yet waits
                text, text_so_far = full[len(text_so_far):], full
        finish = "stop" if token in eos else ("length" if n + 1 == max_tokens else None)
        elapsed = time.perf_counter() - start
        yield GenerationResponse(text, token, logits, len(ids), prompt_tps, n + 1,
                                 (n / elapsed) if n and elapsed > 0 else 0.0, finish)
        if finish == "stop":
            break


def generate(model, tokenizer, prompt: Union[str, Sequence[int]], max_tokens: int = 256, verbose: bool = False,
             **kwargs) -> Union[str, List[int]]:
    """All of :func:`stream_generate` at once: the text with a tokenizer, else the token ids. ``verbose``
    prints the tokens as they come and the speeds."""
    tokens, pieces, last = [], [], None
    for response in stream_generate(model, tokenizer, prompt, max_tokens, **kwargs):
        tokens.append(response.token)
        pieces.append(response.text)
        last = response
        if verbose:
            print(response.text if tokenizer is not None else response.token, end="" if tokenizer else " ",
                  flush=True)
    if verbose and last is not None:
        print(f"\nprompt: {last.prompt_tokens} tokens, {last.prompt_tps:.1f} tokens/s; "
              f"generation: {last.generation_tokens} tokens, {last.generation_tps:.1f} tokens/s")
    if tokenizer is not None:
        return tokenizer.decode(tokens)
    return tokens


# --- export ----------------------------------------------------------------------------------------------


def export_generation(model, path: str, *, metadata: Optional[dict] = None, example_length: int = 4) -> None:
    """Writes generation with ``model`` as one shapeless file with two traces of one function:

    - prefill: ``(tokens int32 (B, L))`` -> ``(logits (B, vocab), k_0, v_0, k_1, v_1, ...)``: the prompt
      under the causal mask, the logits of its last position and each layer's keys and values
      (B, kv_heads, L, head_dim);
    - decode: ``(tokens int32 (B, L), offset int32 (), k_0, v_0, ...)`` -> the same outputs, with the
      cache grown by the L new positions; ``offset`` is the cached length. One token is the usual call;
      the causal mode is kept so that several at once (chunked prefill) are right too.

    The metadata gets an ``"ingot.generation"`` entry (layers, cache shapes, vocabulary, BOS/EOS, the
    quantization) that ``llm_generate`` reads, and ``"config"``, the model's arguments.
    """
    args = model.args
    n_layers = len(model.layers)
    mx.eval(model.parameters())

    def step(tokens, offset=None, *state):
        if offset is None:
            cache = [ConcatenateKVCache() for _ in range(n_layers)]
        else:
            if len(state) != 2 * n_layers:
                raise ValueError(f"[export_generation] decode takes {2 * n_layers} cache arrays, got {len(state)}.")
            cache = [ConcatenateKVCache(state[2 * i], state[2 * i + 1], offset) for i in range(n_layers)]
        logits = model(tokens, cache=cache, mask="causal")[:, -1, :]
        return [logits] + [a for c in cache for a in c.state]

    dtype = model.model.norm.weight.dtype  # the activations' (and so the cache's): norms are never quantized
    eos = args.eos_token_id
    quantization = None
    q = next((m for _, m in model.named_modules() if isinstance(m, (nn.QuantizedLinear, nn.QuantizedEmbedding))),
             None)
    if q is not None:
        quantization = {"group_size": q.group_size, "bits": q.bits, "mode": q.mode}
    info = {
        "version": METADATA_VERSION,
        "model_type": args.model_type,
        "num_layers": n_layers,
        "num_key_value_heads": args.num_key_value_heads,
        "head_dim": args.head_dim,
        "vocab_size": args.vocab_size,
        "cache_dtype": str(dtype).split(".")[-1],
        "bos_token_id": args.bos_token_id,
        "eos_token_id": list(eos) if isinstance(eos, (list, tuple)) else ([eos] if eos is not None else []),
        "quantization": quantization,
        "traces": {
            "prefill": "(tokens int32 (B, L)) -> (logits (B, vocab), k_0, v_0, ...)",
            "decode": "(tokens int32 (B, L), offset int32 (), k_0, v_0, ...) -> (logits (B, vocab), k_0, v_0, ...)",
        },
    }
    full = {METADATA_KEY: info, "config": dict(vars(args))}
    if metadata:
        full.update(metadata)
    tokens = mx.zeros((1, example_length), dtype=mx.int32)
    kv_shape = (1, args.num_key_value_heads, example_length, args.head_dim)
    state = [mx.zeros(kv_shape, dtype=dtype) for _ in range(2 * n_layers)]
    with mx.exporter(path, step, shapeless=True, metadata=full) as export:
        export(tokens)
        export(tokens[:, :1], mx.array(example_length, dtype=mx.int32), *state)


def quantize_model(model, group_size: int = 64, bits: int = 4) -> dict:
    """Quantizes, in place, the linear and embedding layers of ``model`` whose input width is a multiple of
    ``group_size`` (as mlx-lm does; the others stay in floating point), and returns the ``quantization``
    entry a config records for it."""
    nn.quantize(model, group_size, bits,
                class_predicate=lambda _, m: hasattr(m, "to_quantized") and m.weight.shape[-1] % group_size == 0)
    return {"group_size": group_size, "bits": bits}
