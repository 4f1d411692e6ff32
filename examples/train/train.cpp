// Train, from C++, the MLP classifier whose training step examples/train/export_train.py exported from
// Python: import init.ingot and step.ingot, make the data, loop.
//
//   train DIR [STEPS] [LOSSES.npy]    runs STEPS steps (default 100), prints the loss every 10 steps and
//                                     the steps per second (after the first, which faults the weights in
//                                     and sizes the buffers), and when asked saves every step's loss.
#include <chrono>
#include <exception>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <ingot/ingot.h>

using namespace ingot;

// The data export_train.py's make_data describes: features on a grid of sixteenths, labels from a
// fixed linear score with thresholds.
std::pair<array, array> make_data(int64_t samples, int64_t features) {
  std::vector<float> x(static_cast<size_t>(samples * features));
  std::vector<int32_t> y(static_cast<size_t>(samples));
  for (int64_t i = 0; i < samples; ++i) {
    float score = 0;
    for (int64_t j = 0; j < features; ++j) {
      const float v = static_cast<float>((i * 37 + j * 101 + i * j * 7) % 257 % 31) / 16.0f - 0.9375f;
      x[i * features + j] = v;
      score += v * static_cast<float>(j % 3 - 1);
    }
    y[i] = score < -0.5f ? 0 : (score < 0.5f ? 1 : 2);
  }
  return {array(x, {samples, features}), array(y, {samples})};
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: train DIR [STEPS] [LOSSES.npy]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int steps = argc > 2 ? std::stoi(argv[2]) : 100;
  try {
    ImportedFunction init = import_function(dir + "/init.ingot");
    ImportedFunction step = import_function(dir + "/step.ingot");
    const auto& meta = step.metadata();
    const auto names = meta.at("state").get<std::vector<std::string>>();
    auto [X, y] = make_data(meta.at("samples").get<int64_t>(), meta.at("features").get<int64_t>());

    std::vector<array> state = init({});
    if (state.size() != names.size()) throw std::runtime_error("init.ingot returns a state of another size");
    std::cout << "training: " << names.size() << " state arrays, " << X.shape(0) << " samples\n";
    std::vector<float> losses;
    auto start = std::chrono::steady_clock::now();
    for (int s = 1; s <= steps; ++s) {
      std::vector<array> args = state;
      args.push_back(X);
      args.push_back(y);
      std::vector<array> out = step(args);
      eval(out);
      losses.push_back(out[0].item<float>());
      state.assign(out.begin() + 1, out.end());
      if (s == 1) start = std::chrono::steady_clock::now();
      if (s % 10 == 0) std::cout << "step " << std::setw(4) << s << "  loss " << std::setprecision(6) << losses.back() << "\n";
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (steps > 1) std::cout << steps - 1 << " steps in " << seconds << " s: " << (steps - 1) / seconds << " steps/s\n";
    if (argc > 3) save(argv[3], array(losses, {static_cast<int64_t>(losses.size())}));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train: " << e.what() << "\n";
    return 1;
  }
}
