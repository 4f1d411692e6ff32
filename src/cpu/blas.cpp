#include "cpu/blas.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

extern "C" char* openblas_get_corename(void);

namespace ingot::cpu {

const char* openblas_kernel_family(std::string_view cpuinfo) {
  bool intel = false;
  std::set<std::string> flags;
  std::istringstream lines{std::string(cpuinfo)};
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    if (key == "vendor_id") intel = intel || line.find("GenuineIntel", colon) != std::string::npos;
    if (key == "flags" && flags.empty()) {
      std::istringstream words(line.substr(colon + 1));
      for (std::string w; words >> w;) flags.insert(w);
    }
  }
  auto has = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (!flags.count(n)) return false;
    return true;
  };
  if (!intel) return nullptr;
  if (has({"avx512f", "avx512bw", "avx512vl", "avx512dq"})) return has({"avx512_bf16"}) ? "Cooperlake" : "SkylakeX";
  if (has({"avx2", "fma"})) return "Haswell";
  return nullptr;
}

void choose_blas_kernels() {
  static const bool once = [] {
    // OpenBLAS's core selection, which its dynamic-architecture builds (Debian's) export.
    using Fn = void (*)();
    auto init = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
    auto quit = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
    if (std::getenv("OPENBLAS_CORETYPE") || !init || !quit) return true;
    if (std::string_view(openblas_get_corename()) != "Prescott") return true;  // OpenBLAS knew the CPU
    std::ifstream in("/proc/cpuinfo");
    std::stringstream text;
    text << in.rdbuf();
    const char* family = openblas_kernel_family(text.str());
    if (!family) return true;
    // Only a family this OpenBLAS holds kernels for: naming an unknown one makes its selection exit.
    std::string table = "gotoblas_";
    for (const char* c = family; *c; ++c) table += static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
    if (!dlsym(RTLD_DEFAULT, table.c_str())) return true;
    setenv("OPENBLAS_CORETYPE", family, 0);
    quit();
    init();
    return true;
  }();
  (void)once;
}

namespace {
// At load, before anything of ingot calls BLAS (parallel.cpp calls it too, which links this file in).
const bool chosen_at_load = (choose_blas_kernels(), true);
}  // namespace

}  // namespace ingot::cpu
