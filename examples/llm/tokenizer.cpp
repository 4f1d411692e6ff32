// Byte-level BPE from Hugging Face tokenizer.json; see tokenizer.h for what is supported. The steps and
// their order follow the `tokenizers` package: split off added tokens, pre-tokenize each remaining
// segment, map bytes to the byte-level alphabet, merge with BPE, then apply the post-processor.
#include "tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace llm {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("[Tokenizer] " + what); }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), or minus the length of its
// maximal invalid subpart (at least 1); 0 when the bytes end inside a sequence that could still be valid.
int utf8_sequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  int n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = 3;
  else if (c == 0xED) n = 3, hi = 0x9F;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) n = 4, hi = 0x8F;
  else return -1;
  for (int k = 1; k < n; ++k) {
    if (i + k >= s.size()) return 0;
    const unsigned char d = b(i + k);
    const bool ok = k == 1 ? (d >= lo && d <= hi) : (d >= 0x80 && d <= 0xBF);
    if (!ok) return -k;
  }
  return n;
}

// The UTF-8 characters of valid text, each as its bytes.
std::vector<std::string_view> utf8_chars(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    const int n = utf8_sequence(s, i);
    if (n <= 0) fail("the text is not valid UTF-8 (at byte " + std::to_string(i) + ")");
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// GPT-2's map from bytes to printable characters (the byte-level alphabet), and back.
struct ByteAlphabet {
  std::array<std::string, 256> to_char;
  std::unordered_map<std::string, uint8_t> to_byte;
  ByteAlphabet() {
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      uint32_t cp = printable ? b : 256 + extra++;
      append_utf8(to_char[b], cp);
      to_byte[to_char[b]] = static_cast<uint8_t>(b);
    }
  }
};
const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class Regex {
 public:
  explicit Regex(const std::string& pattern) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                          &error, &offset, nullptr);
    if (!code_) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof message);
      fail("invalid pre-tokenizer regex '" + pattern + "' at " + std::to_string(offset) + ": " +
           reinterpret_cast<char*>(message));
    }
    pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);  // optional: without JIT, matching is only slower
  }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex() { pcre2_code_free(code_); }

  // [begin, end) of each non-empty match, left to right.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view s) const {
    std::vector<std::pair<size_t, size_t>> out;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_, nullptr);
    size_t start = 0;
    while (start <= s.size()) {
      const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start,
                                 PCRE2_NO_UTF_CHECK, md, nullptr);
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      if (ov[1] == ov[0]) {  // an empty match: step over one character
        if (ov[0] >= s.size()) break;
        start = ov[0] + std::max(1, utf8_sequence(s, ov[0]));
        continue;
      }
      out.emplace_back(ov[0], ov[1]);
      start = ov[1];
    }
    pcre2_match_data_free(md);
    return out;
  }

 private:
  pcre2_code* code_ = nullptr;
};

std::string escape_regex(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

struct PreTokenizer {
  enum Kind { kByteLevel, kSplit } kind;
  bool add_prefix_space = false;  // ByteLevel
  std::unique_ptr<Regex> regex;   // ByteLevel with use_regex, or Split
  enum Behavior { kIsolated, kRemoved, kMergedWithPrevious, kMergedWithNext } behavior = kIsolated;

  std::vector<std::string> apply(const std::vector<std::string>& pieces) const {
    std::vector<std::string> out;
    for (const std::string& p0 : pieces) {
      std::string p = p0;
      if (kind == kByteLevel && add_prefix_space && (p.empty() || p[0] != ' ')) p.insert(p.begin(), ' ');
      if (!regex) {
        out.push_back(std::move(p));
        continue;
      }
      const auto matches = regex->find_all(p);
      size_t at = 0;
      std::string carry;  // MergedWithNext: a match waiting for what follows it
      auto emit = [&](std::string s) {
        if (!s.empty()) out.push_back(std::move(s));
      };
      for (auto [b, e] : matches) {
        std::string gap = p.substr(at, b - at), match = p.substr(b, e - b);
        switch (behavior) {
          case kIsolated: emit(gap); emit(match); break;
          case kRemoved: emit(gap); break;
          case kMergedWithPrevious:
            if (!gap.empty()) emit(gap + match);
            else if (!out.empty() && at > 0) out.back() += match;
            else emit(match);
            break;
          case kMergedWithNext:
            emit(carry + gap);
            carry = match;
            break;
        }
        at = e;
      }
      if (behavior == kMergedWithNext) emit(carry + p.substr(at));
      else emit(p.substr(at));
    }
    return out;
  }
};

std::unique_ptr<PreTokenizer> byte_level(const json& j) {
  auto t = std::make_unique<PreTokenizer>();
  t->kind = PreTokenizer::kByteLevel;
  t->add_prefix_space = j.value("add_prefix_space", false);
  if (j.value("use_regex", true)) t->regex = std::make_unique<Regex>(kGpt2Pattern);
  return t;
}

std::unique_ptr<PreTokenizer> split(const json& j) {
  auto t = std::make_unique<PreTokenizer>();
  t->kind = PreTokenizer::kSplit;
  const json& pattern = j.at("pattern");
  if (pattern.contains("Regex")) t->regex = std::make_unique<Regex>(pattern["Regex"].get<std::string>());
  else if (pattern.contains("String")) t->regex = std::make_unique<Regex>(escape_regex(pattern["String"].get<std::string>()));
  else fail("a Split pre-tokenizer needs a Regex or String pattern");
  const std::string behavior = j.value("behavior", "Isolated");
  if (behavior == "Isolated") t->behavior = PreTokenizer::kIsolated;
  else if (behavior == "Removed") t->behavior = PreTokenizer::kRemoved;
  else if (behavior == "MergedWithPrevious") t->behavior = PreTokenizer::kMergedWithPrevious;
  else if (behavior == "MergedWithNext") t->behavior = PreTokenizer::kMergedWithNext;
  else fail("the Split behavior '" + behavior + "' is not supported (Isolated, Removed, MergedWithPrevious, MergedWithNext)");
  if (j.value("invert", false)) fail("an inverted Split pre-tokenizer is not supported");
  return t;
}

void read_pre_tokenizers(const json& j, std::vector<std::unique_ptr<PreTokenizer>>& out) {
  if (j.is_null()) return;
  const std::string type = j.at("type");
  if (type == "Sequence") {
    for (const json& p : j.at("pretokenizers")) read_pre_tokenizers(p, out);
  } else if (type == "ByteLevel") {
    out.push_back(byte_level(j));
  } else if (type == "Split") {
    out.push_back(split(j));
  } else {
    fail("the pre-tokenizer '" + type + "' is not supported (ByteLevel, Split, Sequence)");
  }
}

struct AddedToken {
  int32_t id;
  std::string content;
  bool special, lstrip, rstrip;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

struct Tokenizer::Impl {
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> id_to_token;  // "" where no token has the id
  std::vector<bool> is_special;
  std::map<std::pair<int32_t, int32_t>, std::pair<int32_t, int32_t>> merges;  // pair -> (rank, new id)
  std::vector<AddedToken> added;
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers;
  bool ignore_merges = false;
  int32_t unk = -1;
  std::vector<std::vector<int32_t>> template_single;  // ids before/after the sequence: [0] before, [1] after
  bool has_template = false;

  void set_token(int32_t id, const std::string& token) {
    if (id < 0) fail("negative token id " + std::to_string(id) + " for '" + token + "'");
    if (static_cast<size_t>(id) >= id_to_token.size()) {
      id_to_token.resize(id + 1);
      is_special.resize(id + 1, false);
    }
    id_to_token[id] = token;
  }

  // BPE of one pre-token given as byte-level characters (tokenizers' Word::merge_all: the lowest rank
  // first, then the leftmost).
  void bpe(const std::string& piece, std::vector<int32_t>& out) const {
    if (ignore_merges) {
      auto it = vocab.find(piece);
      if (it != vocab.end()) {
        out.push_back(it->second);
        return;
      }
    }
    struct Symbol {
      int32_t id;
      int prev, next;
      bool alive;
    };
    std::vector<Symbol> sym;
    for (std::string_view ch : utf8_chars(piece)) {
      auto it = vocab.find(std::string(ch));
      int32_t id = it != vocab.end() ? it->second : unk;
      if (id < 0) continue;  // no unknown token: the character is dropped, as tokenizers does
      const int n = static_cast<int>(sym.size());
      sym.push_back({id, n - 1, n + 1, true});
    }
    if (sym.empty()) return;
    sym.back().next = -1;
    struct Merge {
      int32_t rank;
      int pos;
      int32_t new_id;
      bool operator>(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Merge, std::vector<Merge>, std::greater<Merge>> queue;
    auto push = [&](int pos) {
      const int next = sym[pos].next;
      if (next < 0) return;
      auto it = merges.find({sym[pos].id, sym[next].id});
      if (it != merges.end()) queue.push({it->second.first, pos, it->second.second});
    };
    for (int i = 0; i + 1 < static_cast<int>(sym.size()); ++i) push(i);
    while (!queue.empty()) {
      const Merge top = queue.top();
      queue.pop();
      Symbol& left = sym[top.pos];
      if (!left.alive || left.next < 0) continue;
      Symbol& right = sym[left.next];
      auto it = merges.find({left.id, right.id});
      if (it == merges.end() || it->second.second != top.new_id) continue;  // stale entry
      left.id = top.new_id;
      right.alive = false;
      left.next = right.next;
      if (right.next >= 0) sym[right.next].prev = top.pos;
      if (left.prev >= 0) push(left.prev);
      push(top.pos);
    }
    for (int i = 0; i >= 0 && i < static_cast<int>(sym.size()); i = sym[i].next) out.push_back(sym[i].id);
  }

  void encode_segment(const std::string& text, std::vector<int32_t>& out) const {
    std::vector<std::string> pieces{text};
    for (const auto& p : pre_tokenizers) pieces = p->apply(pieces);
    const ByteAlphabet& a = alphabet();
    for (const std::string& piece : pieces) {
      std::string mapped;
      for (unsigned char c : piece) mapped += a.to_char[c];
      bpe(mapped, out);
    }
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return from_json(ss.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (in '" + path + "')");
  }
}

Tokenizer Tokenizer::from_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    fail(std::string("not a JSON document: ") + e.what());
  }
  auto impl = std::make_unique<Impl>();
  try {
    const json& model = j.at("model");
    const std::string type = model.value("type", "BPE");
    if (type != "BPE") fail("the model '" + type + "' is not supported (BPE)");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      if (model.contains(key) && !model[key].is_null() && !model[key].get<std::string>().empty())
        fail(std::string("a BPE model with ") + key + " is not byte-level BPE and is not supported");
    }
    if (model.value("byte_fallback", false)) fail("a BPE model with byte_fallback is not supported");
    if (model.contains("dropout") && !model["dropout"].is_null()) fail("BPE dropout is not supported");
    impl->ignore_merges = model.value("ignore_merges", false);
    for (const auto& [token, id] : model.at("vocab").items()) {
      impl->vocab[token] = id.get<int32_t>();
      impl->set_token(id.get<int32_t>(), token);
    }
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
      auto it = impl->vocab.find(model["unk_token"].get<std::string>());
      if (it != impl->vocab.end()) impl->unk = it->second;
    }
    int32_t rank = 0;
    for (const json& m : model.at("merges")) {
      std::string a, b;
      if (m.is_string()) {
        const std::string s = m;
        const size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
          fail("merge " + std::to_string(rank) + " '" + s + "' is not two tokens separated by a space");
        a = s.substr(0, space), b = s.substr(space + 1);
      } else {
        if (!m.is_array() || m.size() != 2) fail("merge " + std::to_string(rank) + " is not a pair of tokens");
        a = m[0], b = m[1];
      }
      auto ia = impl->vocab.find(a), ib = impl->vocab.find(b), ic = impl->vocab.find(a + b);
      if (ia == impl->vocab.end() || ib == impl->vocab.end() || ic == impl->vocab.end())
        fail("merge " + std::to_string(rank) + " '" + a + " " + b + "' uses or makes a token not in the vocabulary");
      impl->merges.emplace(std::make_pair(ia->second, ib->second), std::make_pair(rank, ic->second));
      ++rank;
    }
    if (j.contains("normalizer") && !j["normalizer"].is_null())
      fail("the normalizer '" + j["normalizer"].value("type", std::string("?")) + "' is not supported (none)");
    read_pre_tokenizers(j.value("pre_tokenizer", json()), impl->pre_tokenizers);
    if (j.contains("added_tokens")) {
      for (const json& t : j["added_tokens"]) {
        if (t.value("single_word", false)) fail("added tokens with single_word are not supported");
        AddedToken a{t.at("id").get<int32_t>(), t.at("content").get<std::string>(), t.value("special", false),
                     t.value("lstrip", false), t.value("rstrip", false)};
        if (a.content.empty()) fail("an added token has empty content");
        impl->set_token(a.id, a.content);
        impl->is_special[a.id] = a.special;
        impl->vocab[a.content] = a.id;
        impl->added.push_back(std::move(a));
      }
    }
    const json decoder = j.value("decoder", json());
    const std::function<void(const json&)> check_decoder = [&](const json& d) {
      const std::string type = d.is_null() ? "none" : d.value("type", std::string("?"));
      if (type == "Sequence") {
        for (const json& e : d.at("decoders")) check_decoder(e);
      } else if (type != "ByteLevel") {
        fail("the decoder '" + type + "' is not supported (ByteLevel)");
      }
    };
    check_decoder(decoder);
    const std::function<void(const json&)> read_post = [&](const json& p) {
      if (p.is_null()) return;
      const std::string type = p.value("type", std::string("?"));
      if (type == "Sequence") {
        for (const json& e : p.at("processors")) read_post(e);
      } else if (type == "TemplateProcessing") {
        impl->has_template = true;
        impl->template_single.assign(2, {});
        int part = 0;
        for (const json& piece : p.at("single")) {
          if (piece.contains("Sequence")) {
            if (piece["Sequence"].value("id", std::string("A")) != "A") fail("a single-sequence template uses B");
            part = 1;
          } else if (piece.contains("SpecialToken")) {
            const std::string name = piece["SpecialToken"].at("id");
            for (const json& id : p.at("special_tokens").at(name).at("ids"))
              impl->template_single[part].push_back(id.get<int32_t>());
          }
        }
      } else if (type != "ByteLevel") {
        fail("the post-processor '" + type + "' is not supported (ByteLevel, TemplateProcessing, Sequence)");
      }
    };
    read_post(j.value("post_processor", json()));
  } catch (const json::exception& e) {
    fail(std::string("malformed tokenizer.json: ") + e.what());
  }
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& t = *impl_;
  utf8_chars(text);  // validates
  std::vector<int32_t> out;
  // Added tokens: at the leftmost position where one matches, the longest one.
  size_t at = 0, segment = 0;
  auto flush = [&](size_t end) {
    if (end > segment) t.encode_segment(std::string(text.substr(segment, end - segment)), out);
  };
  while (at < text.size() && !t.added.empty()) {
    const AddedToken* best = nullptr;
    for (const AddedToken& a : t.added) {
      if (text.compare(at, a.content.size(), a.content) == 0 && (!best || a.content.size() > best->content.size()))
        best = &a;
    }
    if (!best) {
      ++at;
      continue;
    }
    size_t begin = at, end = at + best->content.size();
    if (best->lstrip) while (begin > segment && is_space(text[begin - 1])) --begin;
    if (best->rstrip) while (end < text.size() && is_space(text[end])) ++end;
    flush(begin);
    out.push_back(best->id);
    at = segment = end;
  }
  flush(text.size());
  if (add_special_tokens && t.has_template) {
    std::vector<int32_t> full = t.template_single[0];
    full.insert(full.end(), out.begin(), out.end());
    full.insert(full.end(), t.template_single[1].begin(), t.template_single[1].end());
    return full;
  }
  return out;
}

std::string Tokenizer::token_bytes(int32_t id, bool skip_special_tokens) const {
  const Impl& t = *impl_;
  if (id < 0 || static_cast<size_t>(id) >= t.id_to_token.size() || t.id_to_token[id].empty()) return {};
  if (skip_special_tokens && t.is_special[id]) return {};
  const std::string& token = t.id_to_token[id];
  // Each character back to its byte; a token with a character outside the alphabet (an added token's
  // text) stands for its own UTF-8 bytes, as in the ByteLevel decoder.
  std::string bytes;
  const ByteAlphabet& a = alphabet();
  for (std::string_view ch : utf8_chars(token)) {
    auto it = a.to_byte.find(std::string(ch));
    if (it == a.to_byte.end()) return token;
    bytes += static_cast<char>(it->second);
  }
  return bytes;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int32_t id : ids) bytes += token_bytes(id, skip_special_tokens);
  return utf8_lossy(bytes);
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(impl_->id_to_token.size()); }

int32_t Tokenizer::token_to_id(std::string_view token) const {
  auto it = impl_->vocab.find(std::string(token));
  return it == impl_->vocab.end() ? -1 : it->second;
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    const int n = utf8_sequence(bytes, i);
    if (n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += n < 0 ? -n : bytes.size() - i;  // a truncated sequence at the end is one invalid subpart
    }
  }
  return out;
}

std::string StreamDecoder::add(int32_t id) {
  pending_ += tokenizer_.token_bytes(id);
  // Keep back a tail that is the start of a character still missing bytes.
  size_t keep = pending_.size();
  for (size_t back = 1; back <= 3 && back <= pending_.size(); ++back) {
    const size_t i = pending_.size() - back;
    if ((static_cast<unsigned char>(pending_[i]) & 0xC0) != 0x80) {
      if (utf8_sequence(pending_, i) == 0) keep = i;
      break;
    }
  }
  std::string out = utf8_lossy(std::string_view(pending_).substr(0, keep));
  pending_.erase(0, keep);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out = utf8_lossy(pending_);
  pending_.clear();
  return out;
}

}  // namespace llm
