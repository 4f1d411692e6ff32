// Export a small MLP to a file, import it as a function of its input, and check it computes the same.
#include <iostream>

#include <ingot/ingot.h>

using namespace ingot;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "mlp.ingot";

  // Weights: evaluated arrays become constants stored in the file.
  auto w1 = arange(0.0, 32.0, 1.0) / 32.0f, w2 = arange(0.0, 24.0, 1.0) / 24.0f;
  w1 = reshape(w1, {4, 8});
  w2 = reshape(w2, {8, 3});
  eval(w1, w2);
  auto mlp = [&](const Args& a) { return Args{matmul(maximum(matmul(a[0], w1) - 0.5f, 0.0f), w2)}; };

  auto x = reshape(arange(0.0, 8.0, 1.0), {2, 4});
  {
    auto ex = exporter(path, ArgsFunction(mlp), /*shapeless=*/false, Metadata{{"model", "mlp"}, {"hidden", 8}});
    ex({x});                    // a trace for batch 2
    ex({ones({1, 4})});         // and one for batch 1
  }                             // the exporter writes the file when it closes

  auto f = import_function(path);
  std::cout << "imported " << path << " (format " << f.format_version() << ", written by ingot "
            << f.library_version() << ")\nmetadata: " << f.metadata().dump() << "\n";
  for (const auto& s : f.signatures()) std::cout << "  trace " << s.str() << "\n";

  auto got = f({x})[0], want = mlp({x})[0];
  std::cout << "f(x) = " << got << "\n";
  const bool same = array_equal(got, want);
  std::cout << (same ? "matches the direct call" : "MISMATCH") << "\n";
  return same ? 0 : 1;
}
