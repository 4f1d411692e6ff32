// Tensor products and norms composed from existing ops: outer, inner, tensordot, einsum and
// linalg::norm. Contractions become one matmul each (operands permuted and reshaped to matrices).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>

#include "core/utils.h"
#include "ingot/export.h"
#include "ingot/ops.h"

namespace ingot {

namespace {

// a's axes in the order `perm`, without a node when that is the identity.
array permute(const array& a, const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i)) return transpose(a, perm);
  return a;
}

int64_t product(const Shape& s, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int d : axes) n *= s[d];
  return n;
}

std::string list_str(const std::vector<int>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += std::to_string(v[i]) + (i + 1 < v.size() ? "," : "");
  return s + ")";
}

}  // namespace

namespace {

// The float dtype of a product of a and b; MLX's rule for the masked and gathered products.
Dtype float_product_type(const array& a, const array& b, const char* op) {
  const Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_floating_point(t))
    fail(op, "expects operands that promote to a floating type, got ", a.dtype(), " and ", b.dtype(), ".");
  return t;
}

// 1-D operands as matmul takes them: a row vector on the left, a column on the right; `squeeze` collects
// the output axes to drop again.
std::pair<array, array> as_matrices(const array& a, const array& b, const char* op, std::vector<int>& squeeze) {
  if (a.ndim() == 0 || b.ndim() == 0)
    fail(op, "expects operands with at least 1 dimension, got shapes ", shape_str(a.shape()), " and ",
         shape_str(b.shape()), ".");
  array x = a.ndim() == 1 ? expand_dims(a, 0) : a, y = b.ndim() == 1 ? expand_dims(b, 1) : b;
  if (x.shape(-1) != y.shape(-2))
    fail(op, "the last dimension of shape ", shape_str(a.shape()), " must match the second to last of shape ",
         shape_str(b.shape()), ".");
  if (a.ndim() == 1) squeeze.push_back(-2);
  if (b.ndim() == 1) squeeze.push_back(-1);
  return {x, y};
}

array unsqueezed(const array& out, std::vector<int> axes) { return axes.empty() ? out : squeeze(out, axes); }

// A block mask (..., ceil(r / bs), ceil(c / bs)) applied to x (..., r, c): bool masks zero the blocks
// (whatever they hold), others scale them.
array apply_block_mask(const array& x, const array& mask, int bs, const char* op) {
  const int64_t r = x.shape(-2), c = x.shape(-1), br = (r + bs - 1) / bs, bc = (c + bs - 1) / bs;
  Shape target = mask.shape();
  if (target.size() < 2) target.insert(target.begin(), 2 - target.size(), 1);
  if ((target[target.size() - 2] != br && target[target.size() - 2] != 1) || (target.back() != bc && target.back() != 1))
    fail(op, "a mask for blocks of ", bs, " over a (", r, ", ", c, ") matrix must end in (", br, ", ", bc,
         "), got shape ", shape_str(mask.shape()), ".");
  target[target.size() - 2] = br, target.back() = bc;
  array m = repeat(repeat(broadcast_to(mask, target), bs, -2), bs, -1);
  m = slice(m, Shape{0, 0}, std::vector<int>{-2, -1}, Shape{r, c});
  return m.dtype() == bool_ ? where(m, x, 0.0) : multiply(x, astype(m, x.dtype()));
}

}  // namespace

array gather_mm(const array& a, const array& b, const std::optional<array>& lhs_indices,
                const std::optional<array>& rhs_indices, bool, StreamOrDevice s) {
  to_stream(s, "gather_mm");
  if (!lhs_indices && !rhs_indices) return matmul(a, b);
  std::vector<int> drop;
  auto [x, y] = as_matrices(a, b, "gather_mm", drop);
  const Dtype t = float_product_type(a, b, "gather_mm");
  // The picked matrices; a side without indices keeps its batch, which broadcasts as its default
  // indices (its own positions) would.
  auto pick = [](const array& m, const std::optional<array>& idx) {
    if (!idx) return m;
    if (idx->dtype() == bool_ || is_floating_point(idx->dtype()))
      fail("gather_mm", "indices must be integers, got ", idx->dtype(), ".");
    return take(m.ndim() == 2 ? expand_dims(m, 0) : flatten(m, 0, m.ndim() - 3), *idx, 0);
  };
  return unsqueezed(matmul(pick(astype(x, t), lhs_indices), pick(astype(y, t), rhs_indices)), drop);
}

array block_masked_mm(const array& a, const array& b, int block_size, const std::optional<array>& mask_out,
                      const std::optional<array>& mask_lhs, const std::optional<array>& mask_rhs, StreamOrDevice s) {
  to_stream(s, "block_masked_mm");
  if (!mask_out && !mask_lhs && !mask_rhs) return matmul(a, b);
  if (block_size != 32 && block_size != 64)
    fail("block_masked_mm", "block_size must be 32 or 64, got ", block_size, ".");
  std::vector<int> drop;
  auto [x, y] = as_matrices(a, b, "block_masked_mm", drop);
  const Dtype t = float_product_type(a, b, "block_masked_mm");
  x = astype(x, t), y = astype(y, t);
  // 1-D operands' masks gain the axis their operand gained.
  auto lifted = [&](const array& m, bool row, bool col) {
    array r = m;
    if (row) r = expand_dims(r, -2);
    if (col) r = expand_dims(r, -1);
    return r;
  };
  if (mask_lhs) x = apply_block_mask(x, lifted(*mask_lhs, a.ndim() == 1, false), block_size, "block_masked_mm");
  if (mask_rhs) y = apply_block_mask(y, lifted(*mask_rhs, false, b.ndim() == 1), block_size, "block_masked_mm");
  array out = matmul(x, y);
  if (mask_out) out = apply_block_mask(out, lifted(*mask_out, a.ndim() == 1, b.ndim() == 1), block_size, "block_masked_mm");
  return unsqueezed(out, drop);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  to_stream(s, "outer");
  return multiply(reshape(a, {-1, 1}), flatten(b));
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  to_stream(s, "inner");
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b);
  if (a.shape().back() != b.shape().back())
    fail("inner", "the last dimensions of shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
         " must match.");
  return tensordot(a, b, {-1}, {-1});
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  to_stream(s, "tensordot");
  if (axes < 0) fail("tensordot", "axes must be non-negative, got ", axes, ".");
  if (axes > a.ndim() || axes > b.ndim())
    fail("tensordot", "cannot contract ", axes, " axes of arrays of shapes ", shape_str(a.shape()), " and ",
         shape_str(b.shape()), ".");
  std::vector<int> axa(axes), axb(axes);
  std::iota(axa.begin(), axa.end(), a.ndim() - axes);
  std::iota(axb.begin(), axb.end(), 0);
  return tensordot(a, b, axa, axb);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s) {
  to_stream(s, "tensordot");
  if (axes_a.size() != axes_b.size())
    fail("tensordot", "the axes lists ", list_str(axes_a), " and ", list_str(axes_b), " must have the same length.");
  std::vector<int> axa, axb;
  std::vector<bool> in_a(a.ndim(), false), in_b(b.ndim(), false);
  for (size_t i = 0; i < axes_a.size(); ++i) {
    const int x = normalize_axis(axes_a[i], a.ndim(), "tensordot");
    const int y = normalize_axis(axes_b[i], b.ndim(), "tensordot");
    if (in_a[x] || in_b[y])
      fail("tensordot", "repeated axis in ", list_str(axes_a), " or ", list_str(axes_b), ".");
    if (a.shape()[x] != b.shape()[y])
      fail("tensordot", "axis ", axes_a[i], " of shape ", shape_str(a.shape()), " (size ", a.shape()[x],
           ") does not match axis ", axes_b[i], " of shape ", shape_str(b.shape()), " (size ", b.shape()[y], ").");
    in_a[x] = in_b[y] = true;
    axa.push_back(x), axb.push_back(y);
  }
  std::vector<int> free_a, free_b;
  Shape out_shape;
  for (int d = 0; d < a.ndim(); ++d)
    if (!in_a[d]) free_a.push_back(d), out_shape.push_back(a.shape()[d]);
  for (int d = 0; d < b.ndim(); ++d)
    if (!in_b[d]) free_b.push_back(d), out_shape.push_back(b.shape()[d]);
  std::vector<int> pa = free_a, pb = axb;
  pa.insert(pa.end(), axa.begin(), axa.end());
  pb.insert(pb.end(), free_b.begin(), free_b.end());
  const int64_t M = product(a.shape(), free_a), K = product(a.shape(), axa), N = product(b.shape(), free_b);
  const array x = reshape(permute(a, pa), {M, K});
  const array y = reshape(permute(b, pb), {K, N});
  return reshape(matmul(x, y), out_shape);
}

// ---- einsum ----

namespace {

// A label is a letter's character code; the dimensions under "..." get kEllipsis + their distance
// from the right end of the ellipsis, so that they line up (and broadcast) across operands.
constexpr int kEllipsis = 256;

std::string label_str(int l) {
  if (l < kEllipsis) return std::string("'") + static_cast<char>(l) + "'";
  return "'...' dimension " + std::to_string(l - kEllipsis) + " from the right";
}

struct Subscript {
  std::vector<int> letters_before, letters_after;  // around the ellipsis (all in `before` without one)
  bool ellipsis = false;
};

Subscript parse_subscript(const std::string& s, const std::string& where) {
  Subscript sub;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (s.compare(i, 3, "...") != 0)
        fail("einsum", "a '.' in ", where, " \"", s, "\" must be part of an ellipsis '...'.");
      if (sub.ellipsis) fail("einsum", where, " \"", s, "\" has more than one ellipsis.");
      sub.ellipsis = true;
      i += 2;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {  // ASCII whatever the locale
      (sub.ellipsis ? sub.letters_after : sub.letters_before).push_back(c);
    } else {
      fail("einsum", "invalid character '", c, "' in ", where, " \"", s, "\": subscripts are letters and '...'.");
    }
  }
  return sub;
}

// The labels of one dimension each, given the operand's rank.
std::vector<int> expand(const Subscript& sub, int ndim, const std::string& text, int index) {
  const int letters = static_cast<int>(sub.letters_before.size() + sub.letters_after.size());
  if (sub.ellipsis ? letters > ndim : letters != ndim)
    fail("einsum", "operand ", index, " has ", ndim, " dimensions but its subscripts \"", text, "\" name ", letters,
         ".");
  std::vector<int> labels = sub.letters_before;
  const int e = ndim - letters;
  for (int j = 0; j < e; ++j) labels.push_back(kEllipsis + (e - 1 - j));
  labels.insert(labels.end(), sub.letters_after.begin(), sub.letters_after.end());
  return labels;
}

struct Term {
  array x;
  std::vector<int> labels;  // one per dimension of x
};

int position(const std::vector<int>& labels, int l) {
  auto it = std::find(labels.begin(), labels.end(), l);
  return it == labels.end() ? -1 : static_cast<int>(it - labels.begin());
}

bool contains(const std::vector<int>& labels, int l) { return position(labels, l) >= 0; }

// The term summed over the given labels.
Term sum_out(Term t, const std::vector<int>& labels) {
  if (labels.empty()) return t;
  std::vector<int> axes, rest;
  for (int l : labels) axes.push_back(position(t.labels, l));
  for (int l : t.labels)
    if (!contains(labels, l)) rest.push_back(l);
  return {sum(t.x, axes), rest};
}

// The term's dimensions in the order `labels` (a permutation of its own).
array arrange(const Term& t, const std::vector<int>& labels) {
  std::vector<int> perm;
  for (int l : labels) perm.push_back(position(t.labels, l));
  return permute(t.x, perm);
}

Shape sizes_of(const Term& t, const std::vector<int>& labels) {
  Shape s;
  for (int l : labels) s.push_back(t.x.shape()[position(t.labels, l)]);
  return s;
}

// a and b contracted over their shared labels that are not in `keep`; labels only one of them has
// and `keep` lacks are summed first.
Term contract(Term a, Term b, const std::set<int>& keep) {
  std::vector<int> a_sum, b_sum, batch, contracted, a_kept, b_kept;
  for (int l : a.labels) {
    const bool shared = contains(b.labels, l), kept = keep.count(l) > 0;
    (shared ? (kept ? batch : contracted) : (kept ? a_kept : a_sum)).push_back(l);
  }
  for (int l : b.labels)
    if (!contains(a.labels, l)) (keep.count(l) ? b_kept : b_sum).push_back(l);
  a = sum_out(std::move(a), a_sum);
  b = sum_out(std::move(b), b_sum);

  // A contracted dimension of size 1 (a "..." one or a letter) on one side broadcasts against the other.
  for (int l : contracted) {
    const int pa = position(a.labels, l), pb = position(b.labels, l);
    const int64_t na = a.x.shape()[pa], nb = b.x.shape()[pb];
    if (na == nb) continue;
    Term& small = na == 1 ? a : b;
    Shape s = small.x.shape();
    s[na == 1 ? pa : pb] = std::max(na, nb);
    small.x = broadcast_to(small.x, s);
  }

  const auto cat = [](std::vector<int> x, const std::vector<int>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  const int nbatch = static_cast<int>(batch.size());
  std::vector<int> out_labels = cat(cat(batch, a_kept), b_kept);

  if (contracted.empty()) {  // an elementwise (outer) product: broadcasting does it
    array x = arrange(a, cat(batch, a_kept));
    array y = arrange(b, cat(batch, b_kept));
    std::vector<int> ex, ey;
    for (size_t i = 0; i < b_kept.size(); ++i) ex.push_back(nbatch + static_cast<int>(a_kept.size() + i));
    for (size_t i = 0; i < a_kept.size(); ++i) ey.push_back(nbatch + static_cast<int>(i));
    if (!ex.empty()) x = expand_dims(x, ex);
    if (!ey.empty()) y = expand_dims(y, ey);
    return {multiply(x, y), out_labels};
  }
  if (a_kept.empty() && b_kept.empty() && nbatch > 0) {  // batched dot products: one pass, no tiny GEMMs
    const array x = arrange(a, cat(batch, contracted));
    const array y = arrange(b, cat(batch, contracted));
    std::vector<int> axes(contracted.size());
    std::iota(axes.begin(), axes.end(), nbatch);
    return {sum(multiply(x, y), axes), out_labels};
  }
  // One (batched) matmul: a as (batch..., M, K), b as (batch..., K, N); batch dimensions broadcast.
  Shape sa = sizes_of(a, batch), sb = sizes_of(b, batch);
  const Shape ka = sizes_of(a, a_kept), kb = sizes_of(b, b_kept), kc = sizes_of(a, contracted);
  const auto count = [](const Shape& s) {
    return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>());
  };
  const int64_t M = count(ka), N = count(kb), K = count(kc);
  sa.push_back(M), sa.push_back(K);
  sb.push_back(K), sb.push_back(N);
  const array x = reshape(arrange(a, cat(cat(batch, a_kept), contracted)), sa);
  const array y = reshape(arrange(b, cat(cat(batch, contracted), b_kept)), sb);
  array r = matmul(x, y);
  Shape rs(r.shape().begin(), r.shape().begin() + nbatch);
  rs.insert(rs.end(), ka.begin(), ka.end());
  rs.insert(rs.end(), kb.begin(), kb.end());
  return {reshape(r, rs), out_labels};
}

}  // namespace

namespace {
// An index repeated within one operand ("ii", "bii->bi") takes the operand's diagonal over those axes:
// they become one axis, last.
array diagonals(array x, std::vector<int>& labels, size_t i, const std::string& part) {
  for (;;) {
    size_t d1 = 0, d2 = 0;
    for (size_t a = 0; a < labels.size() && !d2; ++a)
      for (size_t b = a + 1; b < labels.size(); ++b)
        if (labels[a] == labels[b]) {
          d1 = a, d2 = b;
          break;
        }
    if (!d2) return x;
    const int64_t n = x.shape(static_cast<int>(d1));
    if (x.shape(static_cast<int>(d2)) != n)
      fail("einsum", "index ", label_str(labels[d1]), " is repeated in operand ", i, " (\"", part,
           "\") over axes of sizes ", n, " and ", x.shape(static_cast<int>(d2)), ".");
    std::vector<int> perm;
    std::vector<int> kept;
    for (size_t d = 0; d < labels.size(); ++d)
      if (d != d1 && d != d2) perm.push_back(static_cast<int>(d)), kept.push_back(labels[d]);
    kept.push_back(labels[d1]);
    perm.push_back(static_cast<int>(d1)), perm.push_back(static_cast<int>(d2));
    x = transpose(x, perm);
    // The diagonal as a masked sum over the last axis: sizes come from x at run time (shapeless export).
    const int nd = x.ndim();
    const array on = equal(expand_dims(arange_along(x, nd - 2), 1), arange_along(x, nd - 1));
    x = sum(where(on, x, zeros_like(x)), -1);
    labels = std::move(kept);
  }
}
}  // namespace

array einsum(const std::string& subscripts, const Arrays& operands, StreamOrDevice s) {
  to_stream(s, "einsum");
  if (operands.empty()) fail("einsum", "needs at least one operand.");
  std::string spec;
  for (char c : subscripts)
    if (c != ' ' && c != '\t' && c != '\n') spec += c;
  const size_t arrow = spec.find("->");
  if (arrow != std::string::npos && spec.find("->", arrow + 1) != std::string::npos)
    fail("einsum", "subscripts \"", subscripts, "\" have more than one '->'.");
  const std::string lhs = spec.substr(0, arrow);
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    parts.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (parts.size() != operands.size())
    fail("einsum", "subscripts \"", subscripts, "\" name ", parts.size(), " operands but ", operands.size(),
         " were given.");

  std::vector<Term> terms;
  std::map<int, int64_t> size;
  std::map<int, int> count;  // in how many operands each label appears
  int max_ellipsis = 0;
  bool any_ellipsis = false;
  std::vector<Operand> for_type(operands.begin(), operands.end());
  const Dtype t = result_type(for_type);
  for (size_t i = 0; i < operands.size(); ++i) {
    const std::string where = "the subscripts of operand " + std::to_string(i);
    const Subscript sub = parse_subscript(parts[i], where);
    std::vector<int> labels = expand(sub, operands[i].ndim(), parts[i], static_cast<int>(i));
    for (int l : labels) ++count[l];  // a repeated index counts each time (numpy's implicit output)
    const array x = diagonals(operands[i], labels, i, parts[i]);
    any_ellipsis = any_ellipsis || sub.ellipsis;
    for (size_t d = 0; d < labels.size(); ++d) {
      const int l = labels[d];
      const int64_t n = x.shape()[d];
      if (l >= kEllipsis) {
        max_ellipsis = std::max(max_ellipsis, l - kEllipsis + 1);
        auto [it, fresh] = size.emplace(l, n);
        if (!fresh && it->second != n) {
          if (it->second != 1 && n != 1)
            fail("einsum", "the '...' dimensions of the operands cannot be broadcast together (sizes ", it->second,
                 " and ", n, ").");
          it->second = std::max(it->second, n);
        }
      } else {
        auto [it, fresh] = size.emplace(l, n);
        if (!fresh && it->second != n) {
          if (it->second != 1 && n != 1)  // size 1 broadcasts against the other operands, as in numpy
            fail("einsum", "index ", label_str(l), " has size ", it->second, " in one operand and ", n,
                 " in operand ", i, " (shape ", shape_str(operands[i].shape()), ").");
          it->second = std::max(it->second, n);
        }
      }
    }
    terms.push_back({astype(x, t), std::move(labels)});
  }

  // The output labels: explicit, or numpy's implicit ones ("..." first, then letters used once, sorted).
  std::vector<int> out;
  if (arrow != std::string::npos) {
    const std::string rhs = spec.substr(arrow + 2);
    if (rhs.find(',') != std::string::npos) fail("einsum", "the output subscripts \"", rhs, "\" contain a ','.");
    const Subscript sub = parse_subscript(rhs, "the output subscripts");
    out = sub.letters_before;
    if (sub.ellipsis)
      for (int j = max_ellipsis - 1; j >= 0; --j) out.push_back(kEllipsis + j);
    out.insert(out.end(), sub.letters_after.begin(), sub.letters_after.end());
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] < kEllipsis && !count.count(out[i]))
        fail("einsum", "output index ", label_str(out[i]), " does not appear in any operand.");
      if (std::count(out.begin(), out.end(), out[i]) > 1)
        fail("einsum", "output index ", label_str(out[i]), " is repeated.");
    }
  } else {
    if (any_ellipsis)
      for (int j = max_ellipsis - 1; j >= 0; --j) out.push_back(kEllipsis + j);
    for (auto [l, c] : count)
      if (l < kEllipsis && c == 1) out.push_back(l);
  }

  Term r = std::move(terms[0]);
  for (size_t i = 1; i < terms.size(); ++i) {
    std::set<int> keep(out.begin(), out.end());
    for (size_t j = i + 1; j < terms.size(); ++j) keep.insert(terms[j].labels.begin(), terms[j].labels.end());
    r = contract(std::move(r), std::move(terms[i]), keep);
  }
  std::vector<int> drop;
  for (int l : r.labels)
    if (!contains(out, l)) drop.push_back(l);
  r = sum_out(std::move(r), drop);
  // Sums widen small integers and bool (to int32); numpy's einsum keeps the operands' dtype, and the
  // narrowing gives the same wrapped (or, for bool, any-of) result.
  return astype(arrange(r, out), t);
}

// ---- norms ----

namespace linalg {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Integers and bool give float32; halves are computed in float32 (their squares overflow early) and
// narrowed at the end.
Dtype result_dtype(Dtype t) { return is_floating_point(t) ? t : float32; }
array widened(const array& a) { return astype(a, a.dtype() == float64 ? float64 : float32); }

std::string ord_str(double ord) {
  if (std::isinf(ord)) return ord > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << ord;
  return os.str();
}

// An extreme (max or min) has no value over an empty axis.
void check_extreme(const array& a, int axis, double ord) {
  if (a.shape()[axis] == 0)
    fail("linalg::norm", "ord ", ord_str(ord), " is undefined over the empty axis ", axis, " of an array of shape ",
         shape_str(a.shape()), ".");
}

std::vector<int> resolve_axes(const array& a, const std::optional<std::vector<int>>& axes) {
  std::vector<int> ax;
  if (!axes) {
    ax.resize(a.ndim());
    std::iota(ax.begin(), ax.end(), 0);
    if (ax.size() != 1 && ax.size() != 2)
      fail("linalg::norm", "an ord without axes needs a 1-D or 2-D array, got shape ", shape_str(a.shape()), ".");
    return ax;
  }
  if (axes->size() != 1 && axes->size() != 2)
    fail("linalg::norm", "expects 1 axis (vector norm) or 2 axes (matrix norm), got ", axes->size(), ".");
  for (int d : *axes) ax.push_back(normalize_axis(d, a.ndim(), "linalg::norm"));
  if (ax.size() == 2 && ax[0] == ax[1])
    fail("linalg::norm", "the two axes of a matrix norm must differ, got ", list_str(*axes), ".");
  return ax;
}

array two_norm(const array& a, const std::vector<int>& axes, bool keepdims) {
  return astype(sqrt(sum(square(widened(a)), axes, keepdims)), result_dtype(a.dtype()));
}

array vector_norm(const array& a, double ord, int axis, bool keepdims) {
  if (ord == 2.0) return two_norm(a, {axis}, keepdims);
  const array x = widened(a);
  array r;
  if (ord == 0.0) {
    r = sum(not_equal(x, 0), axis, keepdims);
  } else if (ord == 1.0) {
    r = sum(abs(x), axis, keepdims);
  } else if (std::isinf(ord)) {
    check_extreme(a, axis, ord);
    r = ord > 0 ? max(abs(x), axis, keepdims) : min(abs(x), axis, keepdims);
  } else {
    r = power(sum(power(abs(x), ord), axis, keepdims), 1.0 / ord);
  }
  return astype(r, result_dtype(a.dtype()));
}

// Induced norms: 1 / -1 are the largest / smallest column sum of |a|, inf / -inf the row sums.
// The singular values of the matrices spanning axes (row, col), reduced by `reduce` over them.
array singular_norm(const array& a, int row, int col, bool keepdims,
                    const std::function<array(const array&)>& reduce) {
  const array m = moveaxis(moveaxis(widened(a), row, -1), col < row ? col : col - 1, -1);
  const array s = linalg::svd(swapaxes(m, -1, -2), false)[0];
  if (s.shape(-1) == 0) fail("linalg::norm", "singular values of an empty matrix of shape ", shape_str(a.shape()), ".");
  array r = reduce(s);
  if (keepdims) r = expand_dims(r, row < col ? std::vector<int>{row, col} : std::vector<int>{col, row});
  return astype(r, result_dtype(a.dtype()));
}

array matrix_norm(const array& a, double ord, int row, int col, bool keepdims) {
  if (std::fabs(ord) == 2.0)  // the largest or smallest singular value
    return singular_norm(a, row, col, keepdims, [ord](const array& s) { return ord > 0 ? max(s, -1) : min(s, -1); });
  if (std::fabs(ord) != 1.0 && std::fabs(ord) != kInf)
    fail("linalg::norm", "invalid ord ", ord_str(ord), " for a matrix norm (use 1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\").");
  const bool columns = std::fabs(ord) == 1.0;
  const int summed = columns ? row : col, extreme = columns ? col : row;
  check_extreme(a, extreme, ord);
  const array s = sum(abs(widened(a)), summed, true);
  array r = ord > 0 ? max(s, extreme, true) : min(s, extreme, true);
  if (!keepdims) r = squeeze(r, std::vector<int>{row, col});
  return astype(r, result_dtype(a.dtype()));
}

}  // namespace

array norm(const array& a, bool keepdims, StreamOrDevice s) {
  to_stream(s, "linalg::norm");
  std::vector<int> all(a.ndim());
  std::iota(all.begin(), all.end(), 0);
  return two_norm(a, all, keepdims);
}

array norm(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  to_stream(s, "linalg::norm");
  if (axes.size() != 1 && axes.size() != 2)
    fail("linalg::norm", "expects 1 axis (vector norm) or 2 axes (matrix norm), got ", axes.size(), ".");
  return two_norm(a, normalize_axes(axes, a.ndim(), "linalg::norm"), keepdims);
}

array norm(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return norm(a, std::vector<int>{axis}, keepdims, s);
}

array norm(const array& a, double ord, const std::optional<std::vector<int>>& axes, bool keepdims, StreamOrDevice s) {
  to_stream(s, "linalg::norm");
  if (std::isnan(ord)) fail("linalg::norm", "ord cannot be NaN.");
  const auto ax = resolve_axes(a, axes);
  if (ax.size() == 1) return vector_norm(a, ord, ax[0], keepdims);
  return matrix_norm(a, ord, ax[0], ax[1], keepdims);
}

array norm(const array& a, double ord, int axis, bool keepdims, StreamOrDevice s) {
  return norm(a, ord, std::vector<int>{axis}, keepdims, s);
}

array norm(const array& a, const char* ord, const std::optional<std::vector<int>>& axes, bool keepdims,
           StreamOrDevice stream) {
  to_stream(stream, "linalg::norm");
  const std::string o = ord ? ord : "";
  if (axes && axes->size() != 2)
    fail("linalg::norm", "ord '", o, "' is a matrix norm and needs 2 axes, got ", axes->size(), ".");
  const auto ax = resolve_axes(a, axes);
  if (ax.size() != 2)
    fail("linalg::norm", "ord '", o, "' is a matrix norm and needs a 2-D array or 2 axes, got shape ",
         shape_str(a.shape()), ".");
  if (o == "fro" || o == "f") return two_norm(a, normalize_axes(ax, a.ndim(), "linalg::norm"), keepdims);
  if (o == "nuc") return singular_norm(a, ax[0], ax[1], keepdims, [](const array& s) { return sum(s, -1); });
  fail("linalg::norm", "invalid ord '", o, "' (use \"fro\", \"nuc\" or a number).");
}

namespace {

void check_solve(const array& a, const array& b, const char* op) {
  if (a.ndim() < 2 || b.ndim() < 1)
    fail(op, "expects a (..., n, n) matrix and a (..., n) or (..., n, k) right side, got shapes ", shape_str(a.shape()),
         " and ", shape_str(b.shape()), ".");
  if (a.shape(-1) != a.shape(-2)) fail(op, "expects square matrices, got shape ", shape_str(a.shape()), ".");
  const int64_t rows = b.ndim() > 1 ? b.shape(-2) : b.shape(-1);
  if (rows != a.shape(-1))
    fail(op, "the matrix of shape ", shape_str(a.shape()), " does not match the right side of shape ",
         shape_str(b.shape()), ".");
  const Dtype t = promote_types(a.dtype(), b.dtype());
  if (t != float32 && t != float64)
    fail(op, "expects arrays that promote to float32 or float64, got ", a.dtype(), " and ", b.dtype(), ".");
}

// The entry (i, j) of each matrix of a, as a (...) array.
array entry(const array& a, int64_t i, int64_t j) {
  return squeeze(slice(a, Shape{i, j}, std::vector<int>{-2, -1}, Shape{1, 1}), std::vector<int>{-2, -1});
}

// Determinants of matrices up to 3 x 3 by cofactors (exact for small integers, no LAPACK call).
array small_det(const array& a) {
  const int64_t n = a.shape(-1);
  auto e = [&](int64_t i, int64_t j) { return entry(a, i, j); };
  if (n == 0) return ones(Shape(a.shape().begin(), a.shape().end() - 2), a.dtype());
  if (n == 1) return e(0, 0);
  auto minor2 = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    return subtract(multiply(e(r0, c0), e(r1, c1)), multiply(e(r0, c1), e(r1, c0)));
  };
  if (n == 2) return minor2(0, 1, 0, 1);
  return add(subtract(multiply(e(0, 0), minor2(1, 2, 1, 2)), multiply(e(0, 1), minor2(1, 2, 0, 2))),
             multiply(e(0, 2), minor2(1, 2, 0, 1)));
}

array det_input(const array& a, const char* op) {
  if (a.ndim() < 2 || a.shape(-1) != a.shape(-2))
    fail(op, "expects square matrices, got shape ", shape_str(a.shape()), ".");
  return astype(a, a.dtype() == float64 ? float64 : float32);
}

// Up to 3 x 3 by cofactors, unless the graph must follow other sizes (a shapeless trace): then LU.
bool by_cofactors(const array& x) { return x.shape(-1) <= 3 && !detail::in_shapeless_trace(); }

std::pair<array, array> slogdet_of(const array& x) {
  if (by_cofactors(x)) {
    const array d = small_det(x);
    return {sign(d), log(abs(d))};
  }
  const auto [lu, piv] = linalg::lu_factor(x);
  const array diag = diagonal(lu, 0, -2, -1);
  const array swaps = sum(not_equal(piv, arange_along(piv, -1, uint32)), -1);
  const array negatives = sum(less(diag, 0), -1);
  array s = subtract(1.0, multiply(2.0, astype(remainder(add(swaps, negatives), 2), x.dtype())));
  array logabs = sum(log(abs(diag)), -1);
  const array singular = any(equal(diag, 0), -1);
  return {where(singular, 0.0, s), where(singular, -std::numeric_limits<double>::infinity(), logabs)};
}

}  // namespace

array cholesky_inv(const array& l, bool upper, StreamOrDevice s) {
  to_stream(s, "linalg::cholesky_inv");
  const array li = tri_inv(l, upper);
  return upper ? matmul(li, swapaxes(li, -1, -2)) : matmul(swapaxes(li, -1, -2), li);
}

array solve_triangular(const array& a, const array& b, bool upper, StreamOrDevice s) {
  to_stream(s, "linalg::solve_triangular");
  check_solve(a, b, "linalg::solve_triangular");
  const Dtype t = promote_types(a.dtype(), b.dtype());
  return matmul(tri_inv(astype(a, t), upper), astype(b, t));
}

// Through the LU factorization A = L[p] @ U: L U x = P^T b with P[i, j] = (p[i] == j), then the two
// triangular systems (P built from the sizes at run time, so the graph follows shapes).
array solve(const array& a, const array& b, StreamOrDevice s) {
  to_stream(s, "linalg::solve");
  check_solve(a, b, "linalg::solve");
  const Dtype t = promote_types(a.dtype(), b.dtype());
  const Arrays plu = lu(astype(a, t));
  const array p = astype(equal(expand_dims(plu[0], -1), arange_along(plu[1], -1, uint32)), t);
  const array pb = matmul(swapaxes(p, -1, -2), astype(b, t));
  return matmul(tri_inv(plu[2], true), matmul(tri_inv(plu[1], false), pb));
}

std::pair<array, array> slogdet(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::slogdet");
  return slogdet_of(det_input(a, "linalg::slogdet"));
}

array det(const array& a, StreamOrDevice stream) {
  to_stream(stream, "linalg::det");
  const array x = det_input(a, "linalg::det");
  if (by_cofactors(x)) return small_det(x);
  const auto [s, logabs] = slogdet_of(x);
  return multiply(s, exp(logabs));
}

array cross(const array& a, const array& b, int axis, StreamOrDevice s) {
  to_stream(s, "linalg::cross");
  for (const array* x : {&a, &b}) {
    const int d = normalize_axis(axis, x->ndim(), "linalg::cross");
    if (x->shape(d) != 2 && x->shape(d) != 3)
      fail("linalg::cross", "the axis ", axis, " must have size 2 or 3, got shape ", shape_str(x->shape()), ".");
    if (x->shape(d) == 2 && detail::in_shapeless_trace())
      fail("linalg::cross", "of 2-component vectors (shape ", shape_str(x->shape()),
           ") adds the third component by the traced size, which a shapeless export cannot follow.");
  }
  const Dtype t = promote_types(a.dtype(), b.dtype());
  // Two-component vectors have a zero third component.
  auto components = [&](const array& x) {
    const int d = normalize_axis(axis, x.ndim(), "linalg::cross");
    Arrays c = split(astype(x, t), static_cast<int>(x.shape(d)), d);
    if (c.size() == 2) c.push_back(zeros_like(c[0]));
    return c;
  };
  const Arrays x = components(a), y = components(b);
  Arrays out = {subtract(multiply(x[1], y[2]), multiply(x[2], y[1])),
                subtract(multiply(x[2], y[0]), multiply(x[0], y[2])),
                subtract(multiply(x[0], y[1]), multiply(x[1], y[0]))};
  const Shape shape = broadcast_shapes(out[0].shape(), out[1].shape());
  for (auto& o : out) o = broadcast_to(o, shape);
  return concatenate(out, normalize_axis(axis, static_cast<int>(shape.size()), "linalg::cross"));
}

}  // namespace linalg

}  // namespace ingot
