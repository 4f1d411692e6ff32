// Run, from C++ under mpirun, the tensor-parallel MLP that examples/distributed/export_sharded.py
// exported from Python: each process exported its shard of the weights to its own file, and each file's
// graph holds the all_sum that joins the shards.
//
//   mpirun -np 2 run_sharded DIR   process r reads DIR/mlp.rank<r>.ingot, DIR/input.npy and
//                                  DIR/expected.npy; prints its outputs and exits with 1 when they differ
//                                  from the unsharded model's outputs computed in Python.
#include <exception>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <ingot/ingot.h>

using namespace ingot;

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  int rank = -1;
  try {
    // strict: started without mpirun, this says so instead of running on one process.
    const distributed::Group world = distributed::init(/*strict=*/true);
    rank = world.rank();
    ImportedFunction mlp = import_function(dir + "/mlp.rank" + std::to_string(rank) + ".ingot");
    array x = load(dir + "/input.npy");
    array expected = load(dir + "/expected.npy");
    array y = mlp({x})[0];
    eval(y);

    // One line per process, all values (float32 printed exactly), for the test to compare.
    const array flat = copy(reshape(astype(y, float32), {-1}));
    eval(flat);
    std::ostringstream line;
    line << "rank " << rank << " of " << world.size() << " output " << y.shape() << ":" << std::setprecision(9);
    for (int64_t i = 0; i < flat.size(); ++i) line << ' ' << flat.data<float>()[i];
    std::cout << line.str() << std::endl;

    if (y.shape() != expected.shape() || !allclose(y, expected, 1e-5, 1e-5)) {
      std::cout << "rank " << rank << " MISMATCH with the outputs computed in Python" << std::endl;
      return 1;
    }
    std::cout << "rank " << rank << " matches the outputs computed in Python" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "run_sharded (rank " << rank << "): " << e.what() << std::endl;
    return 2;
  }
}
