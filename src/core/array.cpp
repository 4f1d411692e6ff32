#include "ingot/array.h"

#include <cmath>
#include <sstream>

#include "core/allocator.h"
#include "core/graph.h"
#include "cpu/copy.h"
#include "prims/primitive.h"

namespace ingot {

Strides row_major_strides(const Shape& shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    s[i] = acc;
    // A product that overflows (a shape no array has: shape_size refuses it) gives strides of 0 from
    // there on, not undefined behaviour.
    if (__builtin_mul_overflow(acc, shape[i], &acc)) acc = 0;
  }
  return s;
}

int64_t shape_size(const Shape& shape, const char* op) {
  // The nonzero dimensions' product must fit too (numpy's rule): then no product of some of the
  // dimensions (a stride, a flattened size) overflows, even where a zero dimension empties the array.
  int64_t nonzero = 1;
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) throw std::invalid_argument(std::string("[") + op + "] negative dimension in shape " + shape_str(shape) + ".");
    if (d != 0 && nonzero > INT64_MAX / d)
      throw std::invalid_argument(std::string("[") + op + "] shape " + shape_str(shape) + " has too many elements.");
    if (d == 0) empty = true;
    else nonzero *= d;
  }
  return empty ? 0 : nonzero;
}

ArrayDesc::ArrayDesc(Shape s, Dtype t) : shape(std::move(s)), dtype(t) {
  size = shape_size(shape);
  strides = row_major_strides(shape);
}

// Destroying a deep unevaluated graph would recurse once per node through shared_ptr destructors.
// Instead the inputs are moved out and released here from two explicit stacks: a handle is dropped
// only when it is not the last one, and a node is opened only by its last owner, so siblings of a
// multi-output node, repeated inputs and shared subgraphs all end without recursion. Under the graph
// lock, so no eval can take a new reference to an array (through a node's outputs) while we look.
Node::~Node() {
  if (inputs.empty()) return;
  std::lock_guard<std::recursive_mutex> lock(graph_mutex());
  std::vector<array> handles = std::move(inputs);
  std::vector<std::shared_ptr<Node>> nodes;
  while (!handles.empty() || !nodes.empty()) {
    if (!nodes.empty()) {
      std::shared_ptr<Node> n = std::move(nodes.back());
      nodes.pop_back();
      if (n.use_count() == 1) {
        handles.insert(handles.end(), std::make_move_iterator(n->inputs.begin()),
                       std::make_move_iterator(n->inputs.end()));
        n->inputs.clear();
      }
      continue;  // n, if ours alone, dies here with no inputs left
    }
    array a = std::move(handles.back());
    handles.pop_back();
    const auto& d = a.desc_ptr();
    if (d && d.use_count() == 1 && d->node) nodes.push_back(std::move(d->node));
  }
}

std::recursive_mutex& graph_mutex() {
  static std::recursive_mutex m;
  return m;
}

array::array(const void* src, Dtype src_dtype, Shape shape, Dtype dtype) {
  desc_ = std::make_shared<ArrayDesc>(std::move(shape), dtype);
  alloc();
  cpu::convert(src, src_dtype, desc_->data, dtype, desc_->size);
}

size_t array::check_count(size_t n, const Shape& shape) {
  int64_t want = shape_size(shape);
  if (static_cast<int64_t>(n) != want)
    throw std::invalid_argument("[array] " + std::to_string(n) + " values cannot fill shape " + shape_str(shape) +
                                " (" + std::to_string(want) + " elements).");
  return n;
}

const bool* array::vector_data(const std::vector<bool>& v) {
  thread_local std::unique_ptr<bool[]> tmp;
  tmp.reset(new bool[v.size() + 1]);
  for (size_t i = 0; i < v.size(); ++i) tmp[i] = v[i];
  return tmp.get();
}

array array::from_buffer(std::shared_ptr<void> owner, void* data, Shape shape, Dtype dtype) {
  array a(std::make_shared<ArrayDesc>(std::move(shape), dtype));
  a.set_data(std::move(owner), data, a.size(), a.strides(), Flags{});
  return a;
}

Arrays array::make_outputs(std::shared_ptr<Primitive> p, Arrays inputs, std::vector<Shape> shapes,
                           std::vector<Dtype> dtypes) {
  if (shapes.size() != dtypes.size() || shapes.empty())
    throw std::logic_error(std::string("[") + p->name() + "] output shapes and dtypes disagree.");
  for (auto& in : inputs) in.desc();  // rejects empty handles
  auto node = std::make_shared<Node>();
  node->primitive = std::move(p);
  node->inputs = std::move(inputs);
  Arrays outs;
  outs.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    auto d = std::make_shared<ArrayDesc>(shapes[i], dtypes[i]);
    d->kind = ArrayKind::computed;
    d->output_index = static_cast<int>(i);
    d->node = node;
    node->outputs.push_back(d);
    outs.emplace_back(std::move(d));
  }
  node->output_shapes = std::move(shapes);
  node->output_dtypes = std::move(dtypes);
  return outs;
}

array array::placeholder(Shape shape, Dtype dtype) {
  auto d = std::make_shared<ArrayDesc>(std::move(shape), dtype);
  d->kind = ArrayKind::placeholder;
  return array(std::move(d));
}

int64_t array::shape(int dim) const {
  int n = ndim();
  if (dim < -n || dim >= n)
    throw std::invalid_argument("[shape] dimension " + std::to_string(dim) + " is out of range for an array with " +
                                std::to_string(n) + " dimensions.");
  return desc().shape[dim < 0 ? dim + n : dim];
}

Primitive& array::primitive() const {
  if (!desc().node) throw std::invalid_argument("[primitive] the array has no primitive (it is evaluated or a leaf).");
  return *desc().node->primitive;
}

const Arrays& array::inputs() const {
  static const Arrays kNone;
  return desc().node ? desc().node->inputs : kNone;
}

void array::check_access(Dtype t) const {
  auto& d = desc();
  if (t != d.dtype)
    throw std::invalid_argument(std::string("[data] requested element type ") + dtype_name(t) +
                                " from an array of dtype " + dtype_name(d.dtype) + ".");
  if (!d.evaluated) throw std::invalid_argument("[data] the array is not evaluated; call eval() first.");
}

void array::set_data(std::shared_ptr<void> buffer, void* data, int64_t data_size, Strides strides, Flags flags) {
  auto& d = desc();
  d.buffer = std::move(buffer);
  d.data = data;
  d.data_size = data_size;
  d.strides = std::move(strides);
  d.flags = flags;
  d.evaluated = true;
}

void array::set_data(std::shared_ptr<void> buffer) {
  void* p = buffer.get();
  set_data(std::move(buffer), p, size(), row_major_strides(shape()), Flags{});
}

void array::alloc() { set_data(allocate(nbytes())); }

void array::copy_shared_buffer(const array& src, Strides strides, Flags flags, int64_t data_size,
                               int64_t offset_elements) {
  auto* base = static_cast<char*>(src.desc().data) + offset_elements * static_cast<int64_t>(src.itemsize());
  set_data(src.desc().buffer, base, data_size, std::move(strides), flags);
}

void array::detach() {
  auto& d = desc();
  d.node.reset();
}

namespace {
template <typename T>
double as_double(const void* p) {
  return static_cast<double>(*static_cast<const T*>(p));
}
}  // namespace

double element_as_double(const void* p, Dtype t) {
  return dispatch_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
      return static_cast<double>(static_cast<float>(*static_cast<const T*>(p)));
    else return as_double<T>(p);
  });
}

int64_t element_as_int64(const void* p, Dtype t) {
  if (t == int64) return *static_cast<const int64_t*>(p);
  if (t == uint64) return static_cast<int64_t>(*static_cast<const uint64_t*>(p));
  return cpu::cast_value<int64_t>(element_as_double(p, t));  // NaN or huge floats: defined, not UB
}

uint64_t element_as_uint64(const void* p, Dtype t) {
  if (t == uint64) return *static_cast<const uint64_t*>(p);
  if (t == int64) return static_cast<uint64_t>(*static_cast<const int64_t*>(p));
  return cpu::cast_value<uint64_t>(element_as_double(p, t));
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < s.size(); ++i) os << s[i] << (i + 1 < s.size() || s.size() == 1 ? "," : "");
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << shape_str(s); }

namespace {
void print_element(std::ostream& os, const char* p, Dtype t) {
  if (t == bool_) os << (*p ? "true" : "false");
  else if (t == uint64) os << *reinterpret_cast<const uint64_t*>(p);
  else if (is_integral(t)) os << element_as_int64(p, t);
  else if (t == complex64) {  // numpy's spelling: 1+2j
    const auto* c = reinterpret_cast<const complex64_t*>(p);
    os << c->real() << (std::signbit(c->imag()) ? "" : "+") << c->imag() << 'j';
  } else os << element_as_double(p, t);
}

void print_rec(std::ostream& os, const array& a, const char* p, int dim) {
  if (dim == a.ndim()) return print_element(os, p, a.dtype());
  os << '[';
  const int64_t n = a.shape()[dim];
  const int64_t step = a.strides()[dim] * static_cast<int64_t>(a.itemsize());
  for (int64_t i = 0; i < n; ++i) {
    if (n > 12 && i == 6) {
      os << "..., ";
      i = n - 6;
    }
    print_rec(os, a, p + i * step, dim + 1);
    if (i + 1 < n) os << (dim + 1 < a.ndim() ? ",\n" + std::string(dim + 7, ' ') : ", ");
  }
  os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const array& a) {
  array x = a;
  x.eval();
  os << "array(";
  print_rec(os, x, static_cast<const char*>(x.raw_data()), 0);
  return os << ", dtype=" << x.dtype() << ')';
}

}  // namespace ingot
