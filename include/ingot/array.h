// The lazy array: a handle to shape, dtype and either data or the node that computes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ingot/dtype.h"

namespace ingot {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;  // in elements, may be zero (broadcast) or negative (reversed slice)

class array;
class Primitive;
using Arrays = std::vector<array>;

// Data layout facts kernels use to pick fast paths.
struct Flags {
  bool row_contiguous = true;  // dense row-major
  bool col_contiguous = true;  // dense column-major
  bool contiguous = true;      // non-negative strides whose elements fill data_size consecutive slots
};

// One application of a primitive: its inputs and (weakly) the arrays it produces.
struct Node {
  std::shared_ptr<Primitive> primitive;
  std::vector<array> inputs;
  std::vector<std::weak_ptr<struct ArrayDesc>> outputs;
  std::vector<Shape> output_shapes;
  std::vector<Dtype> output_dtypes;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();  // releases the graph above it without recursion, whatever its shape
};

enum class ArrayKind : uint8_t {
  computed,     // has a node until evaluated
  constant,     // built from data (or already evaluated)
  placeholder,  // a traced input: has no data and cannot be evaluated
};

struct ArrayDesc {
  Shape shape;
  Strides strides;
  int64_t size = 1;
  Dtype dtype = float32;
  ArrayKind kind = ArrayKind::constant;
  std::atomic<bool> evaluated = false;  // set when the data is allocated, before kernels write it: read
                                        // data only after eval(), which waits for an evaluation in progress
  int output_index = 0;
  std::shared_ptr<Node> node;     // reset once evaluated, releasing the inputs
  std::shared_ptr<void> buffer;   // owns the bytes (heap block or file mapping)
  void* data = nullptr;           // first element, inside buffer
  int64_t data_size = 0;          // elements reachable from data in the underlying block
  Flags flags;

  ArrayDesc(Shape shape, Dtype dtype);
};

Strides row_major_strides(const Shape& shape);
int64_t shape_size(const Shape& shape, const char* op = "array");

class array {
 public:
  array() = default;  // an empty handle; most uses of it throw

  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T> || std::is_same_v<T, float16_t> ||
                                                    std::is_same_v<T, bfloat16_t> || std::is_same_v<T, complex64_t>>>
  explicit array(T value, Dtype dtype = dtype_of<T>()) : array(&value, storage_dtype_of<T>(), Shape{}, dtype) {}

  template <typename T>
  array(std::initializer_list<T> values, Dtype dtype = dtype_of<T>())
      : array(std::data(values), storage_dtype_of<T>(), Shape{static_cast<int64_t>(values.size())}, dtype) {}

  template <typename T>
  array(const std::vector<T>& values, Shape shape, Dtype dtype = dtype_of<T>())
      : array(check_count(values.size(), shape), storage_dtype_of<T>(), shape, dtype, values) {}  // no move: argument order is unspecified

  // Copies size(shape) elements of type src_dtype from src, converting to dtype.
  array(const void* src, Dtype src_dtype, Shape shape, Dtype dtype);

  // Wraps existing bytes without copying; `owner` keeps them alive.
  static array from_buffer(std::shared_ptr<void> owner, void* data, Shape shape, Dtype dtype);

  // A node output: used by make<P>() and the importer.
  static Arrays make_outputs(std::shared_ptr<Primitive> p, Arrays inputs, std::vector<Shape> shapes,
                             std::vector<Dtype> dtypes);
  static array placeholder(Shape shape, Dtype dtype);

  const Shape& shape() const { return desc().shape; }
  int64_t shape(int dim) const;  // negative dims count from the end
  const Strides& strides() const { return desc().strides; }
  Dtype dtype() const { return desc().dtype; }
  int64_t size() const { return desc().size; }
  int ndim() const { return static_cast<int>(desc().shape.size()); }
  size_t itemsize() const { return size_of(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(size()) * itemsize(); }
  ArrayKind kind() const { return desc().kind; }
  bool valid() const { return desc_ != nullptr; }

  void eval();
  bool is_evaluated() const { return desc().evaluated; }

  // The first element as T (evaluates; the array must have exactly one element).
  template <typename T>
  T item();

  // Raw access: the array must be evaluated and T must be its storage type.
  template <typename T>
  T* data() {
    check_access(storage_dtype_of<T>());
    return static_cast<T*>(desc().data);
  }
  template <typename T>
  const T* data() const {
    check_access(storage_dtype_of<T>());
    return static_cast<const T*>(desc().data);
  }
  void* raw_data() const { return desc().data; }
  const Flags& flags() const { return desc().flags; }
  int64_t data_size() const { return desc().data_size; }

  // Graph access.
  bool has_node() const { return desc().node != nullptr; }
  const std::shared_ptr<Node>& node() const { return desc().node; }
  Primitive& primitive() const;
  const Arrays& inputs() const;
  int output_index() const { return desc().output_index; }
  const void* id() const { return desc_.get(); }  // identity for graph walks, never written to files
  const std::shared_ptr<ArrayDesc>& desc_ptr() const { return desc_; }
  bool is_same(const array& o) const { return desc_ == o.desc_; }

  // Kernels fill outputs with these.
  void set_data(std::shared_ptr<void> buffer, void* data, int64_t data_size, Strides strides, Flags flags);
  void set_data(std::shared_ptr<void> buffer);  // row-major dense, data at the start of buffer
  void alloc();                                  // fresh row-major dense storage for this array
  void copy_shared_buffer(const array& src, Strides strides, Flags flags, int64_t data_size,
                          int64_t offset_elements = 0);
  void detach();  // drop the node (after evaluation)

  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}

 private:
  friend struct ArrayDesc;
  template <typename T>
  array(size_t, Dtype src_dtype, Shape shape, Dtype dtype, const std::vector<T>& values)
      : array(static_cast<const void*>(vector_data(values)), src_dtype, std::move(shape), dtype) {}
  template <typename T>
  static const T* vector_data(const std::vector<T>& v) { return v.data(); }
  static const bool* vector_data(const std::vector<bool>& v);  // packed bits: copied out
  static size_t check_count(size_t n, const Shape& shape);
  void check_access(Dtype t) const;
  ArrayDesc& desc() const {
    if (!desc_) throw std::invalid_argument("[array] operation on an empty array handle.");
    return *desc_;
  }
  std::shared_ptr<ArrayDesc> desc_;
};

// Converts one element to a double / int64 for printing and item().
double element_as_double(const void* p, Dtype t);
int64_t element_as_int64(const void* p, Dtype t);
uint64_t element_as_uint64(const void* p, Dtype t);

template <typename T>
T array::item() {
  if (size() != 1)
    throw std::invalid_argument("[item] the array must have exactly one element, it has " +
                                std::to_string(size()) + ".");
  eval();
  const void* p = desc().data;
  if constexpr (std::is_same_v<T, bool>) return element_as_double(p, dtype()) != 0;
  else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
    return T(static_cast<float>(element_as_double(p, dtype())));
  else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(element_as_uint64(p, dtype()));
  else return static_cast<T>(element_as_int64(p, dtype()));
}
template <>
inline double array::item<double>() {
  if (size() != 1)
    throw std::invalid_argument("[item] the array must have exactly one element, it has " +
                                std::to_string(size()) + ".");
  eval();
  return element_as_double(desc().data, dtype());
}

std::ostream& operator<<(std::ostream& os, const array& a);
std::ostream& operator<<(std::ostream& os, const Shape& s);
std::string shape_str(const Shape& s);

}  // namespace ingot
