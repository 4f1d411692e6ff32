// libFuzzer target: import_function on arbitrary bytes, then call every trace on small inputs of its
// signature, evaluate, draw it and run its self-test (fuzz_run.h). A std::exception is a clean refusal;
// anything else (a sanitizer report, a signal, another exception type, a hang, a huge allocation) is a
// finding. The structure-aware mutator that feeds it is in mutator.cpp.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "export/format.h"
#include "fuzz_run.h"

namespace {

// The input as a file: one memory file, rewritten for each input, opened by its /proc path.
const std::string& memory_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("ingot_fuzz", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The self-test for one input in 8 (chosen by its bytes, so that a run repeats): it costs most.
  const bool self_test = ingot::format::crc32(data, std::min<size_t>(size, 4096)) % 8 == 0;
  ingot::fuzz::run_file(memory_file(data, size), self_test);
  return 0;
}
