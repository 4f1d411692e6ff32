// The smallest ingot program: build a lazy expression, evaluate it, print it.
#include <iostream>

#include <ingot/ingot.h>

int main() {
  auto x = ingot::array({1.0f, 2.0f, 3.0f});
  auto y = ingot::exp(x) * 2 + ingot::ones({3});  // nothing computed yet
  ingot::eval(y);                                   // now it is
  std::cout << "exp(x) * 2 + 1 = " << y << "\n";
  return 0;
}
