"""The Llama architecture (Llama 1-3, TinyLlama, SmolLM, stories260K, ...) as mlx-lm writes it: token
embedding, RMSNorm, rotary position embeddings, grouped-query attention with a key/value cache, SwiGLU MLP,
tied or untied output head. Weights use Hugging Face's names (``model.layers.N.self_attn.q_proj.weight``).

The file runs on MLX with its imports changed to ``mlx.core`` and ``mlx.nn``. Two spellings differ from
mlx-lm's so that the model also traces shapeless (a size read in Python is a constant of the trace): heads
are split with ``mx.unflatten(x, -1, (heads, -1))`` and joined with ``flatten(-2)``, not ``reshape(B, L,
...)``.
"""

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

import ingot as mx
import ingot.nn as nn

from .base import BaseModelArgs, create_attention_mask, scaled_dot_product_attention


@dataclass
class ModelArgs(BaseModelArgs):
    """The fields of a Hugging Face Llama ``config.json`` that the model uses (others are ignored)."""

    model_type: str = "llama"
    hidden_size: int = 4096
    num_hidden_layers: int = 32
    intermediate_size: int = 11008
    num_attention_heads: int = 32
    rms_norm_eps: float = 1e-6
    vocab_size: int = 32000
    head_dim: Optional[int] = None
    max_position_embeddings: Optional[int] = None
    num_key_value_heads: Optional[int] = None
    attention_bias: bool = False
    mlp_bias: bool = False
    rope_theta: float = 10000
    rope_traditional: bool = False
    rope_scaling: Optional[Dict[str, Union[float, str]]] = None
    rope_parameters: Optional[Dict[str, Union[float, str]]] = None  # transformers 5's name for both above
    tie_word_embeddings: bool = True
    bos_token_id: Optional[int] = None
    eos_token_id: Optional[Any] = None

    def __post_init__(self):
        if self.rope_parameters is not None:
            self.rope_theta = self.rope_parameters.get("rope_theta", self.rope_theta)
            if self.rope_scaling is None and self.rope_parameters.get("rope_type", "default") != "default":
                self.rope_scaling = dict(self.rope_parameters)
        if self.num_key_value_heads is None:
            self.num_key_value_heads = self.num_attention_heads
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(
                f"[llama.ModelArgs] num_attention_heads={self.num_attention_heads} is not a multiple of "
                f"num_key_value_heads={self.num_key_value_heads}."
            )
        if self.head_dim is None:
            if self.hidden_size % self.num_attention_heads:
                raise ValueError(
                    f"[llama.ModelArgs] hidden_size={self.hidden_size} is not a multiple of "
                    f"num_attention_heads={self.num_attention_heads}; give head_dim."
                )
            self.head_dim = self.hidden_size // self.num_attention_heads


class Llama3RoPE(nn.Module):
    """Llama 3.1's rotary embedding: low frequencies scaled down by ``factor``, high ones kept, a smooth
    blend between (``rope_scaling`` of type "llama3")."""

    def __init__(self, dims, max_position_embeddings, traditional, base, scaling_config):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        factor = scaling_config["factor"]
        low_freq_factor = scaling_config.get("low_freq_factor", 1.0)
        high_freq_factor = scaling_config.get("high_freq_factor", 4.0)
        old_context_len = scaling_config.get("original_max_position_embeddings", 8192)
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        freqs = base ** (mx.arange(0, dims, 2) / dims)
        wavelens = 2 * math.pi * freqs
        freqs = mx.where(wavelens > low_freq_wavelen, freqs * factor, freqs)
        is_medium = (wavelens > high_freq_wavelen) & (wavelens < low_freq_wavelen)
        smooth = (old_context_len / wavelens - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smooth_freqs = freqs / ((1 - smooth) / factor + smooth)
        self._freqs = mx.where(is_medium, smooth_freqs, freqs)

    def __call__(self, x, offset=0):
        return mx.fast.rope(x, self.dims, traditional=self.traditional, base=None, scale=1.0, offset=offset,
                            freqs=self._freqs)


def initialize_rope(dims, base, traditional, scaling_config=None, max_position_embeddings=None):
    """The rotary embedding a ``config.json`` asks for: plain, "linear" (positions divided by ``factor``)
    or "llama3"; anything else is refused rather than approximated."""
    rope_type = "default"
    if scaling_config is not None:
        rope_type = scaling_config.get("type") or scaling_config.get("rope_type") or "default"
    if rope_type == "default":
        return nn.RoPE(dims, traditional=traditional, base=base)
    if rope_type == "linear":
        return nn.RoPE(dims, traditional=traditional, base=base, scale=1 / scaling_config["factor"])
    if rope_type == "llama3":
        return Llama3RoPE(dims, max_position_embeddings, traditional, base, scaling_config)
    raise ValueError(f"[llama] rope_scaling of type '{rope_type}' is not supported (default, linear, llama3).")


class Attention(nn.Module):
    """Grouped-query self-attention with rotary positions; ``cache`` (when given) holds earlier keys and
    values and the position ``offset`` of the new ones."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        dim = args.hidden_size
        self.n_heads = n_heads = args.num_attention_heads
        self.n_kv_heads = n_kv_heads = args.num_key_value_heads
        self.head_dim = head_dim = args.head_dim
        self.scale = head_dim**-0.5
        self.q_proj = nn.Linear(dim, n_heads * head_dim, bias=args.attention_bias)
        self.k_proj = nn.Linear(dim, n_kv_heads * head_dim, bias=args.attention_bias)
        self.v_proj = nn.Linear(dim, n_kv_heads * head_dim, bias=args.attention_bias)
        self.o_proj = nn.Linear(n_heads * head_dim, dim, bias=args.attention_bias)
        self.rope = initialize_rope(
            head_dim, args.rope_theta, args.rope_traditional, args.rope_scaling, args.max_position_embeddings
        )

    def __call__(self, x, mask=None, cache=None):
        queries, keys, values = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        # (B, L, heads * head_dim) -> (B, heads, L, head_dim)
        queries = mx.unflatten(queries, -1, (self.n_heads, -1)).transpose(0, 2, 1, 3)
        keys = mx.unflatten(keys, -1, (self.n_kv_heads, -1)).transpose(0, 2, 1, 3)
        values = mx.unflatten(values, -1, (self.n_kv_heads, -1)).transpose(0, 2, 1, 3)

        if cache is not None:
            queries = self.rope(queries, offset=cache.offset)
            keys = self.rope(keys, offset=cache.offset)
            keys, values = cache.update_and_fetch(keys, values)
        else:
            queries = self.rope(queries)
            keys = self.rope(keys)

        output = scaled_dot_product_attention(queries, keys, values, cache=cache, scale=self.scale, mask=mask)
        return self.o_proj(output.transpose(0, 2, 1, 3).flatten(-2))


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x))."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        dim, hidden_dim = args.hidden_size, args.intermediate_size
        self.gate_proj = nn.Linear(dim, hidden_dim, bias=args.mlp_bias)
        self.down_proj = nn.Linear(hidden_dim, dim, bias=args.mlp_bias)
        self.up_proj = nn.Linear(dim, hidden_dim, bias=args.mlp_bias)

    def __call__(self, x):
        return self.down_proj(nn.silu(self.gate_proj(x)) * self.up_proj(x))


class TransformerBlock(nn.Module):
    """Pre-norm residual block: attention, then the MLP, each after an RMSNorm."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.self_attn = Attention(args)
        self.mlp = MLP(args)
        self.input_layernorm = nn.RMSNorm(args.hidden_size, eps=args.rms_norm_eps)
        self.post_attention_layernorm = nn.RMSNorm(args.hidden_size, eps=args.rms_norm_eps)

    def __call__(self, x, mask=None, cache=None):
        h = x + self.self_attn(self.input_layernorm(x), mask, cache)
        return h + self.mlp(self.post_attention_layernorm(h))


class LlamaModel(nn.Module):
    """Embedding, the blocks and the final norm: hidden states (B, L, hidden_size) for token ids (B, L)."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.vocab_size = args.vocab_size
        self.embed_tokens = nn.Embedding(args.vocab_size, args.hidden_size)
        self.layers = [TransformerBlock(args) for _ in range(args.num_hidden_layers)]
        self.norm = nn.RMSNorm(args.hidden_size, eps=args.rms_norm_eps)

    def __call__(self, inputs, cache=None, mask="auto"):
        h = self.embed_tokens(inputs)
        if cache is None:
            cache = [None] * len(self.layers)
        if isinstance(mask, str) and mask == "auto":
            mask = create_attention_mask(h, cache[0])
        for layer, c in zip(self.layers, cache):
            h = layer(h, mask, cache=c)
        return self.norm(h)


class Model(nn.Module):
    """Logits (B, L, vocab) for token ids (B, L). ``cache`` holds one cache per layer (see
    ``ingot.models.cache``); ``mask`` is chosen from the length unless given ("causal", None or an array)."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.model_type = args.model_type
        self.model = LlamaModel(args)
        if not args.tie_word_embeddings:
            self.lm_head = nn.Linear(args.hidden_size, args.vocab_size, bias=False)

    def __call__(self, inputs, cache=None, mask="auto"):
        out = self.model(inputs, cache, mask)
        if self.args.tie_word_embeddings:
            return self.model.embed_tokens.as_linear(out)
        return self.lm_head(out)

    def sanitize(self, weights):
        """Drops what a Hugging Face checkpoint stores but the model computes (rotary tables) and the
        output head a tied model shares with the embedding."""
        weights = {k: v for k, v in weights.items() if "self_attn.rotary_emb.inv_freq" not in k}
        if self.args.tie_word_embeddings:
            weights.pop("lm_head.weight", None)
        return weights

    @property
    def layers(self):
        return self.model.layers
