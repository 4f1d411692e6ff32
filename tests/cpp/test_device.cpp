// Devices and streams (MLX's names): the CPU is the one device; naming the GPU is an error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "export_test_util.h"

using namespace ingot;
using ::testing::HasSubstr;
using ingot::testing::error_of;

TEST(Device, TheCpuIsTheDeviceAndTheGpuIsRefused) {
  EXPECT_EQ(default_device(), Device(Device::cpu));
  EXPECT_TRUE(is_available(Device::cpu));
  EXPECT_FALSE(is_available(Device::gpu));
  EXPECT_EQ(device_count(Device::gpu), 0);
  EXPECT_GT(std::get<size_t>(device_info(Device::cpu).at("memory_size")), 0u);
  EXPECT_THAT(error_of([] { set_default_device(Device::gpu); }),
              HasSubstr("[set_default_device] there is no GPU: ingot computes on the CPU"));
  EXPECT_THAT(error_of([] { to_stream(Device(Device::gpu), "matmul"); }), HasSubstr("[matmul] there is no GPU"));
  EXPECT_THAT(error_of([] { new_stream(Device(Device::cpu, 2)); }),
              HasSubstr("[new_stream] there is one CPU device (index 0), got index 2"));
}

TEST(Device, StreamsAreNamedAndDefaultsRestored) {
  const Stream s = new_stream(Device::cpu), d = default_stream(Device::cpu);
  EXPECT_NE(s, d);
  EXPECT_EQ(to_stream({}), d);
  EXPECT_EQ(to_stream(s), s);
  set_default_stream(s);
  EXPECT_EQ(default_stream(Device::cpu), s);
  set_default_stream(d);
  synchronize();
  synchronize(s);
}

// Every op takes MLX's trailing StreamOrDevice: the CPU, as a device or as a stream, gives what the default
// gives, and a GPU device or stream is refused with an error naming the op.
TEST(Device, OpsTakeACpuStreamOrDeviceAndRefuseTheGpu) {
  using ingot::testing::vals;
  const array a = reshape(arange(1.0, 13.0), {3, 4});
  const array m = add(multiply(eye(3), 4.0), ones({3, 3}));  // well conditioned
  const array key = random::key(7);
  const array x = reshape(arange(0.0, 20.0), {1, 5, 4}), w = reshape(arange(0.0, 24.0), {2, 3, 4});
  const array qw = divide(reshape(arange(0.0, 128.0), {2, 64}), 128.0);
  const auto [qv, qs, qb] = quantize(qw);
  struct Case {
    const char* name;
    std::function<array(StreamOrDevice)> f;
  };
  const std::vector<Case> cases = {
      {"exp", [&](StreamOrDevice s) { return exp(a, s); }},
      {"add", [&](StreamOrDevice s) { return add(a, 2, s); }},
      {"where", [&](StreamOrDevice s) { return where(greater(a, 5.0), a, 0.0, s); }},
      {"sum", [&](StreamOrDevice s) { return sum(a, 1, false, s); }},
      {"var", [&](StreamOrDevice s) { return var(a, std::vector<int>{0}, false, 1, s); }},
      {"argmax", [&](StreamOrDevice s) { return argmax(a, 1, false, s); }},
      {"cumsum", [&](StreamOrDevice s) { return cumsum(a, 0, false, true, s); }},
      {"reshape", [&](StreamOrDevice s) { return reshape(a, {4, 3}, s); }},
      {"transpose", [&](StreamOrDevice s) { return transpose(a, s); }},
      {"concatenate", [&](StreamOrDevice s) { return concatenate({a, a}, 1, s); }},
      {"slice", [&](StreamOrDevice s) { return slice(a, {0, 1}, {3, 4}, std::nullopt, s); }},
      {"take", [&](StreamOrDevice s) { return take(a, array({2, 0}), 1, s); }},
      {"gather", [&](StreamOrDevice s) { return gather(a, array({2, 0}), 0, {1, 4}, s); }},
      {"scatter_add", [&](StreamOrDevice s) { return scatter_add(a, array({1}), ones({1, 1, 4}), 0, s); }},
      {"sort", [&](StreamOrDevice s) { return sort(negative(a), 1, s); }},
      {"zeros", [&](StreamOrDevice s) { return zeros({2, 3}, float32, s); }},
      {"arange", [&](StreamOrDevice s) { return arange(5, int32, s); }},
      {"matmul", [&](StreamOrDevice s) { return matmul(a, transpose(a), s); }},
      {"conjugate", [&](StreamOrDevice s) { return conj(a, s); }},  // conj names conjugate
      {"linalg::inv", [&](StreamOrDevice s) { return linalg::inv(m, s); }},
      {"linalg::norm", [&](StreamOrDevice s) { return linalg::norm(a, false, s); }},
      {"linalg::cholesky", [&](StreamOrDevice s) { return linalg::cholesky(m, false, s); }},
      {"fft", [&](StreamOrDevice s) { return real(fft::fft(a, std::nullopt, -1, "backward", s)); }},
      {"rfftn", [&](StreamOrDevice s) { return imag(fft::rfftn(a, std::nullopt, std::nullopt, "backward", s)); }},
      {"fftshift", [&](StreamOrDevice s) { return fft::fftshift(a, std::nullopt, s); }},
      {"rms_norm", [&](StreamOrDevice s) { return fast::rms_norm(a, std::nullopt, 1e-5f, s); }},
      {"scaled_dot_product_attention",
       [&](StreamOrDevice s) {
         const array q = reshape(a, {1, 1, 3, 4});
         return fast::scaled_dot_product_attention(q, q, q, 0.5f, "causal", {}, s);
       }},
      {"normal", [&](StreamOrDevice s) { return random::normal({4}, key, s); }},
      {"uniform", [&](StreamOrDevice s) { return random::uniform(0.0, 2.0, {4}, float32, key, s); }},
      {"split", [&](StreamOrDevice s) { return random::split(key, 3, s); }},
      {"bernoulli", [&](StreamOrDevice s) { return random::bernoulli(0.5, {4}, key, s); }},
      {"conv1d", [&](StreamOrDevice s) { return conv1d(x, w, 1, 1, 1, 1, s); }},
      {"conv2d",
       [&](StreamOrDevice s) {
         return conv2d(reshape(x, {1, 5, 4, 1}), ones({2, 3, 3, 1}), {1, 1}, {1, 1}, {1, 1}, 1, s);
       }},
      {"quantized_matmul", [&](StreamOrDevice s) { return quantized_matmul(qw, qv, qs, qb, true, 64, 4, s); }},
      {"dequantize", [&](StreamOrDevice s) { return dequantize(qv, qs, qb, 64, 4, std::nullopt, s); }},
      {"quantize", [&](StreamOrDevice s) { return std::get<0>(quantize(qw, 64, 4, s)); }},
      {"gather_qmm",
       [&](StreamOrDevice s) {
         return gather_qmm(qw, qv, qs, qb, std::nullopt, array({1, 0}), true, 64, 4, "affine", false, s);
       }},
      {"to_fp8", [&](StreamOrDevice s) { return to_fp8(a, s); }},
  };
  const Stream gpu_stream{0, Device::gpu};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<double> want = vals(c.f({}));
    EXPECT_EQ(vals(c.f(Device::cpu)), want);
    EXPECT_EQ(vals(c.f(default_stream(Device::cpu))), want);
    EXPECT_EQ(vals(c.f(new_stream(Device::cpu))), want);
    const std::string named = std::string("[") + c.name + "] there is no GPU";
    EXPECT_THAT(error_of([&] { c.f(Device::gpu); }), HasSubstr(named));
    EXPECT_THAT(error_of([&] { c.f(gpu_stream); }), HasSubstr(named));
  }
  // As in MLX, the device type converts: ops called as add(a, b, Device::gpu) compile, and throw.
  EXPECT_THAT(error_of([&] { add(a, a, Device::gpu); }), HasSubstr("[add] there is no GPU"));
  EXPECT_THAT(error_of([&] { random::normal({2}, float32, key, Device::gpu); }), HasSubstr("[normal]"));
  EXPECT_EQ(vals(add(a, a, Device::cpu)), vals(add(a, a)));
}

namespace {
// The functions a public header declares at namespace scope (outside classes and namespace detail), each with
// whether its parameter list has a StreamOrDevice: comments and preprocessor lines are dropped, blocks that
// are not namespaces (class and inline function bodies) skipped.
std::vector<std::pair<std::string, bool>> declared_functions(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string raw = ss.str();
  std::string text;
  bool continued = false;
  std::istringstream lines(raw);
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find_first_not_of(" \t");
    const bool directive = continued || (first != std::string::npos && line[first] == '#');
    continued = directive && !line.empty() && line.back() == '\\';
    if (directive) continue;
    if (const size_t c = line.find("//"); c != std::string::npos) line.erase(c);
    text += line + '\n';
  }
  std::vector<std::pair<std::string, bool>> out;
  std::vector<std::string> namespaces;
  auto examine = [&](const std::string& stmt) {
    if (std::find(namespaces.begin(), namespaces.end(), "detail") != namespaces.end()) return;
    int angle = 0;
    size_t open = std::string::npos;
    for (size_t i = 0; i < stmt.size() && open == std::string::npos; ++i) {
      if (stmt[i] == '<')
        ++angle;
      else if (stmt[i] == '>')
        --angle;
      else if (stmt[i] == '(' && angle == 0)
        open = i;
    }
    if (open == std::string::npos || stmt.find("operator") != std::string::npos) return;
    size_t end = open;
    while (end > 0 && std::isspace(static_cast<unsigned char>(stmt[end - 1]))) --end;
    size_t begin = end;
    while (begin > 0 && (std::isalnum(static_cast<unsigned char>(stmt[begin - 1])) || stmt[begin - 1] == '_')) --begin;
    if (begin == end) return;
    int depth = 0;
    size_t close = open;
    for (; close < stmt.size(); ++close) {
      if (stmt[close] == '(')
        ++depth;
      else if (stmt[close] == ')' && --depth == 0)
        break;
    }
    out.emplace_back(stmt.substr(begin, end - begin),
                     stmt.substr(open, close - open).find("StreamOrDevice") != std::string::npos);
  };
  std::string stmt;
  int paren = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '(') ++paren;
    if (ch == ')') --paren;
    if (paren > 0 || (ch != ';' && ch != '{' && ch != '}')) {
      stmt += ch;
      continue;
    }
    const size_t first = stmt.find_first_not_of(" \t\n"), last = stmt.find_last_not_of(" \t\n");
    const std::string s = first == std::string::npos ? "" : stmt.substr(first, last - first + 1);
    if (ch == '{' && s.rfind("namespace", 0) == 0) {
      const size_t name = s.find_last_of(" \t\n");  // "namespace ingot::fast": its last word
      namespaces.push_back(s.substr(name + 1));
    } else if (ch == '}') {
      if (!namespaces.empty()) namespaces.pop_back();
    } else {
      examine(s);
      if (ch == '{') {  // a block that is not a namespace: skipped whole
        for (int depth = 1; depth > 0 && ++i < text.size();) depth += text[i] == '{' ? 1 : text[i] == '}' ? -1 : 0;
      }
    }
    stmt.clear();
  }
  return out;
}
}  // namespace

// So that a new op cannot forget it: every function the op headers declare takes a StreamOrDevice, except
// those that are not ops.
TEST(Device, EveryPublicOpDeclaresAStreamOrDevice) {
  const std::set<std::string> not_ops = {"result_type", "broadcast_shapes", "set_kernels_enabled", "key", "seed",
                                         "state",       "set_state"};
  size_t ops = 0;
  for (const char* header : {"ops.h", "fast.h", "fft.h", "random.h"}) {
    const auto declared = declared_functions(std::string(INGOT_SOURCE_DIR) + "/include/ingot/" + header);
    EXPECT_GT(declared.size(), 4u) << header;
    for (const auto& [name, has_stream] : declared) {
      if (not_ops.count(name)) continue;
      ++ops;
      EXPECT_TRUE(has_stream) << header << ": " << name << " takes no trailing StreamOrDevice s = {}";
    }
  }
  EXPECT_GT(ops, 300u);
}
