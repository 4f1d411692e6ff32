#include "cpu/packed.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#endif

#if defined(DNNL_VERSION_MAJOR) && DNNL_VERSION_MAJOR == 2
#include <dlfcn.h>

#include <cstring>

#include "core/allocator.h"
#include "cpu/parallel.h"

namespace ingot::cpu {

namespace {

// The functions used, looked up once in libdnnl.so.2 (its C API: no C++ ABI to match).
struct Dnnl {
#define INGOT_DNNL_FNS(X)                                                                                  \
  X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_wait) X(dnnl_stream_destroy)                   \
  X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_init_by_strides) X(dnnl_memory_desc_get_size)         \
  X(dnnl_memory_desc_equal) X(dnnl_matmul_desc_init) X(dnnl_primitive_desc_create)                         \
  X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_create)                  \
  X(dnnl_primitive_execute) X(dnnl_primitive_destroy) X(dnnl_memory_create) X(dnnl_memory_destroy)         \
  X(dnnl_reorder_primitive_desc_create)
#define INGOT_DNNL_MEMBER(f) decltype(&::f) f = nullptr;
  INGOT_DNNL_FNS(INGOT_DNNL_MEMBER)
  void (*omp_set_num_threads)(int) = nullptr;
  dnnl_engine_t engine = nullptr;
  bool ok = false;

  Dnnl() {
    if (const char* env = std::getenv("INGOT_ONEDNN"); env && std::string(env) == "0") return;
    // OpenMP's threads (oneDNN's) sleep between products rather than spin against ingot's pool, unless
    // the user says otherwise; read when libgomp loads, which is now unless something loaded it before.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    void* lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
#define INGOT_DNNL_LOOKUP(f)                                      \
  f = reinterpret_cast<decltype(f)>(dlsym(lib, #f));              \
  if (!f) return;
    INGOT_DNNL_FNS(INGOT_DNNL_LOOKUP)
    // OpenMP's team follows ingot's thread count, unless the user set OMP_NUM_THREADS.
    void* gomp = std::getenv("OMP_NUM_THREADS") ? nullptr : dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (gomp) omp_set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(gomp, "omp_set_num_threads"));
    ok = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success;
  }
};

Dnnl& dnnl() {
  static Dnnl d;  // never destroyed before its users: products run while the process lives
  return d;
}

void check(dnnl_status_t s, const char* what) {
  if (s != dnnl_success) throw std::runtime_error(std::string("[matmul] oneDNN failed to ") + what + " (status " + std::to_string(s) + ").");
}

// A stream per thread (a stream is not shared between threads), and the pool's thread count for
// OpenMP's regions started from this thread.
dnnl_stream_t thread_stream() {
  Dnnl& d = dnnl();
  struct Stream {
    dnnl_stream_t s = nullptr;
    ~Stream() {
      if (s) dnnl().dnnl_stream_destroy(s);
    }
  };
  thread_local Stream stream;
  thread_local int threads = 0;
  if (!stream.s) check(d.dnnl_stream_create(&stream.s, d.engine, dnnl_stream_default_flags), "create a stream");
  if (d.omp_set_num_threads && threads != num_threads()) d.omp_set_num_threads(threads = num_threads());
  return stream.s;
}

dnnl_memory_desc_t dense(int64_t rows, int64_t cols) {
  dnnl_memory_desc_t md;
  const dnnl_dims_t dims = {rows, cols};
  check(dnnl().dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, dnnl_ab), "describe a matrix");
  return md;
}

// Runs `prim` with (argument, descriptor, data) triples, each wrapped in a memory object for the call.
void execute(dnnl_primitive_t prim, std::initializer_list<std::tuple<int, const dnnl_memory_desc_t*, const void*>> args) {
  Dnnl& d = dnnl();
  dnnl_exec_arg_t a[4];
  int n = 0;
  dnnl_status_t s = dnnl_success;
  for (const auto& [arg, md, data] : args) {
    a[n].arg = arg;
    s = d.dnnl_memory_create(&a[n].memory, md, d.engine, const_cast<void*>(data));
    if (s != dnnl_success) break;
    ++n;
  }
  dnnl_stream_t stream = thread_stream();
  if (s == dnnl_success) s = d.dnnl_primitive_execute(prim, stream, n, a);
  if (s == dnnl_success) s = d.dnnl_stream_wait(stream);
  for (int i = 0; i < n; ++i) d.dnnl_memory_destroy(a[i].memory);
  check(s, "run a product");
}

// A matmul primitive descriptor for M x K by `weights`, or nullptr.
dnnl_primitive_desc_t matmul_desc(int64_t M, int64_t K, int64_t N, const dnnl_memory_desc_t& weights, bool bias) {
  Dnnl& d = dnnl();
  const dnnl_memory_desc_t src = dense(M, K), dst = dense(M, N), b = dense(1, N);
  dnnl_matmul_desc_t desc;
  if (d.dnnl_matmul_desc_init(&desc, &src, &weights, bias ? &b : nullptr, &dst) != dnnl_success) return nullptr;
  dnnl_primitive_desc_t pd = nullptr;
  if (d.dnnl_primitive_desc_create(&pd, &desc, nullptr, d.engine, nullptr) != dnnl_success) return nullptr;
  return pd;
}

}  // namespace

struct PackedWeights {
  int64_t K, N;
  dnnl_memory_desc_t md;
  std::shared_ptr<void> data;
  size_t bytes;
};

struct PackedProduct {
  std::shared_ptr<const PackedWeights> weights;
  int64_t M;
  bool bias;
  dnnl_memory_desc_t src, dst, bias_md;
  std::shared_ptr<dnnl_primitive> prim;
};

bool packing_available() { return dnnl().ok; }

std::shared_ptr<const PackedWeights> pack_weights(const array& b, int64_t rows) {
  Dnnl& d = dnnl();
  if (!d.ok || b.ndim() != 2 || b.dtype() != float32 || !b.is_evaluated()) return nullptr;
  const int64_t K = b.shape(0), N = b.shape(1);
  dnnl_memory_desc_t any;
  const dnnl_dims_t dims = {K, N};
  check(d.dnnl_memory_desc_init_by_tag(&any, 2, dims, dnnl_f32, dnnl_format_tag_any), "describe the weights");
  dnnl_primitive_desc_t pd = matmul_desc(rows, K, N, any, false);
  if (!pd) return nullptr;
  auto w = std::make_shared<PackedWeights>();
  w->K = K, w->N = N;
  w->md = *d.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  d.dnnl_primitive_desc_destroy(pd);
  w->bytes = d.dnnl_memory_desc_get_size(&w->md);
  w->data = allocate(w->bytes);
  // The reorder reads b through its strides (a transposed view of a weight, say).
  dnnl_memory_desc_t from;
  const dnnl_dims_t strides = {b.strides()[0], b.strides()[1]};
  check(d.dnnl_memory_desc_init_by_strides(&from, 2, dims, dnnl_f32, strides), "describe the weights");
  dnnl_primitive_desc_t rpd = nullptr;
  check(d.dnnl_reorder_primitive_desc_create(&rpd, &from, d.engine, &w->md, d.engine, nullptr), "plan the packing");
  dnnl_primitive_t reorder = nullptr;
  const dnnl_status_t s = d.dnnl_primitive_create(&reorder, rpd);
  d.dnnl_primitive_desc_destroy(rpd);
  check(s, "plan the packing");
  try {
    execute(reorder, {{DNNL_ARG_FROM, &from, b.raw_data()}, {DNNL_ARG_TO, &w->md, w->data.get()}});
  } catch (...) {
    d.dnnl_primitive_destroy(reorder);
    throw;
  }
  d.dnnl_primitive_destroy(reorder);
  return w;
}

size_t packed_bytes(const PackedWeights& w) { return w.bytes; }

std::shared_ptr<const PackedProduct> packed_product(std::shared_ptr<const PackedWeights> w, int64_t M, bool bias) {
  Dnnl& d = dnnl();
  dnnl_primitive_desc_t pd = matmul_desc(M, w->K, w->N, w->md, bias);
  if (!pd) return nullptr;
  // The implementation chosen must read the weights in the layout they were packed in.
  const bool same = d.dnnl_memory_desc_equal(d.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &w->md);
  dnnl_primitive_t prim = nullptr;
  const dnnl_status_t s = same ? d.dnnl_primitive_create(&prim, pd) : dnnl_unimplemented;
  d.dnnl_primitive_desc_destroy(pd);
  if (s != dnnl_success) return nullptr;
  auto p = std::make_shared<PackedProduct>();
  p->prim = std::shared_ptr<dnnl_primitive>(prim, [](dnnl_primitive_t q) { dnnl().dnnl_primitive_destroy(q); });
  p->M = M, p->bias = bias;
  p->src = dense(M, w->K), p->dst = dense(M, w->N), p->bias_md = dense(1, w->N);
  p->weights = std::move(w);
  return p;
}

void run_packed(const PackedProduct& p, const float* a, const float* bias, float* c) {
  const PackedWeights& w = *p.weights;
  if (p.bias)
    execute(p.prim.get(), {{DNNL_ARG_SRC, &p.src, a}, {DNNL_ARG_WEIGHTS, &w.md, w.data.get()},
                           {DNNL_ARG_BIAS, &p.bias_md, bias}, {DNNL_ARG_DST, &p.dst, c}});
  else
    execute(p.prim.get(), {{DNNL_ARG_SRC, &p.src, a}, {DNNL_ARG_WEIGHTS, &w.md, w.data.get()}, {DNNL_ARG_DST, &p.dst, c}});
}

}  // namespace ingot::cpu

#else  // built without oneDNN's header: nothing is packed

namespace ingot::cpu {
struct PackedWeights {};
struct PackedProduct {};
bool packing_available() { return false; }
std::shared_ptr<const PackedWeights> pack_weights(const array&, int64_t) { return nullptr; }
size_t packed_bytes(const PackedWeights&) { return 0; }
std::shared_ptr<const PackedProduct> packed_product(std::shared_ptr<const PackedWeights>, int64_t, bool) { return nullptr; }
void run_packed(const PackedProduct&, const float*, const float*, float*) {
  throw std::logic_error("[matmul] built without oneDNN.");
}
}  // namespace ingot::cpu

#endif
