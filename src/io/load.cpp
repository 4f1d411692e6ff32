// Load: an array read lazily from a memory-mapped file.
//
// Load is deliberately not in the primitive registry, so it never appears in a function file: a file
// that named another file would make importing read arbitrary paths on the importing machine, and
// would break when the weights move. The exporter instead evaluates every Load it meets and stores
// the values as a constant (src/export/trace.cpp), as DESIGN.md describes.
#include <cstring>

#include "cpu/copy.h"
#include "cpu/parallel.h"
#include "io/file.h"
#include "prims/primitive.h"

namespace ingot {

class Load : public PrimitiveBase<Load> {
 public:
  static constexpr const char* kName = "Load";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 0;
  // The mapping and the decoder come first and are not state (as extra arguments to from_state would);
  // the decoder's name is.
  Load(std::shared_ptr<const io::MappedFile> file, const io::BlockDecoder* decoder, std::string path, int64_t offset,
       Dtype dtype, Shape shape)
      : file_(std::move(file)),
        decoder_(decoder),
        path_(std::move(path)),
        offset_(offset),
        dtype_(dtype),
        shape_(std::move(shape)),
        decoding_(decoder ? decoder->name : "") {}
  auto state() const { return std::tuple(path_, offset_, dtype_, shape_, decoding_); }

  // Equal state is not enough: the same path may name another file by now.
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Load*>(&other);
    return o && o->file_ == file_ && o->state() == state();
  }
  std::vector<Shape> output_shapes(const Arrays&) const override { return {shape_}; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays&, Arrays& out) const override {
    array& o = out[0];
    const uint8_t* p = file_->data() + offset_;
    const size_t n = o.nbytes();
    if (decoder_) {
      o.alloc();
      const auto d = decoder_;
      auto* dst = static_cast<uint8_t*>(o.raw_data());
      const size_t out_block = static_cast<size_t>(d->block_elements) * size_of(dtype_);
      cpu::parallel_for(o.size() / d->block_elements, d->block_elements,
                        [&](int64_t b, int64_t e) { d->decode(p + b * d->block_bytes, dst + b * out_block, e - b); });
      return;
    }
    if (dtype_ == bool_) {  // any nonzero byte is true: a file's bools may hold other bytes than 0 and 1
      o.alloc();
      cpu::convert(p, uint8, o.raw_data(), bool_, o.size());
      return;
    }
    if (n > 0 && reinterpret_cast<uintptr_t>(p) % size_of(dtype_) == 0) {
      // Zero-copy: the array aliases the mapping, which it keeps alive.
      void* data = const_cast<uint8_t*>(p);
      o.set_data(std::shared_ptr<void>(file_, data), data, o.size(), row_major_strides(shape_), Flags{});
      return;
    }
    o.alloc();
    if (n > 0) std::memcpy(o.raw_data(), p, n);
  }

 private:
  std::shared_ptr<const io::MappedFile> file_;
  const io::BlockDecoder* decoder_;
  std::string path_;
  int64_t offset_;
  Dtype dtype_;
  Shape shape_;
  std::string decoding_;
};

namespace io {

array load_array(std::shared_ptr<const MappedFile> file, uint64_t offset, Dtype dtype, Shape shape,
                 const BlockDecoder* decoder) {
  std::string path = file->path();
  return make<Load>({}, std::move(file), decoder, std::move(path), static_cast<int64_t>(offset), dtype,
                    std::move(shape));
}

}  // namespace io

}  // namespace ingot
