#include "io/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "cpu/copy.h"

namespace ingot::io {

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, const char* op, bool copy) {
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
  if (f->size_ > 0 && copy) {
    constexpr size_t kPage = 4096;  // aligned as a mapping would be
    void* p = std::aligned_alloc(kPage, (f->size_ + kPage - 1) / kPage * kPage);
    if (!p) {
      ::close(fd);
      bad("cannot allocate " + std::to_string(f->size_) + " bytes to copy the file into memory.");
    }
    f->data_ = static_cast<const uint8_t*>(p);
    f->copied_ = true;
    for (uint64_t done = 0; done < f->size_;) {
      const ssize_t r = ::pread(fd, static_cast<uint8_t*>(p) + done, f->size_ - done, static_cast<off_t>(done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        const int err = r < 0 ? errno : 0;
        ::close(fd);
        bad(err ? std::string("cannot read: ") + std::strerror(err) + "." : "the file shrank while it was read.");
      }
      done += static_cast<uint64_t>(r);
    }
  } else if (f->size_ > 0) {
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
  if (copied_) std::free(const_cast<uint8_t*>(data_));
  else if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

namespace {

// A random hidden name for a temporary of `base` (".<base>.XXXXXX"), as mkstemp makes them.
std::string temporary_name(const std::string& base) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string name = ".";
  name += base;
  name += '.';
  for (int i = 0; i < 6; ++i) name += kChars[rng() % (sizeof(kChars) - 1)];
  return name;
}

// Removes the temporaries of `base` in `dir` that no live writer holds: a killed writer's lock went with it.
void remove_stale_temporaries(const std::filesystem::path& dir, const std::string& base) {
  const std::string prefix = "." + base + ".";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    struct stat held{}, named{};
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &held) == 0 && S_ISREG(held.st_mode) &&
        ::lstat(e.path().c_str(), &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev)
      ::unlink(e.path().c_str());
    ::close(fd);
  }
}

}  // namespace

AtomicWriter::AtomicWriter(std::string path, const char* op) : path_(std::move(path)), op_(op) {
  const auto p = std::filesystem::path(path_);
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw std::runtime_error("[" + op_ + "] " + path_ + " is a directory; give a file path.");
  if (p.filename().empty()) throw std::runtime_error("[" + op_ + "] " + path_ + " names no file.");
  dir_ = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  remove_stale_temporaries(dir_, p.filename().string());
  fd_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);  // the umask applies
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {  // no unnamed files here
    tmp_ = (std::filesystem::path(dir_) / temporary_name(p.filename().string())).string();
    fd_ = ::mkstemp(tmp_.data());
    if (fd_ >= 0) {
      const mode_t mask = ::umask(0);  // mkstemp makes 0600; give the file the usual permissions
      ::umask(mask);
      ::fchmod(fd_, 0666 & ~mask);
    }
  }
  if (fd_ < 0) fail_errno("cannot create a temporary file beside");
  ::flock(fd_, LOCK_EX);  // new and unshared: never blocks
}

AtomicWriter::~AtomicWriter() {
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

void AtomicWriter::write(const void* data, size_t n) { write_at(end_, data, n); }

void AtomicWriter::write_at(uint64_t offset, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write");
    }
    p += w, n -= static_cast<size_t>(w), offset += static_cast<uint64_t>(w);
  }
  end_ = std::max(end_, offset);
}

void AtomicWriter::write_array(const array& a) {
  cpu::for_each_row_major_chunk(a, 1 << 20, [&](const void* p, size_t n) { write(p, n); });
}

void AtomicWriter::commit(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail_errno("cannot size");
  if (::fsync(fd_) != 0) fail_errno("cannot flush");
  if (tmp_.empty()) {  // an unnamed file: give it a hidden name, which the rename then moves onto the path
    const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
    const std::string base = std::filesystem::path(path_).filename().string();
    for (int tries = 0; tmp_.empty(); ++tries) {
      std::string name = (std::filesystem::path(dir_) / temporary_name(base)).string();
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) tmp_ = std::move(name);
      else if (errno != EEXIST || tries > 100) fail_errno("cannot link the temporary file beside");
    }
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail_errno("cannot rename the temporary file onto");
  committed_ = true;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail_errno("cannot close");
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // the rename itself survives a crash
  if (dfd >= 0) ::fsync(dfd), ::close(dfd);
}

void AtomicWriter::fail_errno(const char* what) {
  throw std::runtime_error("[" + op_ + "] " + what + " " + path_ + ": " + std::strerror(errno) + ".");
}

}  // namespace ingot::io
