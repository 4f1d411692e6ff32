// Generates text from a language model exported by ingot.models.export_generation (examples/llm/
// export_llm.py): one prefill call for the prompt, then one decode call per token with the key/value
// cache passed in and out. No Python involved.
//
//   llm_generate MODEL.ingot [--tokens "1 2 3" | --prompt TEXT --tokenizer tokenizer.json]
//                [--max-tokens N] [--temp T] [--top-p P] [--top-k K] [--seed S] [--logits-out FILE.npy]
//                [--warmup N]
//
// Tokens stream to stdout as they are produced (text with a tokenizer, else ids); the speeds go to
// stderr. Sampling takes the same steps as ingot.models.make_sampler, so a seed gives the same tokens
// as Python's generate() on the same file.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <ingot/ingot.h>

#include "tokenizer.h"

using namespace ingot;

namespace {

struct Sampling {
  double temp = 0.0, top_p = 0.0;
  int top_k = 0;
};

// Token ids (B,) from logits (B, vocab); the steps of ingot.models.make_sampler.
array sample(const array& logits, const Sampling& s, const random::Key& key) {
  if (s.temp == 0) return astype(argmax(logits, -1), int32);
  array x = divide(astype(logits, float32), array(static_cast<float>(s.temp)));
  const int vocab = x.shape().back();
  array order = argsort(x, -1);
  x = take_along_axis(x, order, -1);  // ascending
  const array neg_inf(-std::numeric_limits<float>::infinity());
  if (s.top_k > 0 && s.top_k < vocab) x = where(greater_equal(arange(vocab), vocab - s.top_k), x, neg_inf);
  if (s.top_p > 0 && s.top_p < 1) {
    array cumulative = cumsum(softmax(x, -1), -1);
    x = where(greater(cumulative, array(static_cast<float>(1 - s.top_p))), x, neg_inf);
  }
  array index = astype(random::categorical(x, -1, key), int32);
  return astype(squeeze(take_along_axis(order, expand_dims(index, -1), -1), -1), int32);
}

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    size_t used = 0;
    long v = std::stol(word, &used);
    if (used != word.size() || v < 0 || v > INT32_MAX) throw std::invalid_argument("invalid token id '" + word + "'");
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Generates tokens from a language model exported by ingot.models.export_generation."};
  std::string model_path, tokens_text, prompt, tokenizer_path, logits_out;
  int max_tokens = 256;
  uint64_t seed = 0;
  Sampling s;
  bool no_bos = false, quiet = false;
  int warmup = 0;
  app.add_option("model", model_path, "the exported file (.ingot)")->required();
  app.add_option("--tokens", tokens_text, "prompt token ids, separated by spaces (default: BOS)");
  app.add_option("--prompt", prompt, "prompt text (needs --tokenizer)");
  app.add_option("--tokenizer", tokenizer_path, "a Hugging Face tokenizer.json (byte-level BPE)");
  app.add_option("--max-tokens,-n", max_tokens, "the most tokens to generate")->check(CLI::PositiveNumber);
  app.add_option("--temp", s.temp, "sampling temperature; 0 takes the most likely token")->check(CLI::NonNegativeNumber);
  app.add_option("--top-p", s.top_p, "nucleus sampling: keep the most likely tokens up to this mass (0: off)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--top-k", s.top_k, "keep only the k most likely tokens (0: off)")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "random seed for sampling");
  app.add_flag("--no-bos", no_bos, "with --prompt: do not put BOS in front when the tokenizer does not");
  app.add_option("--logits-out", logits_out, "write the logits each token was drawn from (.npy, tokens x vocab)");
  app.add_flag("--quiet,-q", quiet, "print no speeds");
  app.add_option("--warmup", warmup, "generations run silently first (the speeds then leave out the first call's page faults)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    const ImportedFunction model = import_function(model_path);
    const Metadata& meta = model.metadata();
    if (!meta.contains("ingot.generation"))
      throw std::invalid_argument(model_path + " was not written by ingot.models.export_generation (no 'ingot.generation' metadata)");
    const Metadata& info = meta["ingot.generation"];
    const int n_layers = info.at("num_layers").get<int>();
    std::vector<int32_t> eos;
    for (const auto& e : info.at("eos_token_id")) eos.push_back(e.get<int32_t>());
    const std::optional<int32_t> bos =
        info.contains("bos_token_id") && !info["bos_token_id"].is_null() ? std::optional(info["bos_token_id"].get<int32_t>()) : std::nullopt;

    std::optional<llm::Tokenizer> tokenizer;
    if (!tokenizer_path.empty()) tokenizer = llm::Tokenizer::from_file(tokenizer_path);
    std::vector<int32_t> ids;
    if (!prompt.empty()) {
      if (!tokenizer) throw std::invalid_argument("--prompt needs --tokenizer (or give --tokens)");
      ids = tokenizer->encode(prompt);
      if (!no_bos && bos && (ids.empty() || ids.front() != *bos)) ids.insert(ids.begin(), *bos);
    } else if (!tokens_text.empty()) {
      ids = parse_ids(tokens_text);
    } else if (bos) {
      ids = {*bos};
    }
    if (ids.empty()) throw std::invalid_argument("the prompt is empty and the model has no BOS token: give --tokens");

    // One generation: prefill, then a decode call per token; `emit` streams the tokens and keeps the logits.
    struct Run {
      double prefill_s = 0, decode_s = 0;
      int generated = 0;
    };
    std::vector<array> all_logits;
    auto generate = [&](bool emit) {
      Run r;
      random::Key key = s.temp > 0 ? random::Key(random::key(seed)) : std::nullopt;
      std::optional<llm::StreamDecoder> stream;
      if (tokenizer && emit) stream.emplace(*tokenizer);
      const auto start = std::chrono::steady_clock::now();
      std::vector<array> out = model({array(ids, {1, static_cast<int>(ids.size())})});
      if (static_cast<int>(out.size()) != 1 + 2 * n_layers)
        throw std::runtime_error("the prefill trace returned " + std::to_string(out.size()) + " arrays, expected " +
                                 std::to_string(1 + 2 * n_layers));
      eval(out);
      r.prefill_s = seconds_since(start);
      auto decode_start = std::chrono::steady_clock::now();
      int offset = static_cast<int>(ids.size());
      while (r.generated < max_tokens) {
        std::optional<array> sub;
        if (key) {
          auto [next, draw] = random::split(*key);
          key = next;
          sub = draw;
        }
        array logits = out[0];
        if (emit && !logits_out.empty()) all_logits.push_back(logits);
        array token = sample(logits, s, sub);
        const int32_t t = token.item<int32_t>();
        ++r.generated;
        if (emit) {
          if (stream) std::cout << stream->add(t);
          else std::cout << (r.generated > 1 ? " " : "") << t;
          std::cout.flush();
        }
        if (r.generated == 1) decode_start = std::chrono::steady_clock::now();
        if (std::find(eos.begin(), eos.end(), t) != eos.end() || r.generated == max_tokens) break;
        std::vector<array> inputs{reshape(token, {1, 1}), array(static_cast<int32_t>(offset))};
        inputs.insert(inputs.end(), out.begin() + 1, out.end());
        out = model(inputs);
        eval(out);
        ++offset;
      }
      r.decode_s = seconds_since(decode_start);
      if (emit) {
        if (stream) std::cout << stream->finish();
        std::cout << "\n";
      }
      return r;
    };
    for (int i = 0; i < warmup; ++i) generate(false);
    const Run r = generate(true);
    if (!logits_out.empty()) save(logits_out, concatenate(all_logits, 0));
    if (!quiet) {
      std::cerr << "prompt: " << ids.size() << " tokens, " << ids.size() / r.prefill_s << " tokens/s; generation: "
                << r.generated << " tokens, " << (r.generated > 1 ? (r.generated - 1) / r.decode_s : 0.0)
                << " tokens/s\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "llm_generate: " << e.what() << "\n";
    return 1;
  }
}
