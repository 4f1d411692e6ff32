"""An independent numpy implementation of llama2.c's forward pass (run.c), read straight from a legacy
llama2.c checkpoint: interleaved rotary pairs, float64 arithmetic, one token at a time with a growing
cache. The reference the tests compare ingot's model (and the file it exports) against."""

import struct

import numpy as np


class Llama2c:
    def __init__(self, path):
        data = open(path, "rb").read()
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", data, 0)
        shared = vocab > 0
        vocab = abs(vocab)
        self.dim, self.n_layers, self.n_heads, self.n_kv, self.vocab = dim, n_layers, n_heads, n_kv, vocab
        self.head = dim // n_heads
        kv_dim = n_kv * self.head
        off = 28

        def take(*shape):
            nonlocal off
            n = int(np.prod(shape))
            a = np.frombuffer(data, "<f4", n, off).reshape(shape).astype(np.float64)
            off += 4 * n
            return a

        self.emb = take(vocab, dim)
        self.rms_att = take(n_layers, dim)
        self.wq = take(n_layers, dim, dim)
        self.wk = take(n_layers, kv_dim, dim)
        self.wv = take(n_layers, kv_dim, dim)
        self.wo = take(n_layers, dim, dim)
        self.rms_ffn = take(n_layers, dim)
        self.w1 = take(n_layers, hidden, dim)
        self.w2 = take(n_layers, dim, hidden)
        self.w3 = take(n_layers, hidden, dim)
        self.rms_final = take(dim)
        take(seq_len, self.head // 2)
        take(seq_len, self.head // 2)
        self.wcls = self.emb if shared else take(vocab, dim)
        self.reset()

    def reset(self):
        self.k_cache = [[] for _ in range(self.n_layers)]
        self.v_cache = [[] for _ in range(self.n_layers)]
        self.pos = 0

    @staticmethod
    def rmsnorm(x, w):
        return x / np.sqrt(np.mean(x * x) + 1e-5) * w

    def rope(self, v, pos):
        out = v.copy()
        for i in range(0, v.size, 2):
            j = i % self.head
            theta = pos * 10000.0 ** (-j / self.head)
            c, s = np.cos(theta), np.sin(theta)
            out[i], out[i + 1] = v[i] * c - v[i + 1] * s, v[i] * s + v[i + 1] * c
        return out

    def step(self, token):
        """The logits after feeding ``token`` at the next position."""
        x = self.emb[token].copy()
        rep = self.n_heads // self.n_kv
        for l in range(self.n_layers):
            xb = self.rmsnorm(x, self.rms_att[l])
            q = self.rope(self.wq[l] @ xb, self.pos)
            k = self.rope(self.wk[l] @ xb, self.pos)
            self.k_cache[l].append(k)
            self.v_cache[l].append(self.wv[l] @ xb)
            K = np.stack(self.k_cache[l])
            V = np.stack(self.v_cache[l])
            out = np.zeros(self.dim)
            for h in range(self.n_heads):
                kvh = h // rep
                sl = slice(kvh * self.head, (kvh + 1) * self.head)
                scores = K[:, sl] @ q[h * self.head:(h + 1) * self.head] / np.sqrt(self.head)
                p = np.exp(scores - scores.max())
                p /= p.sum()
                out[h * self.head:(h + 1) * self.head] = p @ V[:, sl]
            x = x + self.wo[l] @ out
            xb = self.rmsnorm(x, self.rms_ffn[l])
            g = self.w1[l] @ xb
            x = x + self.w2[l] @ (g / (1 + np.exp(-g)) * (self.w3[l] @ xb))
        self.pos += 1
        return self.wcls @ self.rmsnorm(x, self.rms_final)

    def greedy(self, prompt, n):
        """``n`` greedy tokens after ``prompt``, and the logits each was chosen from."""
        self.reset()
        for t in prompt:
            logits = self.step(t)
        tokens, all_logits = [], []
        for _ in range(n):
            all_logits.append(logits)
            t = int(np.argmax(logits))
            tokens.append(t)
            logits = self.step(t)
        return tokens, np.stack(all_logits)
