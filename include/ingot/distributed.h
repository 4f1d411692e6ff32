// Communication between processes, with MLX's names (mlx::core::distributed). A Group is a set of
// processes that talk; init() gives the group of every process the launcher started (mpirun), or a
// group of this process alone when there is none, so code written for N processes runs unchanged on one.
// The collectives are primitives: they build lazy nodes that communicate when evaluated, differentiate
// and export with the graph. A file records each collective's operation and group size; an imported
// function runs its collectives on the importing process's global group (init()), which must have that
// size. The MPI backend loads Open MPI's libmpi when first asked (INGOT_MPI_LIBNAME names another file),
// so programs that do not communicate need no MPI installed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ingot/array.h"
#include "ingot/device.h"

namespace ingot::distributed {

namespace detail {
class GroupImpl;
}

// Whether a backend can be started here: "mpi" when libmpi loads, "any" when some backend can. It says
// nothing about whether a launcher started other processes: init(true) does.
bool is_available();
bool is_available(const std::string& backend);

struct Group {
  explicit Group(std::shared_ptr<detail::GroupImpl> group);
  int rank() const;
  int size() const;
  // The processes that pass the same color form a new group, ranked by key (by their rank here when
  // key is negative). A color must be non-negative; every process of the group must call split.
  Group split(int color, int key = -1) const;
  const std::shared_ptr<detail::GroupImpl>& raw_group() const { return group_; }

 private:
  std::shared_ptr<detail::GroupImpl> group_;
};

// The global group, started on the first call and the same afterwards. backend: "any" (MPI when this
// process was launched by mpirun), "mpi", or MLX's other names ("ring", "nccl", "jaccl"), which ingot
// does not provide. Without a backend it returns the group of this process alone, or with strict=true
// throws std::runtime_error. An unknown name throws std::invalid_argument.
Group init(bool strict = false, const std::string& backend = "any");

// The collectives, over `group` (the global group when not given). On a group of one process they
// return x itself, as MLX. Every process of the group must evaluate the same collectives in the same
// order. bool sums are logical or (the dtype is kept); integer sums wrap around in their dtype.
array all_sum(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array all_max(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array all_min(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// Every process's x concatenated along axis 0 in rank order (a 0-d x gives shape (size,)).
array all_gather(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
// Sends x to rank dst; the result is x, and evaluating it performs the send (return it, or order other
// work after it with depends). recv receives an array of the given shape and dtype from rank src. Both
// refuse a group of one process.
array send(const array& x, int dst, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array recv_like(const array& x, int src, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// Not in MLX: the identity whose vjp sums the cotangents over the group (all_sum's transpose). A
// tensor-parallel layer applies it to its replicated input (nn.AllToShardedLinear), as a primitive
// rather than MLX's custom_function so that the layer exports and stays differentiable after import.
array sum_gradients(const array& x, std::optional<Group> group = std::nullopt);

}  // namespace ingot::distributed
