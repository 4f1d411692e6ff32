#include <ostream>
#include <sstream>

#include "prims/primitive.h"

namespace ingot {

#define INGOT_X(P) void register_primitive_##P(Registry&);
#include "prims/registry.inc"
#undef INGOT_X

void Primitive::print(std::ostream& os) const { os << name(); }

double detail::elements(const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  return n;
}

double Primitive::cost(const Arrays& in, const std::vector<Shape>& out) const {
  double n = 0;
  for (const auto& a : in) n += detail::elements(a.shape());
  for (const auto& s : out) n += detail::elements(s);
  return n;
}

void detail::bad_inputs(const Primitive& p, const std::string& why) {
  throw std::invalid_argument(std::string("[") + p.name() + "] " + why + ".");
}

void Registry::add_entry(std::string name, int version, PrimitiveFactory f) {
  if (entries_.count(name)) throw std::logic_error("[registry] primitive " + name + " registered twice.");
  auto key = name;
  entries_.emplace(std::move(key), RegistryEntry{std::move(name), version, std::move(f)});
}

const Registry& primitive_registry() {
  static const Registry registry = [] {
    Registry r;
#define INGOT_X(P) register_primitive_##P(r);
#include "prims/registry.inc"
#undef INGOT_X
    return r;
  }();
  return registry;
}

}  // namespace ingot
