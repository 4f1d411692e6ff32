// The global group and its backends: MPI when a launcher started this process, otherwise the group of
// this process alone.
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/utils.h"
#include "distributed/group.h"

namespace ingot::distributed {

namespace detail {
namespace {

class SingleProcessGroup : public GroupImpl {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  // Every color gives the one process, as MPI's split of a world of one does.
  std::shared_ptr<GroupImpl> split(int, int) override { return std::make_shared<SingleProcessGroup>(); }
  void all_reduce(array&, ReduceOp) override {}  // the reduction of one value is the value
  void all_gather(const array& in, array& out) override {
    if (in.nbytes()) std::memcpy(out.raw_data(), in.raw_data(), in.nbytes());
  }
  void send(const array& in, int) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto* p = static_cast<const char*>(in.raw_data());
    message_.assign(p, p + in.nbytes());
    has_message_ = true;
  }
  void recv(array& out, int) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_message_) throw std::runtime_error("[recv] this process has sent itself nothing to receive.");
    if (message_.size() != out.nbytes())
      throw std::runtime_error("[recv] the message this process sent itself has " + std::to_string(message_.size()) +
                               " bytes; the receive expects " + std::to_string(out.nbytes()) + ".");
    if (out.nbytes()) std::memcpy(out.raw_data(), message_.data(), message_.size());
    has_message_ = false;
  }

 private:
  std::mutex mutex_;
  std::vector<char> message_;
  bool has_message_ = false;
};

}  // namespace

std::shared_ptr<GroupImpl> single_process_group() {
  static const auto group = std::make_shared<SingleProcessGroup>();
  return group;
}

}  // namespace detail

namespace {

const char* const kKnownBackends[] = {"any", "mpi", "ring", "nccl", "jaccl"};

void check_backend(const std::string& backend) {
  for (const char* b : kKnownBackends)
    if (backend == b) return;
  fail("distributed.init", "the backend must be 'any', 'mpi', 'ring', 'nccl' or 'jaccl', got '", backend, "'.");
}

}  // namespace

bool is_available() { return detail::mpi_available(); }

bool is_available(const std::string& backend) {
  if (backend == "any" || backend == "mpi") return detail::mpi_available();
  return false;
}

Group::Group(std::shared_ptr<detail::GroupImpl> group) : group_(std::move(group)) {
  if (!group_) throw std::invalid_argument("[distributed.Group] a group needs a backend group.");
}
int Group::rank() const { return group_->rank(); }
int Group::size() const { return group_->size(); }

Group Group::split(int color, int key) const {
  if (color < 0) fail("Group.split", "the color must be non-negative, got ", color, ".");
  return Group(group_->split(color, key < 0 ? rank() : key));
}

Group init(bool strict, const std::string& backend) {
  check_backend(backend);
  static std::mutex mutex;
  static std::shared_ptr<detail::GroupImpl> world;  // once started, every later call returns it
  std::lock_guard<std::mutex> lock(mutex);
  if (backend == "any" || backend == "mpi") {
    if (!world) world = detail::mpi_init(strict);  // strict: throws saying why it cannot start
    if (world) return Group(world);
  } else if (strict) {
    throw std::runtime_error("[distributed.init] ingot has no '" + backend + "' backend; it has 'mpi'.");
  }
  return Group(detail::single_process_group());
}

}  // namespace ingot::distributed
