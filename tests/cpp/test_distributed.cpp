// ingot::distributed in one process: the single-process group, the ops' checks and errors, and the
// collectives' nodes in files, compile and transforms, with a stand-in group of two processes whose
// peer holds the same values. The MPI backend across processes: tests/python/test_distributed_mpi.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "distributed/group.h"
#include "export_test_util.h"
#include "prims/primitive.h"

using namespace ingot;
namespace dist = ingot::distributed;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

// Rank 0 of two processes whose peer contributes the same array: sums double, max/min keep the values,
// a gather repeats the input, and each receive delivers a message filled with the count of receives.
class TwinGroup : public dist::detail::GroupImpl {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  std::shared_ptr<GroupImpl> split(int, int) override { return std::make_shared<TwinGroup>(); }
  void all_reduce(array& buf, dist::ReduceOp op) override {
    if (op != dist::ReduceOp::sum) return;
    auto* p = static_cast<float*>(buf.raw_data());
    for (int64_t i = 0; i < buf.size(); ++i) p[i] *= 2;
  }
  void all_gather(const array& in, array& out) override {
    auto* p = static_cast<char*>(out.raw_data());
    for (int k = 0; k < 2; ++k) std::memcpy(p + k * in.nbytes(), in.raw_data(), in.nbytes());
  }
  void send(const array&, int) override { ++sent; }
  void recv(array& out, int) override {
    ++received;
    auto* p = static_cast<float*>(out.raw_data());
    for (int64_t i = 0; i < out.size(); ++i) p[i] = static_cast<float>(received);
  }
  int sent = 0, received = 0;
};

array f32(std::vector<float> v, Shape s) { return array(v, std::move(s)); }

}  // namespace

TEST(Distributed, TheGroupOfOneProcess) {
  auto g = dist::init();
  EXPECT_EQ(g.size(), 1);
  EXPECT_EQ(g.rank(), 0);
  EXPECT_EQ(dist::init().raw_group(), g.raw_group());  // the same group on every call
  auto sub = g.split(3);
  EXPECT_EQ(sub.size(), 1);
  EXPECT_EQ(sub.rank(), 0);
  EXPECT_THAT(error_of([&] { g.split(-1); }), HasSubstr("[Group.split] the color must be non-negative, got -1."));
  EXPECT_EQ(dist::is_available(), dist::is_available("mpi"));
  EXPECT_EQ(dist::is_available("any"), dist::is_available("mpi"));
  EXPECT_FALSE(dist::is_available("ring"));
  EXPECT_FALSE(dist::is_available("nccl"));
}

TEST(Distributed, InitWithoutALauncher) {
  EXPECT_EQ(dist::init(false, "mpi").size(), 1);
  EXPECT_EQ(dist::init(false, "ring").size(), 1);
  EXPECT_THAT(error_of<std::runtime_error>([] { dist::init(true); }),
              HasSubstr("[distributed.init] MPI cannot start: "));
  EXPECT_THAT(error_of<std::runtime_error>([] { dist::init(true, "ring"); }),
              HasSubstr("[distributed.init] ingot has no 'ring' backend; it has 'mpi'."));
  EXPECT_THAT(error_of([] { dist::init(false, "tcp"); }),
              HasSubstr("[distributed.init] the backend must be 'any', 'mpi', 'ring', 'nccl' or 'jaccl', got 'tcp'."));
}

TEST(Distributed, OpsOnOneProcessAreTheIdentityOrRefused) {
  const array x = f32({1, -2, 3, 4}, {2, 2});
  for (auto* op : {&dist::all_sum, &dist::all_max, &dist::all_min, &dist::all_gather})
    EXPECT_TRUE(op(x, std::nullopt, {}).is_same(x));
  EXPECT_TRUE(dist::sum_gradients(x).is_same(x));
  EXPECT_THAT(error_of([&] { dist::send(x, 0); }),
              HasSubstr("[send] there is no other process in a group of one process."));
  EXPECT_THAT(error_of([&] { dist::recv({2}, float32, 0); }), HasSubstr("[recv] there is no other process"));
  EXPECT_THAT(error_of([&] { dist::recv_like(x, 0); }), HasSubstr("[recv] there is no other process"));
  EXPECT_THAT(error_of([&] { dist::all_sum(x, std::nullopt, Device(Device::gpu)); }), HasSubstr("[all_sum]"));
}

TEST(Distributed, OpsCheckRanks) {
  const dist::Group twin(std::make_shared<TwinGroup>());
  const array x = f32({1, 2}, {2});
  EXPECT_THAT(error_of([&] { dist::send(x, 2, twin); }),
              HasSubstr("[send] the destination 2 is not a rank of a group of 2."));
  EXPECT_THAT(error_of([&] { dist::send(x, 0, twin); }), HasSubstr("[send] the destination 0 is this process"));
  EXPECT_THAT(error_of([&] { dist::recv({2}, float32, -1, twin); }), HasSubstr("[recv] the source -1 is not a rank"));
  EXPECT_THAT(error_of([&] { dist::recv({-2}, float32, 1, twin); }), HasSubstr("[recv] negative dimension"));
}

TEST(Distributed, CollectivesOverATwinGroup) {
  const dist::Group twin(std::make_shared<TwinGroup>());
  const array x = f32({1, -2, 3, 4}, {2, 2});
  EXPECT_EQ(vals(dist::all_sum(x, twin)), (std::vector<double>{2, -4, 6, 8}));
  EXPECT_EQ(vals(dist::all_max(x, twin)), vals(x));
  const array g = dist::all_gather(x, twin);
  EXPECT_EQ(g.shape(), (Shape{4, 2}));
  EXPECT_EQ(vals(g), (std::vector<double>{1, -2, 3, 4, 1, -2, 3, 4}));
  EXPECT_EQ(dist::all_gather(array(5.0f), twin).shape(), (Shape{2}));
  // A transposed input is sent and reduced in its logical order.
  EXPECT_EQ(vals(dist::all_sum(transpose(x), twin)), (std::vector<double>{2, 6, -4, 8}));
  const array s = dist::send(x, 1, twin);
  EXPECT_EQ(vals(s), vals(x));
  EXPECT_EQ(static_cast<TwinGroup&>(*twin.raw_group()).sent, 1);
  const array r = dist::recv_like(x, 1, twin);
  EXPECT_EQ(r.shape(), x.shape());
  EXPECT_EQ(vals(r), (std::vector<double>{1, 1, 1, 1}));
}

// all_sum's vjp is the identity (MLX's); sum_gradients' sums over the group; all_gather's picks this
// process's rows; all_max's goes to the winners, shared between the processes that tie.
TEST(Distributed, Derivatives) {
  const dist::Group twin(std::make_shared<TwinGroup>());
  const array x = f32({1, -2, 3}, {3});
  auto grad_of = [&](std::function<array(const array&)> f) {
    return vals(grad([f](const array& a) { return sum(f(a)); })(x));
  };
  EXPECT_EQ(grad_of([&](const array& a) { return dist::all_sum(a, twin); }), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(grad_of([&](const array& a) { return dist::sum_gradients(a, twin); }), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(grad_of([&](const array& a) { return multiply(dist::all_gather(a, twin), arange(6.0f)); }),
            (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(grad_of([&](const array& a) { return dist::all_max(a, twin); }), (std::vector<double>{0.5, 0.5, 0.5}));
  const auto [out, tangent] = jvp([&](const Arrays& a) { return Arrays{dist::all_sum(a[0], twin)}; }, {x}, {ones({3})});
  EXPECT_EQ(vals(tangent[0]), (std::vector<double>{2, 2, 2}));
  const array batched = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  const array g = vmap([&](const Arrays& a) { return Arrays{dist::all_gather(a[0], twin)}; })({batched})[0];
  EXPECT_EQ(g.shape(), (Shape{2, 6}));
  EXPECT_EQ(vals(g), (std::vector<double>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
}

// A file records each collective's group size; on import it runs on this process's global group,
// which must have that size. Reading and drawing the file work anywhere.
TEST(Distributed, ExportedCollectivesNeedTheirGroupSize) {
  ingot::testing::TempDir dir;
  const dist::Group twin(std::make_shared<TwinGroup>());
  const auto path = dir.file("twin.ingot");
  export_function(path, [&](const Args& a) { return Args{dist::all_sum(a[0], twin)}; }, {f32({1, 2}, {2})});
  auto f = import_function(path);
  std::ostringstream dot;
  export_to_dot(dot, f);
  EXPECT_THAT(dot.str(), HasSubstr("AllReduce(sum, 2)"));
  auto out = f({f32({1, 2}, {2})});
  EXPECT_THAT(error_of([&] { out[0].eval(); }),
              HasSubstr("[all_sum] the function was exported on a group of 2 processes, and this process's group "
                        "has 1: run it with as many processes (mpirun -np 2)."));
  // Exported on one process, collectives are the identity and leave no node: the file runs anywhere.
  export_function(path, [&](const Args& a) { return Args{dist::all_sum(a[0])}; }, {f32({1, 2}, {2})});
  std::ostringstream dot1;
  export_to_dot(dot1, import_function(path));
  EXPECT_THAT(dot1.str(), ::testing::Not(HasSubstr("AllReduce")));
}

// Every receive is its own message: export keeps equal receives apart, and compile replays them.
TEST(Distributed, CommunicationIsNeverMergedOrFolded) {
  ingot::testing::TempDir dir;
  auto twin_impl = std::make_shared<TwinGroup>();
  const dist::Group twin(twin_impl);
  auto two_receives = [&](const Args& a) {
    return Args{add(a[0], dist::recv({2}, float32, 1, twin)), add(a[0], dist::recv({2}, float32, 1, twin))};
  };
  export_function(dir.file("r.ingot"), two_receives, {f32({0, 0}, {2})});
  std::ostringstream dot;
  export_to_dot(dot, import_function(dir.file("r.ingot")));
  const std::string d = dot.str();
  size_t n = 0;
  for (size_t at = d.find("label=\"Recv"); at != std::string::npos; at = d.find("label=\"Recv", at + 1)) ++n;
  EXPECT_EQ(n, 2u) << d;

  auto f = compile([&](const Arrays& a) { return Arrays{add(a[0], dist::recv({2}, float32, 1, twin))}; });
  EXPECT_EQ(vals(f({f32({0, 0}, {2})})[0]), (std::vector<double>{1, 1}));
  EXPECT_EQ(vals(f({f32({0, 0}, {2})})[0]), (std::vector<double>{2, 2}));
  EXPECT_EQ(twin_impl->received, 2);
}

TEST(Distributed, HostileStateIsRefused) {
  auto node = [](const std::string& name, auto... fields) {
    StateWriter w;
    w.write_all(std::tuple(fields...));
    StateReader r(w.bytes().data(), w.bytes().size(), name);
    return primitive_registry().entries().at(name).factory(r);
  };
  const Arrays in = {f32({1, 2}, {2})};
  EXPECT_THAT(error_of([&] { node("AllReduce", std::string("prod"), 2)->check_inputs(in); }),
              HasSubstr("invalid state: the reduction 'prod'"));
  EXPECT_THAT(error_of([&] { node("AllReduce", std::string("sum"), 0)->check_inputs(in); }),
              HasSubstr("invalid state: a group of 0 processes"));
  EXPECT_THAT(error_of([&] { node("AllGather", 1 << 30)->check_inputs(in); }), HasSubstr("invalid state"));
  EXPECT_THAT(error_of([&] { node("Send", 2, 2)->check_inputs(in); }), HasSubstr("invalid state: destination 2"));
  EXPECT_THAT(error_of([&] { node("Recv", Shape{-1}, float32, 0, 2)->output_shapes({}); }),
              HasSubstr("negative dimension"));
}
