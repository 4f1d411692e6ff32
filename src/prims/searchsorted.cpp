// SearchSorted: binary search of values in a sorted 1-D array (numpy's searchsorted, MLX's uint32).
#include <cstdint>
#include <limits>
#include <string>

#include "core/utils.h"
#include "cpu/sort.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

// Inputs (sorted, values) of one dtype: the op builder promotes them.
class SearchSorted : public PrimitiveBase<SearchSorted> {
 public:
  static constexpr const char* kName = "SearchSorted";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;
  explicit SearchSorted(bool right) : right_(right) {}
  auto state() const { return std::tuple(right_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check(in[0].shape());
    return {in[1].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {uint32}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override { cpu::searchsorted(in[0], in[1], out[0], right_); }
  // Index-valued: no derivative.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

  static void check(const Shape& sorted) {
    if (sorted.size() != 1)
      fail("searchsorted", "the sorted sequence must be 1-D, got an array of shape ", shape_str(sorted), ".");
    // results lie in [0, n]
    if (sorted[0] > static_cast<int64_t>(std::numeric_limits<uint32_t>::max()))
      fail("searchsorted", "the sorted sequence has ", sorted[0], " elements, too many for uint32 indices.");
  }

 private:
  bool right_;
};
INGOT_REGISTER_PRIMITIVE(SearchSorted)

array searchsorted(const array& sorted, const Operand& values, const std::string& side, StreamOrDevice s) {
  to_stream(s, "searchsorted");
  if (side != "left" && side != "right")
    fail("searchsorted", "side must be 'left' or 'right', got '", side, "'.");
  SearchSorted::check(sorted.shape());
  const Dtype t = result_type({sorted, values});
  return make<SearchSorted>({astype(sorted, t), values.to_array(t, "searchsorted")}, side == "right");
}

}  // namespace ingot
