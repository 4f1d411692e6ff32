// A reader of Hugging Face `tokenizer.json` files for byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM, ...):
// encode text to token ids and decode ids to text, as the `tokenizers` package does.
//
// Supported: no normalizer; pre-tokenizers ByteLevel (with or without its regex, add_prefix_space),
// Split (a regex or string, behaviours Isolated and Removed) and a Sequence of them; the BPE model
// (merges as "a b" strings or pairs, ignore_merges); added and special tokens; the ByteLevel decoder;
// TemplateProcessing and ByteLevel post-processors for special tokens. Anything else is refused with
// std::invalid_argument naming it, rather than tokenized differently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llm {

class Tokenizer {
 public:
  static Tokenizer from_file(const std::string& path);
  static Tokenizer from_json(std::string_view json);

  // Token ids of UTF-8 `text` (std::invalid_argument when it is not valid UTF-8). With
  // add_special_tokens, the post-processor's template adds its special tokens (e.g. Llama 3's BOS).
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  // Text of `ids`: invalid UTF-8 from a partial character becomes U+FFFD, as in `tokenizers`.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;
  // The raw bytes token `id` stands for (empty for a skipped special token or an unknown id).
  std::string token_bytes(int32_t id, bool skip_special_tokens = true) const;
  int32_t vocab_size() const;
  int32_t token_to_id(std::string_view token) const;  // -1 when absent

  struct Impl;
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Streaming decode: bytes of tokens in, the longest complete UTF-8 text out; a character split across
// tokens waits for its last byte.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  std::string add(int32_t id);
  std::string finish();  // what is left, invalid bytes as U+FFFD

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;
};

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);

}  // namespace llm
