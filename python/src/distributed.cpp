// ingot.distributed: mlx.core.distributed's groups and collectives (C++: ingot/distributed.h).
#include "axes.h"

namespace ingot::py {

namespace dist = ingot::distributed;

void init_distributed(nb::module_& parent) {
  nb::module_ m = parent.def_submodule(
      "distributed", "Communication between processes (MPI), as mlx.core.distributed: groups and collectives.");

  nb::class_<dist::Group>(m, "Group", "A group of processes that communicate (mlx.core.distributed.Group).")
      .def("rank", &dist::Group::rank, "This process's rank in the group.")
      .def("size", &dist::Group::size, "The number of processes in the group.")
      .def("split", &dist::Group::split, "color"_a, "key"_a = -1,
           "The processes that pass the same ``color`` (non-negative) form a new group, ranked by ``key`` (by "
           "their rank in this group when ``key`` is negative). Every process of the group must call it.")
      .def("__repr__", [](const dist::Group& g) {
        return "Group(rank=" + std::to_string(g.rank()) + ", size=" + std::to_string(g.size()) + ")";
      });

  m.def(
      "is_available", [](const std::string& backend) { return dist::is_available(backend); }, "backend"_a = "any",
      "Whether a backend can start here ('mpi' or 'any': Open MPI's libmpi loads). Whether other processes were "
      "launched is for ``init(strict=True)`` to say.");
  m.def(
      "init",
      [](bool strict, const std::string& backend, nb::object all_gather_factory) {
        if (!all_gather_factory.is_none())
          throw std::invalid_argument("[distributed.init] all_gather_factory is for MLX's 'jaccl' backend, which "
                                      "ingot does not provide.");
        return dist::init(strict, backend);
      },
      "strict"_a = false, "backend"_a = "any", nb::kw_only(), "all_gather_factory"_a = nb::none(),
      "The group of every process the launcher started (``mpirun -np N python ...``), the same on every call. "
      "Without a launcher it is the group of this process alone, or with ``strict=True`` a RuntimeError. "
      "``backend``: 'any', 'mpi', or MLX's 'ring', 'nccl', 'jaccl' (not provided by ingot).");

  using Group = std::optional<dist::Group>;
  struct Reduce {
    const char* name;
    array (*fn)(const array&, Group, StreamOrDevice);
    const char* doc;
  };
  for (const Reduce& r : {Reduce{"all_sum", &dist::all_sum,
                                 "The elementwise sum of ``x`` over the processes of ``group`` (the global group "
                                 "when None). bool sums are logical or; integer sums wrap around in their dtype."},
                          Reduce{"all_max", &dist::all_max, "The elementwise maximum of ``x`` over ``group``."},
                          Reduce{"all_min", &dist::all_min, "The elementwise minimum of ``x`` over ``group``."},
                          Reduce{"all_gather", &dist::all_gather,
                                 "The ``x`` of every process of ``group`` concatenated along axis 0 in rank order "
                                 "(a 0-d ``x`` gives shape (size,))."}}) {
    m.def(
        r.name, [fn = r.fn](const Operand& x, Group group) { return fn(arr(x), group, {}); }, "x"_a, nb::kw_only(),
        "group"_a = nb::none(), r.doc);
  }
  m.def(
      "send", [](const Operand& x, int dst, Group group) { return dist::send(arr(x), dst, group); }, "x"_a, "dst"_a,
      nb::kw_only(), "group"_a = nb::none(),
      "Sends ``x`` to the process of rank ``dst``. Returns ``x``: evaluating the result performs the send.");
  m.def(
      "recv",
      [](const ShapeArg& shape, Dtype dtype, int src, Group group) {
        return dist::recv(shape_of(shape), dtype, src, group);
      },
      "shape"_a, "dtype"_a, "src"_a, nb::kw_only(), "group"_a = nb::none(),
      "Receives an array of ``shape`` and ``dtype`` from the process of rank ``src``.");
  m.def(
      "recv_like", [](const Operand& x, int src, Group group) { return dist::recv_like(arr(x), src, group); }, "x"_a,
      "src"_a, nb::kw_only(), "group"_a = nb::none(),
      "Receives an array of ``x``'s shape and dtype from the process of rank ``src``.");
  m.def(
      "sum_gradients", [](const Operand& x, Group group) { return dist::sum_gradients(arr(x), group); }, "x"_a,
      nb::kw_only(), "group"_a = nb::none(),
      "Not in MLX: ``x`` itself, whose gradient is summed over ``group`` (all_sum's transpose), for the replicated "
      "input of a layer whose weights are split across the group; it exports and differentiates after import.");
}

}  // namespace ingot::py
