// Files for the loaders and savers: a read-only whole-file mapping, an atomic writer, and the lazy
// Load array over a mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ingot/array.h"

namespace ingot::io {

// The whole file mapped read-only. Mapping reads nothing: pages come in when first touched. With
// `copy`, the file is read into page-aligned memory instead, so that nothing refers to it afterwards
// (a file changed or truncated later cannot fault its readers).
class MappedFile {
 public:
  // Throws std::runtime_error "[op] path: why" when the file cannot be opened, mapped or read.
  static std::shared_ptr<const MappedFile> open(const std::string& path, const char* op, bool copy = false);
  ~MappedFile();
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  bool copied_ = false;
};

// How a tensor stored in another layout than the array's own (GGUF's quantized blocks) becomes its
// elements: each block of `block_bytes` in the file gives `block_elements` elements of the array.
struct BlockDecoder {
  const char* name;  // tells apart decodings of the same bytes
  uint64_t block_bytes;
  int64_t block_elements;
  // Decodes `n` consecutive blocks into n * block_elements elements at `out`; any bytes are valid.
  void (*decode)(const uint8_t* blocks, void* out, int64_t n);
};

// An array of `shape` and `dtype` whose row-major little-endian bytes lie at `offset` in `file`; the
// caller has checked that they fit. Evaluating it aliases the mapping when the bytes are aligned for
// the dtype and copies them otherwise (bool is always copied, to normalize hostile bytes to 0/1).
// With a decoder, the bytes are size / block_elements blocks (the caller has checked that this divides
// and fits), decoded on evaluation.
array load_array(std::shared_ptr<const MappedFile> file, uint64_t offset, Dtype dtype, Shape shape,
                 const BlockDecoder* decoder = nullptr);

// Writes a file so that readers see the old file or the whole new one, never a part, and a process killed
// while writing leaves nothing behind: the bytes go to an unnamed temporary file (O_TMPFILE) in the
// destination's folder, linked under a hidden name and renamed onto `path` by commit(). Where the file
// system has no unnamed files, a named temporary (".<name>.XXXXXX") is used instead; each writer holds a
// lock on its temporary, and a writer to the same destination removes temporaries nobody holds (left by
// killed processes). A directory at `path` is refused before anything is written.
class AtomicWriter {
 public:
  AtomicWriter(std::string path, const char* op);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  void write(const void* data, size_t n);  // after the bytes written so far
  void write_at(uint64_t offset, const void* data, size_t n);
  // The array's logical bytes in row-major order (it must be evaluated).
  void write_array(const array& a);
  // Sets the file's size (bytes never written read as zeros), flushes it and puts it in place.
  void commit(uint64_t size);
  void commit() { commit(end_); }

 private:
  [[noreturn]] void fail_errno(const char* what);
  std::string path_, dir_, tmp_, op_;  // tmp_: the temporary's name, once it has one
  int fd_ = -1;
  bool committed_ = false;
  uint64_t end_ = 0;  // the end of the bytes written so far
};

}  // namespace ingot::io
