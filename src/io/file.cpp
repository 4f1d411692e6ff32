#include "io/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "cpu/copy.h"

namespace ingot::io {

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, const char* op) {
  auto bad = [&](const std::string& why) {
    throw std::runtime_error(std::string("[") + op + "] " + path + ": " + why);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) bad(std::string("cannot open: ") + std::strerror(errno) + ".");
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    bad("not a regular file.");
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      bad(std::string("cannot map: ") + std::strerror(err) + ".");
    }
    f->data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return f;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

AtomicWriter::AtomicWriter(std::string path, const char* op) : path_(std::move(path)), op_(op) {
  auto p = std::filesystem::path(path_);
  auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  std::string name = ".";  // appended piecewise: GCC 12 warns falsely (-Wrestrict) about chained +
  name += p.filename().string();
  name += ".XXXXXX";
  tmp_ = (dir / name).string();
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) fail_errno("cannot create a temporary file beside");
  const mode_t mask = ::umask(0);  // mkstemp makes 0600; give the file the usual permissions
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

AtomicWriter::~AtomicWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicWriter::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write");
    }
    p += w, n -= static_cast<size_t>(w);
  }
}

void AtomicWriter::write_array(const array& a) {
  cpu::for_each_row_major_chunk(a, 1 << 20, [&](const void* p, size_t n) { write(p, n); });
}

void AtomicWriter::commit() {
  if (::fsync(fd_) != 0) fail_errno("cannot flush");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail_errno("cannot close");
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail_errno("cannot rename the temporary file onto");
  committed_ = true;
}

void AtomicWriter::fail_errno(const char* what) {
  throw std::runtime_error("[" + op_ + "] " + what + " " + path_ + ": " + std::strerror(errno) + ".");
}

}  // namespace ingot::io
