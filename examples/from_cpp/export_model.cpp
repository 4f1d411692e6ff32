// Export a function from C++ for examples/from_cpp/run_model.py to run from Python.
//
//   export_model DIR    writes DIR/model.ingot, and the weights as DIR/w1.npy, b1.npy, w2.npy so that the
//                       Python side can check the imported function against numpy.
//
// The function takes a positional input and a keyword input: model(x, scale=s) = (relu(x W1 + b1) W2) * s.
// Two traces (batch 1 and batch 4) share the weights, which the file stores once.
#include <exception>
#include <iostream>
#include <string>

#include <ingot/ingot.h>

using namespace ingot;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  try {
    array key = random::key(2024);
    auto [k1, k2] = random::split(key);
    array w1 = random::normal({8, 16}, float32, 0.0, 0.35, k1);
    array b1 = random::uniform(-0.1, 0.1, {16}, float32, k2);
    array w2 = random::normal({16, 2}, float32, 0.0, 0.25, random::split(k2).first);
    eval(w1, b1, w2);  // evaluated arrays are stored in the file as constants

    auto model = [&](const Args& args, const Kwargs& kwargs) {
      array h = maximum(matmul(args[0], w1) + b1, 0.0f);
      return Args{matmul(h, w2) * kwargs.at("scale")};
    };

    const std::string path = dir + "/model.ingot";
    {
      auto ex = exporter(path, ArgsKwargsFunction(model), /*shapeless=*/false,
                         Metadata{{"model", "two-layer mlp"}, {"inputs", 8}, {"outputs", 2}, {"from", "C++"}});
      ex({ones({1, 8})}, {{"scale", array(1.0f)}});
      ex({ones({4, 8})}, {{"scale", array(1.0f)}});
      ex.close();
    }
    save(dir + "/w1.npy", w1);
    save(dir + "/b1.npy", b1);
    save(dir + "/w2.npy", w2);

    auto f = import_function(path);
    std::cout << "exported " << path << " with " << f.signatures().size() << " traces:\n";
    for (const auto& s : f.signatures()) std::cout << "  " << s.str() << "\n";
    std::cout << "and its weights as w1.npy, b1.npy, w2.npy in " << dir << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "export_model: " << e.what() << "\n";
    return 2;
  }
}
