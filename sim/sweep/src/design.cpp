// Design expansion. The random parts (Latin hypercube strata and jitter, the Sobol digital
// shift, Morris starting points, signs and orders) are Philox draws keyed by the design's own
// seed, so the table depends on nothing but the spec.
#include "powershift/sweep/design.hpp"

#include <Random123/philox.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include "powershift/model/error.hpp"
#include "sobol_sequence.hpp"

namespace powershift::sweep {
namespace {

// Streams of design draws, one per purpose, so that adding a parameter does not reshuffle the
// draws of another purpose.
enum class Stream : std::uint64_t {
  LhsPermutation = 1,
  LhsJitter = 2,
  SobolShift = 3,
  MorrisStart = 4,
  MorrisSign = 5,
  MorrisOrder = 6
};

class DesignRng {
 public:
  explicit DesignRng(std::uint64_t seed) : key_{{seed, 0x5357454550ULL /* "SWEEP" */}} {}
  [[nodiscard]] std::uint64_t word(Stream s, std::uint64_t a, std::uint64_t b = 0,
                                   std::uint64_t c = 0) const {
    const r123::Philox4x64::ctr_type ctr{{static_cast<std::uint64_t>(s), a, b, c}};
    return r123::Philox4x64{}(ctr, key_)[0];
  }
  // Uniform in (0, 1).
  [[nodiscard]] double uniform(Stream s, std::uint64_t a, std::uint64_t b = 0,
                               std::uint64_t c = 0) const {
    return (static_cast<double>(word(s, a, b, c) >> 11) + 0.5) * 0x1.0p-53;
  }
  // Uniform integer in [0, n) (n small: the modulo bias is below 2^-40).
  [[nodiscard]] std::uint64_t below(std::uint64_t n, Stream s, std::uint64_t a, std::uint64_t b = 0,
                                    std::uint64_t c = 0) const {
    return word(s, a, b, c) % n;
  }

 private:
  r123::Philox4x64::key_type key_;
};

// Fisher-Yates with counter-based draws: permutation `which` of 0..n-1.
std::vector<long long> permutation(long long n, const DesignRng& rng, Stream s,
                                   std::uint64_t which) {
  std::vector<long long> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0LL);
  for (long long i = n - 1; i > 0; --i) {
    const auto j = static_cast<long long>(
        rng.below(static_cast<std::uint64_t>(i + 1), s, which, static_cast<std::uint64_t>(i)));
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

// Standard normal quantile: Newton's method on erfc, from a logistic first guess; accurate to
// a few ulps over (1e-300, 1 - 1e-16).
double normal_quantile(double u) {
  double x = std::log(u / (1.0 - u)) / 1.702;
  for (int i = 0; i < 100; ++i) {
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
    if (pdf <= 0.0) break;
    const double step = (cdf - u) / pdf;
    x -= std::clamp(step, -1.0, 1.0);
    if (std::abs(step) < 1e-15 * std::max(1.0, std::abs(x))) break;
  }
  return x;
}

double parse_number(const std::string& s) {
  double v = 0.0;
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(begin, s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

Diagnostic at_design(const SweepSpec& spec, const std::string& message) {
  Diagnostic d;
  d.file = spec.file;
  d.line = spec.design_at.line;
  d.column = spec.design_at.column;
  d.path = "design";
  d.message = message;
  return d;
}

// Sets member values for design coordinates u (one per parameter).
void assign(const SweepSpec& spec, Member& m, const std::vector<double>& u) {
  const std::size_t d = spec.parameters.size();
  m.values.resize(d);
  m.numbers.resize(d);
  m.levels.assign(d, -1);
  m.unit = u;
  for (std::size_t i = 0; i < d; ++i) {
    const Parameter& p = spec.parameters[i];
    if (p.kind == ValueKind::List) {
      const auto k = static_cast<long long>(p.values.size());
      const long long level =
          std::clamp(static_cast<long long>(std::floor(u[i] * static_cast<double>(k))), 0LL, k - 1);
      m.levels[i] = static_cast<int>(level);
      m.values[i] = p.values[static_cast<std::size_t>(level)];
      m.numbers[i] = parse_number(m.values[i]);
    } else {
      m.numbers[i] = quantile(p, u[i]);
      m.values[i] = format_number(m.numbers[i]);
    }
  }
}

}  // namespace

double quantile(const Parameter& p, double u) {
  double v = 0.0;
  switch (p.kind) {
    case ValueKind::List: {
      const auto k = static_cast<long long>(p.values.size());
      const long long level =
          std::clamp(static_cast<long long>(std::floor(u * static_cast<double>(k))), 0LL, k - 1);
      return parse_number(p.values[static_cast<std::size_t>(level)]);
    }
    case ValueKind::Uniform:
      v = p.a + u * (p.b - p.a);
      break;
    case ValueKind::LogUniform:
      v = std::exp(std::log(p.a) + u * (std::log(p.b) - std::log(p.a)));
      break;
    case ValueKind::Normal:
      v = p.a + p.b * normal_quantile(u);
      break;
    case ValueKind::Triangular: {
      const double f = (p.c - p.a) / (p.b - p.a);
      v = u < f ? p.a + std::sqrt(u * (p.b - p.a) * (p.c - p.a))
                : p.b - std::sqrt((1.0 - u) * (p.b - p.a) * (p.b - p.c));
      break;
    }
  }
  return p.integer ? std::round(v) : v;
}

long long member_count(const SweepSpec& spec, const SweepLimits& limits) {
  const auto d = static_cast<long long>(spec.parameters.size());
  const long long cap = limits.max_members;
  auto too_many = [&](const std::string& how) {
    throw InputError(
        std::vector<Diagnostic>{at_design(spec, "the design has " + how + " members; at most " +
                                                    std::to_string(cap) + " are allowed")});
  };
  long long n = 0;
  switch (spec.design) {
    case DesignType::Grid: {
      n = 1;
      for (const auto& p : spec.parameters) {
        const auto k = static_cast<long long>(p.values.size());
        if (n > cap / std::max(1LL, k)) too_many("more than " + std::to_string(cap));
        n *= k;
      }
      break;
    }
    case DesignType::LatinHypercube:
      n = spec.samples;
      break;
    case DesignType::Sobol: {
      const long long per = spec.second_order ? 2 * d + 2 : d + 2;
      if (spec.samples > cap / per)
        too_many(std::to_string(spec.samples) + " x " + std::to_string(per));
      n = spec.samples * per;
      break;
    }
    case DesignType::Morris:
      if (spec.samples > cap / (d + 1))
        too_many(std::to_string(spec.samples) + " x " + std::to_string(d + 1));
      n = spec.samples * (d + 1);
      break;
  }
  if (n > cap) too_many(std::to_string(n));
  return n;
}

namespace {

// Walks the design in member order and calls emit(i, u) with the design coordinates of every
// member i for which want(i) holds (only those are assigned values: a selection costs time in
// the design's size but memory only in the selection's).
template <class Want, class Emit>
void walk_design(const SweepSpec& spec, long long n, Want&& want, Emit&& emit) {
  const std::size_t d = spec.parameters.size();
  if (spec.design == DesignType::Sobol && 2 * d > static_cast<std::size_t>(kSobolMaxDimensions)) {
    throw InputError(std::vector<Diagnostic>{
        at_design(spec, "a Sobol design supports at most " +
                            std::to_string(kSobolMaxDimensions / 2) + " parameters")});
  }
  if (spec.design == DesignType::Morris) {
    for (const auto& p : spec.parameters) {
      if (p.kind == ValueKind::Normal) {
        throw InputError(std::vector<Diagnostic>{at_design(
            spec, "a Morris design walks a grid on [0, 1] that includes its ends; parameter '" +
                      p.name + "' has an unbounded (normal) distribution")});
      }
    }
  }
  const DesignRng rng(spec.design_seed);
  std::vector<double> u(d);
  switch (spec.design) {
    case DesignType::Grid: {
      // Nested loops in the order the parameters are listed: the last varies fastest.
      for (long long i = 0; i < n; ++i) {
        if (!want(i)) continue;
        long long rest = i;
        for (std::size_t j = d; j-- > 0;) {
          const auto k = static_cast<long long>(spec.parameters[j].values.size());
          const long long level = rest % k;
          rest /= k;
          // The middle of the level's slice of [0, 1], which assign() maps back to the level.
          u[j] = (static_cast<double>(level) + 0.5) / static_cast<double>(k);
        }
        emit(i, u);
      }
      break;
    }
    case DesignType::LatinHypercube: {
      // One point in each of n strata per parameter, strata matched by independent permutations.
      std::vector<std::vector<long long>> strata;
      for (std::size_t j = 0; j < d; ++j)
        strata.push_back(permutation(n, rng, Stream::LhsPermutation, j));
      for (long long i = 0; i < n; ++i) {
        if (!want(i)) continue;
        for (std::size_t j = 0; j < d; ++j) {
          const double jitter = rng.uniform(Stream::LhsJitter, static_cast<std::uint64_t>(i), j);
          u[j] = (static_cast<double>(strata[j][static_cast<std::size_t>(i)]) + jitter) /
                 static_cast<double>(n);
        }
        emit(i, u);
      }
      break;
    }
    case DesignType::Sobol: {
      // Saltelli's scheme in SALib's row order: per base point j, A_j, then A_j with column k
      // from B_j (k = 1..D), then (second order) B_j with column k from A_j, then B_j. A and B
      // are the first and last D coordinates of a 2D-dimensional Sobol point, digitally shifted
      // by the design seed (a random XOR keeps the net's structure and moves points off 0).
      const SobolSequence sobol(static_cast<int>(2 * d));
      std::vector<std::uint32_t> shift(2 * d);
      for (std::size_t k = 0; k < 2 * d; ++k)
        shift[k] = static_cast<std::uint32_t>(rng.word(Stream::SobolShift, k));
      std::vector<double> a(d), b(d);
      long long row = 0;
      for (long long j = 0; j < spec.samples; ++j) {
        const auto point = sobol.point(static_cast<std::uint64_t>(j));
        for (std::size_t k = 0; k < d; ++k) {
          a[k] = (static_cast<double>(point[k] ^ shift[k]) + 0.5) * 0x1.0p-32;
          b[k] = (static_cast<double>(point[d + k] ^ shift[d + k]) + 0.5) * 0x1.0p-32;
        }
        if (want(row)) emit(row, a);
        ++row;
        for (std::size_t k = 0; k < d; ++k) {
          u = a;
          u[k] = b[k];
          if (want(row)) emit(row, u);
          ++row;
        }
        if (spec.second_order) {
          for (std::size_t k = 0; k < d; ++k) {
            u = b;
            u[k] = a[k];
            if (want(row)) emit(row, u);
            ++row;
          }
        }
        if (want(row)) emit(row, b);
        ++row;
      }
      break;
    }
    case DesignType::Morris: {
      // Trajectories of one-at-a-time steps of size delta = p / (2 (p - 1)) on a p-level grid
      // (Morris 1991; Saltelli et al. 2008 ch. 3): a random start, each factor moved once, in a
      // random order, up or down.
      const int p = spec.levels;
      const int jump = p / 2;  // delta in grid levels
      long long row = 0;
      for (long long t = 0; t < spec.samples; ++t) {
        std::vector<int> level(d);
        std::vector<int> sign(d);
        for (std::size_t k = 0; k < d; ++k) {
          sign[k] = rng.below(2, Stream::MorrisSign, static_cast<std::uint64_t>(t), k) ? 1 : -1;
          const auto start =
              static_cast<int>(rng.below(static_cast<std::uint64_t>(p - jump), Stream::MorrisStart,
                                         static_cast<std::uint64_t>(t), k));
          level[k] = sign[k] > 0 ? start : start + jump;
        }
        auto coords = [&] {
          for (std::size_t k = 0; k < d; ++k)
            u[k] = static_cast<double>(level[k]) / static_cast<double>(p - 1);
          return u;
        };
        if (want(row)) emit(row, coords());
        ++row;
        const auto order = permutation(static_cast<long long>(d), rng, Stream::MorrisOrder,
                                       static_cast<std::uint64_t>(t));
        for (long long k : order) {
          level[static_cast<std::size_t>(k)] += sign[static_cast<std::size_t>(k)] * jump;
          if (want(row)) emit(row, coords());
          ++row;
        }
      }
      break;
    }
  }
}

Member numbered(const SweepSpec& spec, long long i) {
  Member m;
  m.index = i;
  m.seed = spec.seed_policy == SeedPolicy::Common ? spec.seed
                                                  : spec.seed + static_cast<std::uint64_t>(i);
  return m;
}

}  // namespace

std::vector<Member> expand(const SweepSpec& spec, const SweepLimits& limits) {
  const long long n = member_count(spec, limits);
  std::vector<Member> members;
  members.reserve(static_cast<std::size_t>(n));
  walk_design(
      spec, n, [](long long) { return true; },
      [&](long long i, const std::vector<double>& u) {
        members.push_back(numbered(spec, i));
        assign(spec, members.back(), u);
      });
  return members;
}

std::vector<Member> expand_selected(const SweepSpec& spec, const std::vector<long long>& indices,
                                    const SweepLimits& limits) {
  const long long n = member_count(spec, limits);
  std::vector<long long> wanted = indices;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<Member> members;
  members.reserve(wanted.size());
  walk_design(
      spec, n, [&](long long i) { return std::binary_search(wanted.begin(), wanted.end(), i); },
      [&](long long i, const std::vector<double>& u) {
        members.push_back(numbered(spec, i));
        assign(spec, members.back(), u);
      });
  std::sort(members.begin(), members.end(),
            [](const Member& a, const Member& b) { return a.index < b.index; });
  return members;
}

std::vector<scenario::Override> member_overrides(const SweepSpec& spec, const Member& m) {
  std::vector<scenario::Override> out = spec.fixed;
  for (auto& o : out) o.label.clear();  // named as on a command line: --set PATH=VALUE
  for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
    const auto& p = spec.parameters[i];
    if (!p.value_sets.empty()) {
      const auto& set = p.value_sets[static_cast<std::size_t>(m.levels[i])];
      out.insert(out.end(), set.begin(), set.end());
      continue;
    }
    scenario::Override o;
    o.path = p.path;
    o.value = m.values[i];
    out.push_back(std::move(o));
  }
  return out;
}

namespace {
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string design_csv(const SweepSpec& spec, const std::vector<Member>& members) {
  std::string out = "member,seed";
  for (const auto& p : spec.parameters) out += "," + csv_field(p.name);
  out += "\n";
  for (const auto& m : members) {
    out += std::to_string(m.index) + "," + std::to_string(m.seed);
    for (std::size_t i = 0; i < m.values.size(); ++i) {
      // A labelled value is shown by its label (a value that sets several paths reads badly).
      const auto& p = spec.parameters[i];
      out += "," + csv_field(p.labelled && m.levels[i] >= 0
                                 ? p.labels[static_cast<std::size_t>(m.levels[i])]
                                 : m.values[i]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace powershift::sweep
