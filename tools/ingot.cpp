// The `ingot` executable: see src/cli/cli.h.
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) { return ingot::cli::main(std::vector<std::string>(argv, argv + argc)); }
