#include "cpu/parallel.h"

#include "cpu/blas.h"

#include "ingot/threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace ingot::cpu {

namespace {

constexpr int kMaxThreads = 256;
thread_local bool in_parallel = false;

// Workers sleep on a condition variable between jobs (no spinning: OpenBLAS's threads and other
// processes share the cores). A job is a counter of chunks that the workers and the caller take from.
class Pool {
 public:
  Pool() {
    choose_blas_kernels();  // before OpenBLAS starts working for us
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("INGOT_NUM_THREADS")) n = std::atoi(env);
    start(std::clamp(n, 1, kMaxThreads));
    if (!std::getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(threads_);
  }
  ~Pool() { stop(); }
  int threads() const { return threads_.load(); }
  int resize(int n) {
    std::lock_guard<std::mutex> one_job(job_mutex_);  // after the job in progress
    const int old = threads_;
    stop();
    start(n);
    openblas_set_num_threads(n);
    return old;
  }

  void run(int64_t chunks, const std::function<void(int64_t)>& chunk) {
    std::lock_guard<std::mutex> one_job(job_mutex_);  // concurrent callers take turns
    {
      std::lock_guard<std::mutex> lock(m_);
      chunk_ = &chunk;
      total_ = chunks;
      next_ = 0;
      done_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    take_chunks();
    std::unique_lock<std::mutex> lock(m_);
    finished_.wait(lock, [&] { return done_ == total_; });
    chunk_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      take_chunks();
    }
  }
  void take_chunks() {
    in_parallel = true;
    for (;;) {
      int64_t i;
      const std::function<void(int64_t)>* f;
      {
        std::lock_guard<std::mutex> lock(m_);
        if (!chunk_ || next_ >= total_) break;
        i = next_++;
        f = chunk_;
      }
      std::exception_ptr e;
      try {
        (*f)(i);
      } catch (...) {
        e = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(m_);
      if (e && !error_) error_ = e;
      if (++done_ == total_) finished_.notify_all();
    }
    in_parallel = false;
  }

  void start(int n) {
    stop_ = false;
    threads_ = n;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { work(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::atomic<int> threads_{1};
  std::vector<std::thread> workers_;
  std::mutex job_mutex_, m_;
  std::condition_variable wake_, finished_;
  const std::function<void(int64_t)>* chunk_ = nullptr;
  int64_t total_ = 0, next_ = 0, done_ = 0;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().threads(); }

}  // namespace ingot::cpu

namespace ingot {

int get_num_threads() { return cpu::num_threads(); }

int set_num_threads(int n) {
  if (n < 1 || n > cpu::kMaxThreads)
    throw std::invalid_argument("[set_num_threads] expects 1 to " + std::to_string(cpu::kMaxThreads) +
                                " threads, got " + std::to_string(n) + ".");
  return cpu::pool().resize(n);
}

}  // namespace ingot

namespace ingot::cpu {

void parallel_for(int64_t n, int64_t cost, const std::function<void(int64_t, int64_t)>& body) {
  if (n <= 0) return;
  constexpr int64_t kMinWork = 1 << 16;
  const int threads = in_parallel ? 1 : num_threads();
  const int64_t work = n * std::max<int64_t>(cost, 1);
  if (threads == 1 || n == 1 || work < kMinWork) return body(0, n);
  // A few chunks per thread balance uneven rows without much hand-off.
  const int64_t chunks = std::min<int64_t>(n, std::max<int64_t>(1, std::min<int64_t>(threads * 4, work / kMinWork)));
  const int64_t per = (n + chunks - 1) / chunks;
  pool().run((n + per - 1) / per, [&](int64_t c) { body(c * per, std::min(n, (c + 1) * per)); });
}

}  // namespace ingot::cpu
