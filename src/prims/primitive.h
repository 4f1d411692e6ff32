// The Primitive interface and the CRTP base that derives equality, serialization and printing
// from a primitive's state(). See STYLE.md, "The primitive contract".
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "ingot/array.h"
#include "prims/state.h"

namespace ingot {

class Primitive {
 public:
  virtual ~Primitive() = default;
  virtual const char* name() const = 0;  // stable: written to files
  virtual int version() const = 0;       // of the state layout
  virtual std::vector<Shape> output_shapes(const Arrays& in) const = 0;
  virtual std::vector<Dtype> output_dtypes(const Arrays& in) const { return {in.at(0).dtype()}; }
  virtual void eval_cpu(const Arrays& in, Arrays& out) const = 0;
  virtual bool is_equivalent(const Primitive& other) const = 0;
  virtual void write_state(StateWriter& w) const = 0;
  virtual void print(std::ostream& os) const;  // name and state, for dot graphs and errors

  // How the node follows shapes when a shapeless trace replays at other input shapes, given which of
  // its inputs depend on the function's inputs: "" when output_shapes and the kernel derive every
  // size from the inputs at call time; otherwise what the node baked in at trace time ("the shape
  // (6,)"), and shapeless export refuses it. PrimitiveBase asks the class: kFollowsShapes = true, or
  // a bakes(in, dynamic) method; a class stating neither does not compile.
  virtual std::string shapeless_bakes(const Arrays& in, const std::vector<bool>& dynamic) const = 0;

  // The import-time guard against hostile files: throws unless eval_cpu can run on inputs like these
  // (count and dtypes). output_shapes must likewise throw for state that does not fit the inputs.
  // PrimitiveBase's default: exactly Derived::kArity inputs when the class declares it (else at least
  // one), all of one dtype unless the class declares kMixedDtypes = true.
  virtual void check_inputs(const Arrays& in) const = 0;

  // Function transforms (src/transforms/). Rules are built from ops, so they are differentiable in turn.
  // vjp: given one cotangent per output (zeros where an output has none), the cotangents of the inputs
  // at `argnums` (inputs of any dtype but bool; an empty handle is none). Default: refuses, naming the
  // primitive.
  virtual Arrays vjp(const Arrays& primals, const Arrays& cotangents, const std::vector<int>& argnums,
                     const Arrays& outputs) const;
  // jvp: given the tangents of the inputs at `argnums`, one tangent per output. Default: J·t derived
  // from vjp (a vjp is linear in its cotangent, and the vjp of that linear map is the jvp).
  virtual Arrays jvp(const Arrays& primals, const Arrays& tangents, const std::vector<int>& argnums,
                     const Arrays& outputs) const;
  // vmap: given inputs and the axis each is batched along (-1: not batched), the batched outputs and
  // their batch axes. Default: none, and vmap runs the node once per batch entry and stacks the results.
  virtual std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const;
  // Where an output is one of the inputs passed through (tracers, checkpoints): that input's index,
  // and export writes the input in its place; -1 otherwise.
  virtual int forwards_input(int /*output*/) const { return -1; }
  // Whether evaluating the node exchanges messages with other processes (the distributed collectives):
  // such a node is never merged with an equal one nor computed once as a constant, since every
  // evaluation is a message the other processes wait for.
  virtual bool communicates() const { return false; }
  // An estimate of the scalar operations eval_cpu performs on inputs like `in` giving outputs of shapes
  // `out`, for the import budgets (ImportOptions::max_call_flops). Default: one per element read and
  // written; kernels that do more per element (products, windows, factorizations) say how much.
  virtual double cost(const Arrays& in, const std::vector<Shape>& out) const;
};

namespace detail {
// Elements of a shape as a double (no overflow on hostile shapes).
double elements(const Shape& s);
}

namespace detail {
[[noreturn]] void bad_inputs(const Primitive& p, const std::string& why);
}

namespace detail {
template <typename T>
void print_field(std::ostream& os, const T& v) {
  if constexpr (requires { os << v; }) os << v;
  else {
    os << '[';
    for (size_t i = 0; i < v.size(); ++i) print_field(os, v[i]), os << (i + 1 < v.size() ? "," : "");
    os << ']';
  }
}
}  // namespace detail

// Derived supplies kName, kVersion, state() (a tuple equal to its constructor's arguments),
// output_shapes and eval_cpu.
template <class Derived>
class PrimitiveBase : public Primitive {
 public:
  const char* name() const override { return Derived::kName; }
  int version() const override { return Derived::kVersion; }
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Derived*>(&other);
    return o && std::string_view(name()) == other.name() && self().state() == o->state();
  }
  void write_state(StateWriter& w) const override { w.write_all(self().state()); }
  std::string shapeless_bakes(const Arrays& in, const std::vector<bool>& dynamic) const override {
    if constexpr (requires { self().bakes(in, dynamic); }) {
      return self().bakes(in, dynamic);
    } else {
      static_assert(Derived::kFollowsShapes, "say how the primitive follows shapes (kFollowsShapes or bakes)");
      return {};
    }
  }
  void check_inputs(const Arrays& in) const override {
    if constexpr (requires { Derived::kArity; }) {
      if (in.size() != static_cast<size_t>(Derived::kArity))
        detail::bad_inputs(*this, "expects " + std::to_string(Derived::kArity) + " inputs, got " + std::to_string(in.size()));
    } else if (in.empty()) {
      detail::bad_inputs(*this, "expects inputs, got none");
    }
    if constexpr (!requires { Derived::kMixedDtypes; }) {
      for (const auto& a : in)
        if (a.dtype() != in[0].dtype()) detail::bad_inputs(*this, "expects inputs of one dtype");
    }
  }
  void print(std::ostream& os) const override {
    os << name();
    auto st = self().state();
    if constexpr (std::tuple_size_v<decltype(st)> > 0) {
      os << '(';
      bool first = true;
      std::apply([&](const auto&... f) { ((os << (first ? "" : ", "), detail::print_field(os, f), first = false), ...); }, st);
      os << ')';
    }
  }
  // Rebuilds from serialized state: the inverse of write_state. State written by an older version of
  // the class goes through the class's upgrade(reader, version), which every version bump provides.
  template <typename... Extra>
  static std::shared_ptr<Primitive> from_state(StateReader& r, Extra&&... extra) {
    if constexpr (Derived::kVersion > 1) {
      if (r.version() != 0 && r.version() < Derived::kVersion) return Derived::upgrade(r, r.version());
    }
    using Tuple = decltype(std::declval<const Derived&>().state());
    std::remove_cvref_t<Tuple> t;
    r.read_all(t);
    r.finish();
    return std::apply([&](auto&&... a) { return std::make_shared<Derived>(extra..., std::move(a)...); }, t);
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// Builds the node for primitive P over inputs and returns its outputs.
template <class P, class... A>
Arrays make_multi(Arrays inputs, A&&... args) {
  auto p = std::make_shared<P>(std::forward<A>(args)...);
  auto shapes = p->output_shapes(inputs);
  auto dtypes = p->output_dtypes(inputs);
  return array::make_outputs(std::move(p), std::move(inputs), std::move(shapes), std::move(dtypes));
}
template <class P, class... A>
array make(Arrays inputs, A&&... args) {
  return make_multi<P>(std::move(inputs), std::forward<A>(args)...)[0];
}

// The registry: primitive name -> how to rebuild it from state.
using PrimitiveFactory = std::function<std::shared_ptr<Primitive>(StateReader&)>;
struct RegistryEntry {
  std::string name;
  int version;
  PrimitiveFactory factory;
};

class Registry {
 public:
  template <class P>
  void add() {
    add_entry(P::kName, P::kVersion, [](StateReader& r) { return P::from_state(r); });
  }
  void add_entry(std::string name, int version, PrimitiveFactory f);
  const std::map<std::string, RegistryEntry>& entries() const { return entries_; }

 private:
  std::map<std::string, RegistryEntry> entries_;
};

const Registry& primitive_registry();

// In the primitive's own file, inside namespace ingot. The build checks that the classes named by
// these macros and the lines of src/prims/registry.inc are the same set (cmake/check_registry.cmake);
// a listed class without the macro also fails to link.
#define INGOT_REGISTER_PRIMITIVE(P) \
  void register_primitive_##P(Registry& r) { r.add<P>(); }

// For a family of primitives sharing one class (a table of rows): the body registers each row.
#define INGOT_REGISTER_FAMILY(P) void register_primitive_##P(Registry& r)

}  // namespace ingot
