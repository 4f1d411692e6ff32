// What a communication backend implements, and the nodes the collectives build.
#pragma once

#include <memory>
#include <string>

#include "ingot/distributed.h"

namespace ingot::distributed {

enum class ReduceOp { sum, max, min };

namespace detail {

// A backend's group. The kernels hand it dense row-major arrays; a call blocks until this process's
// part of the exchange is done. Failures throw std::runtime_error naming the op.
class GroupImpl {
 public:
  virtual ~GroupImpl() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::shared_ptr<GroupImpl> split(int color, int key) = 0;
  // buf (size() elements of its dtype) replaced by the elementwise reduction over the group.
  virtual void all_reduce(array& buf, ReduceOp op) = 0;
  // out holds size() copies of in's bytes, in rank order.
  virtual void all_gather(const array& in, array& out) = 0;
  virtual void send(const array& in, int dst) = 0;
  virtual void recv(array& out, int src) = 0;
};

// The group of this process alone: collectives are copies, and a message it sends itself is kept until
// it receives it (the primitive table exercises send and recv that way; the ops refuse such a group).
std::shared_ptr<GroupImpl> single_process_group();

// Open MPI through dlopen (src/distributed/mpi.cpp).
bool mpi_available();
// The world group when this process was launched by mpirun with more than one process; null otherwise,
// or an exception saying why when strict.
std::shared_ptr<GroupImpl> mpi_init(bool strict);

// The nodes themselves, whatever the group's size (the ops return x on a group of one process, as MLX
// does): the primitive table builds them on the single-process group. recv's `after` are only ordering:
// the message is received once they are computed.
array all_reduce_node(const array& x, ReduceOp op, const Group& group);
array all_gather_node(const array& x, const Group& group);
array send_node(const array& x, int dst, const Group& group);
array recv_node(const Shape& shape, Dtype dtype, int src, const Group& group, const Arrays& after = {});
array sum_gradients_node(const array& x, const Group& group);

}  // namespace detail
}  // namespace ingot::distributed
