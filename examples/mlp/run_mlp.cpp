// Run, from C++, the MLP that examples/mlp/export_mlp.py exported from Python.
//
//   run_mlp DIR    reads DIR/mlp.ingot, DIR/input.npy and DIR/expected.npy; prints the outputs and
//                  exits with 1 when they differ from the expected ones (computed in Python).
#include <exception>
#include <iostream>
#include <string>

#include <ingot/ingot.h>

using namespace ingot;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  try {
    ImportedFunction mlp = import_function(dir + "/mlp.ingot");
    std::cout << "imported " << mlp.path() << " (written by ingot " << mlp.library_version()
              << "), metadata " << mlp.metadata().dump() << "\n";
    for (const auto& s : mlp.signatures()) std::cout << "  trace " << s.str() << "\n";

    array x = load(dir + "/input.npy");
    array expected = load(dir + "/expected.npy");
    array y = mlp({x})[0];
    eval(y);
    std::cout << "input " << x.shape() << ", output " << y.shape() << ":\n" << y << "\n";

    if (y.shape() != expected.shape() || y.dtype() != expected.dtype() || !allclose(y, expected, 1e-5, 1e-6)) {
      std::cout << "MISMATCH: expected\n" << expected << "\n";
      return 1;
    }
    std::cout << "matches the outputs computed in Python\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "run_mlp: " << e.what() << "\n";
    return 2;
  }
}
