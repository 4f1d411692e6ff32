// The MPI backend: Open MPI's libmpi opened with dlopen on first use, so that libingot and programs
// linked with it need no MPI unless they communicate. The few types and constants used are Open MPI's
// (its handles are pointers to the library's objects, whose addresses dlsym gives), declared here
// rather than taken from mpi.h so that the build needs no MPI either; another MPI fails to load, clearly.
#include <dlfcn.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "distributed/group.h"

namespace ingot::distributed::detail {

namespace {

// Open MPI's ABI (mpi.h of Open MPI 3 to 5).
using Comm = void*;
using Datatype = void*;
using Op = void*;
using Errhandler = void*;
using UserFunction = void(void* in, void* inout, int* len, Datatype* type);
struct Status {  // ompi_status_public_t
  int source, tag, error, cancelled;
  size_t ucount;
};
constexpr int kSuccess = 0;
constexpr int kThreadSerialized = 2;
constexpr int kAnyTag = -1;
void* const kInPlace = reinterpret_cast<void*>(1);

// Reductions MPI has no predefined op for: float16 and bfloat16, and float max/min that propagate NaN
// (as ingot's max and min do).
template <typename T, ReduceOp R>
void reduce_fn(void* in, void* inout, int* len, Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* acc = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) {
    const float x = static_cast<float>(a[i]), y = static_cast<float>(acc[i]);
    if constexpr (R == ReduceOp::sum) acc[i] = T(x + y);
    else if (std::isnan(y)) continue;
    else if (std::isnan(x) || (R == ReduceOp::max ? x > y : x < y)) acc[i] = a[i];
  }
}
template <typename T, ReduceOp R>
void reduce_fn_wide(void* in, void* inout, int* len, Datatype*) {  // float and double max/min
  const T* a = static_cast<const T*>(in);
  T* acc = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) {
    if (std::isnan(acc[i])) continue;
    if (std::isnan(a[i]) || (R == ReduceOp::max ? a[i] > acc[i] : a[i] < acc[i])) acc[i] = a[i];
  }
}

class Mpi {
 public:
  Mpi() { load(); }
  bool available() const { return lib_ != nullptr; }
  const std::string& why_unavailable() const { return why_; }

  // Starts MPI once (a process that a launcher started), unless the program already did.
  void start() {
    int inited = 0;
    check(initialized_(&inited), "MPI_Initialized");
    if (!inited) {
      int provided = 0;
      check(init_thread_(nullptr, nullptr, kThreadSerialized, &provided), "MPI_Init_thread");
      owns_ = true;
      std::atexit([] { instance().finish(); });
    }
    // Errors come back as codes (turned into exceptions) rather than ending the process.
    check(set_errhandler_(world_, errors_return_), "MPI_Comm_set_errhandler");
    make_types();
  }
  void finish() {
    if (owns_ && !finalized()) finalize_();
  }
  bool finalized() const {
    int done = 0;
    return finalized_(&done) != kSuccess || done;
  }

  void check(int rc, const char* fn, const char* op = "distributed") const {
    if (rc == kSuccess) return;
    char text[512] = {};
    int n = 0;
    if (error_string_(rc, text, &n) != kSuccess) n = 0;
    throw std::runtime_error(std::string("[") + op + "] " + fn + " failed: " + std::string(text, n));
  }
  Datatype type(Dtype t) const {
    switch (t) {
      case bool_: return t_bool_;
      case uint8: return t_u8_;
      case uint16: return t_u16_;
      case uint32: return t_u32_;
      case uint64: return t_u64_;
      case int8: return t_i8_;
      case int16: return t_i16_;
      case int32: return t_i32_;
      case int64: return t_i64_;
      case float16: return t_f16_;
      case bfloat16: return t_bf16_;
      case float32: return t_f32_;
      case float64: return t_f64_;
    }
    throw std::logic_error("[distributed] unknown dtype");
  }
  Op op(ReduceOp r, Dtype t) const {
    const int k = static_cast<int>(r);
    switch (t) {
      case bool_: return r == ReduceOp::min ? op_land_ : op_lor_;  // sum and max of bools: any
      case float16: return f16_ops_[k];
      case bfloat16: return bf16_ops_[k];
      case float32: return r == ReduceOp::sum ? op_sum_ : f32_ops_[k];
      case float64: return r == ReduceOp::sum ? op_sum_ : f64_ops_[k];
      default: return r == ReduceOp::sum ? op_sum_ : r == ReduceOp::max ? op_max_ : op_min_;
    }
  }

  int (*initialized_)(int*) = nullptr;
  int (*finalized_)(int*) = nullptr;
  int (*init_thread_)(int*, char***, int, int*) = nullptr;
  int (*finalize_)() = nullptr;
  int (*error_string_)(int, char*, int*) = nullptr;
  int (*set_errhandler_)(Comm, Errhandler) = nullptr;
  int (*comm_rank_)(Comm, int*) = nullptr;
  int (*comm_size_)(Comm, int*) = nullptr;
  int (*comm_split_)(Comm, int, int, Comm*) = nullptr;
  int (*comm_free_)(Comm*) = nullptr;
  int (*allreduce_)(const void*, void*, int, Datatype, Op, Comm) = nullptr;
  int (*allgather_)(const void*, int, Datatype, void*, int, Datatype, Comm) = nullptr;
  int (*send_)(const void*, int, Datatype, int, int, Comm) = nullptr;
  int (*recv_)(void*, int, Datatype, int, int, Comm, Status*) = nullptr;
  int (*get_count_)(const Status*, Datatype, int*) = nullptr;
  int (*type_contiguous_)(int, Datatype, Datatype*) = nullptr;
  int (*type_commit_)(Datatype*) = nullptr;
  int (*op_create_)(UserFunction*, int, Op*) = nullptr;
  Comm world_ = nullptr;

  static Mpi& instance() {
    static Mpi* mpi = new Mpi();  // never destroyed: MPI is finalized at exit, after which nothing runs
    return *mpi;
  }

 private:
  template <typename F>
  bool sym(F& f, const char* name) {
    if (!lib_) return false;
    f = reinterpret_cast<F>(dlsym(lib_, name));
    if (f) return true;
    why_ = std::string("the MPI library has no ") + name + " (ingot needs Open MPI)";
    lib_ = nullptr;
    return false;
  }
  // A predefined object: its address is the handle.
  bool obj(void*& h, const char* name) { return sym(h, name); }

  void load() {
    const char* env = std::getenv("INGOT_MPI_LIBNAME");
    for (const char* name : {env, "libmpi.so.40", "libmpi.so"}) {
      if (!name) continue;
      lib_ = dlopen(name, RTLD_NOW | RTLD_GLOBAL);  // Open MPI's plugins need its symbols global
      if (lib_ || env) break;
    }
    if (!lib_) {
      const char* e = dlerror();
      why_ = std::string("libmpi could not be loaded") + (e ? std::string(": ") + e : std::string());
      return;
    }
    sym(initialized_, "MPI_Initialized"), sym(finalized_, "MPI_Finalized"), sym(init_thread_, "MPI_Init_thread");
    sym(finalize_, "MPI_Finalize"), sym(error_string_, "MPI_Error_string");
    sym(set_errhandler_, "MPI_Comm_set_errhandler"), sym(comm_rank_, "MPI_Comm_rank");
    sym(comm_size_, "MPI_Comm_size"), sym(comm_split_, "MPI_Comm_split"), sym(comm_free_, "MPI_Comm_free");
    sym(allreduce_, "MPI_Allreduce"), sym(allgather_, "MPI_Allgather"), sym(send_, "MPI_Send");
    sym(recv_, "MPI_Recv"), sym(get_count_, "MPI_Get_count"), sym(type_contiguous_, "MPI_Type_contiguous");
    sym(type_commit_, "MPI_Type_commit"), sym(op_create_, "MPI_Op_create");
    obj(world_, "ompi_mpi_comm_world"), obj(errors_return_, "ompi_mpi_errors_return");
    obj(t_bool_, "ompi_mpi_c_bool"), obj(t_u8_, "ompi_mpi_uint8_t"), obj(t_u16_, "ompi_mpi_uint16_t");
    obj(t_u32_, "ompi_mpi_uint32_t"), obj(t_u64_, "ompi_mpi_uint64_t"), obj(t_i8_, "ompi_mpi_int8_t");
    obj(t_i16_, "ompi_mpi_int16_t"), obj(t_i32_, "ompi_mpi_int32_t"), obj(t_i64_, "ompi_mpi_int64_t");
    obj(t_f32_, "ompi_mpi_float"), obj(t_f64_, "ompi_mpi_double");
    obj(op_sum_, "ompi_mpi_op_sum"), obj(op_max_, "ompi_mpi_op_max"), obj(op_min_, "ompi_mpi_op_min");
    obj(op_lor_, "ompi_mpi_op_lor"), obj(op_land_, "ompi_mpi_op_land");
  }

  // float16 and bfloat16 travel as two bytes; the ops above reduce them (and NaN-propagating float max/min).
  void make_types() {
    for (Datatype* t : {&t_f16_, &t_bf16_}) {
      check(type_contiguous_(2, t_u8_, t), "MPI_Type_contiguous");
      check(type_commit_(t), "MPI_Type_commit");
    }
    UserFunction* f16[] = {reduce_fn<float16_t, ReduceOp::sum>, reduce_fn<float16_t, ReduceOp::max>,
                           reduce_fn<float16_t, ReduceOp::min>};
    UserFunction* bf16[] = {reduce_fn<bfloat16_t, ReduceOp::sum>, reduce_fn<bfloat16_t, ReduceOp::max>,
                            reduce_fn<bfloat16_t, ReduceOp::min>};
    UserFunction* f32[] = {nullptr, reduce_fn_wide<float, ReduceOp::max>, reduce_fn_wide<float, ReduceOp::min>};
    UserFunction* f64[] = {nullptr, reduce_fn_wide<double, ReduceOp::max>, reduce_fn_wide<double, ReduceOp::min>};
    for (int k = 0; k < 3; ++k) {
      check(op_create_(f16[k], 1, &f16_ops_[k]), "MPI_Op_create");
      check(op_create_(bf16[k], 1, &bf16_ops_[k]), "MPI_Op_create");
      if (f32[k]) check(op_create_(f32[k], 1, &f32_ops_[k]), "MPI_Op_create");
      if (f64[k]) check(op_create_(f64[k], 1, &f64_ops_[k]), "MPI_Op_create");
    }
  }

  void* lib_ = nullptr;
  std::string why_;
  bool owns_ = false;
  Errhandler errors_return_ = nullptr;
  Datatype t_bool_ = nullptr, t_u8_ = nullptr, t_u16_ = nullptr, t_u32_ = nullptr, t_u64_ = nullptr;
  Datatype t_i8_ = nullptr, t_i16_ = nullptr, t_i32_ = nullptr, t_i64_ = nullptr;
  Datatype t_f16_ = nullptr, t_bf16_ = nullptr, t_f32_ = nullptr, t_f64_ = nullptr;
  Op op_sum_ = nullptr, op_max_ = nullptr, op_min_ = nullptr, op_lor_ = nullptr, op_land_ = nullptr;
  Op f16_ops_[3] = {}, bf16_ops_[3] = {}, f32_ops_[3] = {}, f64_ops_[3] = {};
};

// MPI counts are ints.
int count_of(const array& a, const char* op) {
  if (a.size() > INT_MAX)
    throw std::runtime_error(std::string("[") + op + "] the MPI backend moves at most " + std::to_string(INT_MAX) +
                             " elements at once; the array has " + std::to_string(a.size()) + ".");
  return static_cast<int>(a.size());
}

class MpiGroup : public GroupImpl {
 public:
  MpiGroup(Comm comm, bool owned) : comm_(comm), owned_(owned) {
    Mpi& m = Mpi::instance();
    m.check(m.comm_rank_(comm_, &rank_), "MPI_Comm_rank");
    m.check(m.comm_size_(comm_, &size_), "MPI_Comm_size");
  }
  ~MpiGroup() override {
    std::lock_guard<std::mutex> lock(mutex());
    if (owned_ && !Mpi::instance().finalized()) Mpi::instance().comm_free_(&comm_);  // freed by MPI at its end
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::shared_ptr<GroupImpl> split(int color, int key) override {
    std::lock_guard<std::mutex> lock(mutex());
    Comm c = nullptr;
    Mpi::instance().check(Mpi::instance().comm_split_(comm_, color, key, &c), "MPI_Comm_split", "Group.split");
    return std::make_shared<MpiGroup>(c, true);
  }
  void all_reduce(array& buf, ReduceOp op) override {
    static const char* const names[] = {"all_sum", "all_max", "all_min"};
    const char* name = names[static_cast<int>(op)];
    std::lock_guard<std::mutex> lock(mutex());
    Mpi& m = Mpi::instance();
    const Dtype t = buf.dtype();
    m.check(m.allreduce_(kInPlace, buf.raw_data(), count_of(buf, name), m.type(t), m.op(op, t), comm_), "MPI_Allreduce",
            name);
  }
  void all_gather(const array& in, array& out) override {
    std::lock_guard<std::mutex> lock(mutex());
    Mpi& m = Mpi::instance();
    const int n = count_of(in, "all_gather");
    const Datatype t = m.type(in.dtype());
    m.check(m.allgather_(in.raw_data(), n, t, out.raw_data(), n, t, comm_), "MPI_Allgather", "all_gather");
  }
  void send(const array& in, int dst) override {
    std::lock_guard<std::mutex> lock(mutex());
    Mpi& m = Mpi::instance();
    m.check(m.send_(in.raw_data(), count_of(in, "send"), m.type(in.dtype()), dst, 0, comm_), "MPI_Send", "send");
  }
  void recv(array& out, int src) override {
    std::lock_guard<std::mutex> lock(mutex());
    Mpi& m = Mpi::instance();
    const Datatype t = m.type(out.dtype());
    Status status{};
    const int n = count_of(out, "recv");
    m.check(m.recv_(out.raw_data(), n, t, src, kAnyTag, comm_, &status), "MPI_Recv", "recv");
    int got = 0;
    m.check(m.get_count_(&status, t, &got), "MPI_Get_count", "recv");
    if (got != n)
      throw std::runtime_error("[recv] rank " + std::to_string(src) + " sent " + std::to_string(got) +
                               " elements; the receive expects " + std::to_string(n) + ".");
  }

 private:
  // MPI runs serialized (MPI_THREAD_SERIALIZED): one call at a time across the process.
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  Comm comm_;
  bool owned_;
  int rank_ = 0, size_ = 1;
};

// Whether an MPI launcher started this process (Open MPI's mpirun, or PMIx / PMI ones).
bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace

bool mpi_available() { return Mpi::instance().available(); }

std::shared_ptr<GroupImpl> mpi_init(bool strict) {
  auto refuse = [&](const std::string& why) -> std::shared_ptr<GroupImpl> {
    if (strict) throw std::runtime_error("[distributed.init] MPI cannot start: " + why + ".");
    return nullptr;
  };
  // Without a launcher libmpi is not even loaded: a package that calls init() on import costs nothing.
  if (!launched()) return refuse("this process was not started by an MPI launcher (mpirun -np N ...)");
  Mpi& m = Mpi::instance();
  if (!m.available()) return refuse(m.why_unavailable());
  static std::once_flag started;
  std::call_once(started, [&] { m.start(); });
  auto world = std::make_shared<MpiGroup>(m.world_, false);
  if (world->size() < 2) return refuse("the MPI world has a single process");
  return world;
}

}  // namespace ingot::distributed::detail
