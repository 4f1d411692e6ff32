// Writes the fuzzer's seed corpus into a folder: one file per row of the export round-trip table
// (tests/cpp/primitive_cases.cpp, a row per registered primitive), with self-test vectors, and a shapeless
// one where the row replays shapeless. Usage: ingot_fuzz_seeds DIR
#include <filesystem>
#include <iostream>
#include <map>

#include "primitive_cases.h"

using namespace ingot;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ingot_fuzz_seeds DIR\n";
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  std::map<std::string, int> rows;  // a primitive with several rows gets numbered files
  int written = 0, failed = 0;
  for (const auto& c : ingot::testing::primitive_cases()) {
    const int k = rows[c.primitive]++;
    const std::string base = std::string(argv[1]) + "/" + c.primitive + (k ? "." + std::to_string(k) : "");
    auto write = [&](const std::string& path, const ArgsFunction& fun, bool shapeless) {
      ExportOptions options;
      options.shapeless = shapeless;
      options.self_test = true;
      try {
        export_function(path, fun, c.inputs, options);
        ++written;
      } catch (const std::exception& e) {
        std::cerr << path << ": " << e.what() << "\n";
        ++failed;
      }
    };
    write(base + ".ingot", c.fun, false);
    if (!c.alts.empty() && c.refuses.empty()) write(base + ".shapeless.ingot", c.shapeless_fun ? c.shapeless_fun : c.fun, true);
  }
  std::cout << "wrote " << written << " seed files to " << argv[1] << "\n";
  return failed ? 1 : 0;
}
