// Built with CMake (CMakeLists.txt here) or with pkg-config:
//   g++ -std=c++20 -O2 example.cpp $(pkg-config --cflags --libs ingot) -o example
#include <iostream>

#include <ingot/ingot.h>

int main() {
  auto a = ingot::reshape(ingot::arange(1.0, 7.0), {2, 3});  // [[1, 2, 3], [4, 5, 6]]
  auto c = ingot::matmul(a, ingot::ones({3, 2}));             // [[6, 6], [15, 15]], through OpenBLAS
  auto total = ingot::sum(ingot::exp(ingot::log(c)));
  std::cout << "matmul: " << c << "\n";
  std::cout << "sum: " << total.item<float>() << "\n";  // 42
  return 0;
}
