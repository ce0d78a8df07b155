// The sweep spec loader: YAML to a validated sweep::SweepSpec, every problem located. Uses the
// scenario library's YAML tree (document.hpp) so that positions, limits on nesting and alias
// expansion, and "did you mean" suggestions work as they do for scenarios.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

#include "powershift/engine/schema.hpp"
#include "powershift/model/seed.hpp"
#include "powershift/scenario/compose.hpp"
#include "powershift/scenario/document.hpp"
#include "powershift/sweep/spec.hpp"

namespace powershift::sweep {
namespace {

namespace fs = std::filesystem;
using scenario::doc::Kind;
using scenario::doc::Node;

const std::vector<std::string> kRootKeys = {
    "sweep", "description", "scenario", "set",    "parameters", "design",          "replicates",
    "seed",  "seed_policy", "steps",    "record", "outputs",    "members_per_task"};
const std::vector<std::string> kParameterKeys = {"name",  "path",         "values", "labels",
                                                 "range", "distribution", "integer"};
const std::vector<std::string> kDesignKeys = {"type", "samples", "second_order", "levels", "seed"};
const std::vector<std::string> kRecordKeys = {"fields", "interval", "deflate"};
const std::vector<std::string> kRangeKeys = {"first", "step", "last"};
const std::vector<std::string> kDistributionKeys = {"uniform", "loguniform", "normal",
                                                    "triangular"};
const std::vector<std::string> kDesignTypes = {"grid", "latin_hypercube", "sobol", "morris"};
const std::vector<std::string> kSeedPolicies = {"per_member", "common"};
const std::vector<std::string>& kFields = schema::field_names();

bool is_annotation(const std::string& key) {
  return key == "source" || key == "note";
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const Node& at, const std::string& path, const std::string& message) {
    errors_.push_back(scenario::detail::located(at, file_, path, message));
  }
  [[nodiscard]] bool ok() const { return errors_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& errors() const { return errors_; }
  [[nodiscard]] const std::string& file() const { return file_; }

  // Reports keys of `map` outside `known` (with a suggestion) and duplicates.
  void keys(const Node& map, const std::string& path, const std::vector<std::string>& known,
            const char* what) {
    std::set<std::string> seen;
    for (const auto& [k, v] : map) {
      const std::string& key = k.Scalar();
      const std::string at = path.empty() ? key : std::string(path).append(".").append(key);
      if (!seen.insert(key).second) {
        error(k, at, "duplicate key '" + key + "'");
        continue;
      }
      if (is_annotation(key) || std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown key '" + key + "' in " + what;
      const std::string near = scenario::detail::nearest(key, known);
      if (!near.empty()) {
        message += " (did you mean '" + near + "'?)";
      } else {
        message += "; valid keys: " + scenario::detail::join_names(known);
      }
      error(k, at, message);
    }
  }

  bool is_map(const Node& n, const std::string& path) {
    if (n.IsMap()) return true;
    error(n, path, "must be a mapping");
    return false;
  }

  std::optional<std::string> text(const Node& map, const std::string& path, const char* key,
                                  bool required) {
    const Node n = map[key];
    const std::string at = path.empty() ? key : path + "." + key;
    if (!n.IsDefined()) {
      if (required) error(map, at, std::string("missing required key '") + key + "'");
      return std::nullopt;
    }
    if (!n.IsScalar() || n.Scalar().empty()) {
      error(n, at, "must be a non-empty string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<double> number(const Node& n, const std::string& at) {
    if (n.IsScalar() && !n.quoted()) {
      double v = 0.0;
      const std::string& s = n.Scalar();
      const auto* end = s.data() + s.size();
      const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
      const auto r = std::from_chars(begin, end, v);
      if (r.ec == std::errc() && r.ptr == end && std::isfinite(v)) return v;
    }
    error(n, at, "must be a finite number, got " + shown(n));
    return std::nullopt;
  }

  // A seed: an unsigned 64-bit integer.
  std::optional<std::uint64_t> seed(const Node& map, const std::string& path, const char* key) {
    const Node n = map[key];
    if (!n.IsDefined()) return std::nullopt;
    const std::string at = path.empty() ? key : path + "." + key;
    if (n.IsScalar() && !n.quoted()) {
      if (auto v = parse_seed(n.Scalar())) return v;
    }
    error(n, at, std::string("must be ") + kSeedRange + ", got " + shown(n));
    return std::nullopt;
  }

  std::optional<long long> integer(const Node& map, const std::string& path, const char* key,
                                   long long lo, long long hi) {
    const Node n = map[key];
    if (!n.IsDefined()) return std::nullopt;
    const std::string at = path.empty() ? key : path + "." + key;
    long long v = 0;
    if (n.IsScalar() && !n.quoted()) {
      const std::string& s = n.Scalar();
      const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
        if (v < lo || v > hi) {
          error(n, at,
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + s);
          return std::nullopt;
        }
        return v;
      }
      if (r.ec == std::errc::result_out_of_range) {
        error(n, at,
              "is too large: must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        return std::nullopt;
      }
    }
    error(n, at, "must be an integer, got " + shown(n));
    return std::nullopt;
  }

  std::optional<bool> boolean(const Node& map, const std::string& path, const char* key) {
    const Node n = map[key];
    if (!n.IsDefined()) return std::nullopt;
    if (n.IsScalar() && !n.quoted()) {
      if (n.Scalar() == "true") return true;
      if (n.Scalar() == "false") return false;
    }
    error(n, path.empty() ? key : path + "." + key, "must be true or false, got " + shown(n));
    return std::nullopt;
  }

  std::optional<std::string> choice(const Node& map, const std::string& path, const char* key,
                                    const std::vector<std::string>& choices) {
    auto v = text(map, path, key, false);
    if (!v) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *v) != choices.end()) return v;
    std::string message =
        "must be one of " + scenario::detail::join_names(choices) + ", got '" + *v + "'";
    const std::string near = scenario::detail::nearest(*v, choices);
    if (!near.empty()) message += " (did you mean '" + near + "'?)";
    error(map[key], path.empty() ? key : path + "." + key, message);
    return std::nullopt;
  }

  static std::string shown(const Node& n) {
    switch (n.kind()) {
      case Kind::Scalar:
        return "'" + n.Scalar() + "'";
      case Kind::Sequence:
        return "a list";
      case Kind::Map:
        return "a mapping";
      default:
        return "nothing";
    }
  }

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
};

// A node as one line of flow YAML: the text an override (--set PATH=VALUE) takes.
void flow(const Node& n, std::string& out) {
  switch (n.kind()) {
    case Kind::Scalar: {
      const std::string& s = n.Scalar();
      if (!n.quoted()) {
        out += s;
        return;
      }
      out += '"';
      for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      out += '"';
      return;
    }
    case Kind::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& item : n.items()) {
        if (!first) out += ", ";
        first = false;
        flow(item, out);
      }
      out += ']';
      return;
    }
    case Kind::Map: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : n) {
        if (!first) out += ", ";
        first = false;
        flow(k, out);
        out += ": ";
        flow(v, out);
      }
      out += '}';
      return;
    }
    default:
      out += "~";
      return;
  }
}

std::string flow_text(const Node& n) {
  std::string out;
  flow(n, out);
  return out;
}

void read_values(Reader& rd, const Node& p, const std::string& at, Parameter& param,
                 const SweepLimits& limits) {
  const Node values = p["values"];
  const Node range = p["range"];
  const Node dist = p["distribution"];
  const int given = int(values.IsDefined()) + int(range.IsDefined()) + int(dist.IsDefined());
  if (given != 1) {
    rd.error(p, at,
             given == 0 ? "needs one of 'values', 'range' or 'distribution'"
                        : "give only one of 'values', 'range' and 'distribution'");
    return;
  }
  if (values.IsDefined()) {
    if (!values.IsSequence() || values.size() == 0) {
      rd.error(values, at + ".values", "must be a non-empty list of values");
      return;
    }
    if (values.size() > limits.max_values) {
      rd.error(values, at + ".values",
               "has " + std::to_string(values.size()) + " values; at most " +
                   std::to_string(limits.max_values) + " are allowed");
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const Node v = values[i];
      param.values.push_back(flow_text(v));
      if (!seen.insert(param.values.back()).second) {
        rd.error(v, at + ".values[" + std::to_string(i) + "]",
                 "repeats the value " + param.values.back());
      }
    }
    param.kind = ValueKind::List;
    return;
  }
  if (range.IsDefined()) {
    if (!rd.is_map(range, at + ".range")) return;
    rd.keys(range, at + ".range", kRangeKeys, "a range (first, step, last)");
    const Node first = range["first"], last = range["last"], step = range["step"];
    if (!first.IsDefined() || !last.IsDefined()) {
      rd.error(range, at + ".range", "needs 'first' and 'last' (and 'step' for a list of values)");
      return;
    }
    const auto f = rd.number(first, at + ".range.first");
    const auto l = rd.number(last, at + ".range.last");
    if (!f || !l) return;
    if (*f > *l) {
      rd.error(range, at + ".range",
               "is empty: first " + format_number(*f) + " is above last " + format_number(*l));
      return;
    }
    if (!step.IsDefined()) {
      param.kind = ValueKind::Uniform;
      param.a = *f;
      param.b = *l;
      if (*f == *l)
        rd.error(range, at + ".range",
                 "is a single point: without a step, first must be below last");
      return;
    }
    const auto s = rd.number(step, at + ".range.step");
    if (!s) return;
    if (*s <= 0.0) {
      rd.error(step, at + ".range.step", "must be above 0, got " + format_number(*s));
      return;
    }
    // first, first + step, ... up to last (within a rounding tolerance), as BehaviorSpace does.
    const double count = std::floor((*l - *f) / *s + 1e-9) + 1.0;
    if (count > static_cast<double>(limits.max_values)) {
      rd.error(range, at + ".range",
               "has " + format_number(count) + " values; at most " +
                   std::to_string(limits.max_values) + " are allowed");
      return;
    }
    for (long long i = 0; i < static_cast<long long>(count); ++i) {
      // first + i * step, rounded to 12 significant digits: 0.2 + 2 * 0.2 is 0.6, not
      // 0.6000000000000001, so that outputs can be selected by the value as written.
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.12g", *f + static_cast<double>(i) * *s);
      param.values.push_back(format_number(std::strtod(buf, nullptr)));
    }
    param.kind = ValueKind::List;
    return;
  }
  if (!rd.is_map(dist, at + ".distribution")) return;
  rd.keys(dist, at + ".distribution", kDistributionKeys, "a distribution");
  if (dist.size() != 1) {
    rd.error(dist, at + ".distribution",
             "must name exactly one of " + scenario::detail::join_names(kDistributionKeys));
    return;
  }
  const std::string kind = dist.pairs()[0].first.Scalar();
  const Node args = dist.pairs()[0].second;
  if (std::find(kDistributionKeys.begin(), kDistributionKeys.end(), kind) ==
      kDistributionKeys.end()) {
    return;  // reported by rd.keys above
  }
  const std::string apath = at + ".distribution." + kind;
  const std::size_t want = kind == "triangular" ? 3 : 2;
  const char* form = kind == "uniform"      ? "[low, high]"
                     : kind == "loguniform" ? "[low, high] with 0 < low"
                     : kind == "normal"     ? "[mean, sd]"
                                            : "[low, mode, high]";
  if (!args.IsSequence() || args.size() != want) {
    rd.error(args, apath, std::string("must be a list ") + form);
    return;
  }
  std::vector<double> x;
  for (std::size_t i = 0; i < want; ++i) {
    const auto v = rd.number(args[i], apath + "[" + std::to_string(i) + "]");
    if (!v) return;
    x.push_back(*v);
  }
  if (kind == "uniform" || kind == "loguniform") {
    param.kind = kind == "uniform" ? ValueKind::Uniform : ValueKind::LogUniform;
    param.a = x[0];
    param.b = x[1];
    if (!(x[0] < x[1])) rd.error(args, apath, "is empty: low must be below high");
    if (kind == "loguniform" && !(x[0] > 0.0)) rd.error(args, apath, "low must be above 0");
  } else if (kind == "normal") {
    param.kind = ValueKind::Normal;
    param.a = x[0];
    param.b = x[1];
    if (!(x[1] > 0.0)) rd.error(args[1], apath + "[1]", "sd must be above 0");
  } else {
    param.kind = ValueKind::Triangular;
    param.a = x[0];
    param.c = x[1];
    param.b = x[2];
    if (!(x[0] <= x[1] && x[1] <= x[2] && x[0] < x[2])) {
      rd.error(args, apath, "must satisfy low <= mode <= high and low < high");
    }
  }
}

}  // namespace

std::string format_number(double v) {
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

const char* design_name(DesignType type) {
  switch (type) {
    case DesignType::Grid:
      return "grid";
    case DesignType::LatinHypercube:
      return "latin_hypercube";
    case DesignType::Sobol:
      return "sobol";
    case DesignType::Morris:
      return "morris";
  }
  return "grid";
}

const char* seed_policy_name(SeedPolicy policy) {
  return policy == SeedPolicy::Common ? "common" : "per_member";
}

SweepSpec load_sweep_spec(const std::string& path, const SweepLimits& limits) {
  scenario::Limits text_limits;
  text_limits.max_file_bytes = limits.max_file_bytes;
  const fs::path p(path);
  return load_sweep_spec_text(scenario::detail::read_text(path, text_limits, path), path,
                              p.has_parent_path() ? p.parent_path().string() : ".", limits);
}

SweepSpec load_sweep_spec_text(const std::string& text, const std::string& path,
                               const std::string& base_dir, const SweepLimits& limits) {
  scenario::Limits text_limits;
  text_limits.max_file_bytes = limits.max_file_bytes;
  if (text.size() > limits.max_file_bytes) {
    throw InputError(path + ": the sweep spec is " + std::to_string(text.size()) +
                     " bytes; at most " + std::to_string(limits.max_file_bytes) + " are allowed");
  }
  SweepSpec spec;
  spec.file = path;
  spec.source_text = text;
  const auto file = std::make_shared<const std::string>(path);
  const Node root = scenario::doc::parse(spec.source_text, file, text_limits);
  Reader rd(path);
  if (!root.IsMap()) {
    rd.error(root, "",
             root.IsDefined()
                 ? "a sweep spec must be a mapping (sweep:, scenario:, parameters:, design:, ...)"
                 : "the sweep spec is empty");
    throw InputError(rd.errors());
  }
  rd.keys(root, "", kRootKeys, "a sweep spec");

  if (auto name = rd.text(root, "", "sweep", true)) {
    if (!scenario::detail::is_identifier(*name)) {
      rd.error(root["sweep"], "sweep",
               "must be a name (letters, digits, '_' and '-', starting with a letter)");
    }
    spec.name = *name;
  }
  if (root["description"].IsDefined()) spec.description = root["description"].Scalar();

  const fs::path dir(base_dir);
  if (auto scenario = rd.text(root, "", "scenario", true)) {
    const Node at = root["scenario"];
    const fs::path p(*scenario);
    spec.scenario = p.is_absolute() ? p.string() : (dir / p).lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(spec.scenario, ec)) {
      rd.error(at, "scenario", "the base scenario '" + spec.scenario + "' does not exist");
    }
  }

  if (const Node set = root["set"]; set.IsDefined()) {
    if (rd.is_map(set, "set")) {
      for (const auto& [k, v] : set) {
        scenario::Override o;
        o.path = k.Scalar();
        o.value = flow_text(v);
        o.label = path + ":" + std::to_string(k.line()) + ":" + std::to_string(k.column()) +
                  ": set." + o.path;
        try {
          (void)scenario::parse_path(o.path, o.label);
        } catch (const InputError& e) {
          rd.error(k, "set." + o.path,
                   "is not a scenario path: " + e.diagnostics().front().message);
          continue;
        }
        spec.fixed.push_back(std::move(o));
      }
    }
  }

  const Node params = root["parameters"];
  if (!params.IsDefined()) {
    rd.error(root, "parameters", "missing required key 'parameters'");
  } else if (!params.IsSequence() || params.size() == 0) {
    rd.error(params, "parameters", "must be a non-empty list of parameters");
  } else if (params.size() > limits.max_parameters) {
    rd.error(params, "parameters",
             "has " + std::to_string(params.size()) + " parameters; at most " +
                 std::to_string(limits.max_parameters) + " are allowed");
  } else {
    std::set<std::string> names, paths;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Node p = params[i];
      const std::string at = "parameters[" + std::to_string(i) + "]";
      if (!rd.is_map(p, at)) continue;
      rd.keys(p, at, kParameterKeys, "a parameter");
      Parameter param;
      param.line = p.line();
      param.column = p.column();
      if (auto name = rd.text(p, at, "name", true)) {
        param.name = *name;
        static const std::set<std::string> reserved = {"member", "replicate", "time",     "region",
                                                       "actor",  "seed",      "parameter"};
        if (!scenario::detail::is_identifier(*name)) {
          rd.error(p["name"], at + ".name",
                   "must be a name (letters, digits, '_' and '-', starting with a letter)");
        } else if (reserved.count(*name)) {
          rd.error(p["name"], at + ".name",
                   "'" + *name + "' names a dimension of the output; choose another name");
        } else if (!names.insert(*name).second) {
          rd.error(p["name"], at + ".name", "repeats the parameter name '" + *name + "'");
        }
      }
      const Node listed = p["values"];
      const bool sets_paths = !p["path"].IsDefined() && listed.IsSequence() && listed.size() > 0 &&
                              std::all_of(listed.items().begin(), listed.items().end(),
                                          [](const Node& v) { return v.IsMap(); });
      if (sets_paths) {
        // Each value is a mapping of scenario paths to values: one factor that sets several
        // paths together (a scenario variant).
        for (std::size_t k = 0; k < listed.size(); ++k) {
          std::vector<scenario::Override> set;
          for (const auto& [key, value] : listed[k]) {
            scenario::Override o;
            o.path = key.Scalar();
            o.value = flow_text(value);
            try {
              (void)scenario::parse_path(o.path, path);
            } catch (const InputError& e) {
              rd.error(key, at + ".values[" + std::to_string(k) + "]." + o.path,
                       "is not a scenario path: " + e.diagnostics().front().message);
            }
            set.push_back(std::move(o));
          }
          if (set.empty())
            rd.error(listed[k], at + ".values[" + std::to_string(k) + "]", "sets no path");
          param.value_sets.push_back(std::move(set));
        }
      } else if (auto ppath = rd.text(p, at, "path", true)) {
        param.path = *ppath;
        try {
          (void)scenario::parse_path(*ppath, path);
          if (!paths.insert(*ppath).second)
            rd.error(p["path"], at + ".path", "another parameter already sets '" + *ppath + "'");
        } catch (const InputError& e) {
          rd.error(p["path"], at + ".path",
                   "is not a scenario path: " + e.diagnostics().front().message);
        }
      }
      read_values(rd, p, at, param, limits);
      if (const Node labels = p["labels"]; labels.IsDefined()) {
        if (param.kind != ValueKind::List || !labels.IsSequence() ||
            labels.size() != param.values.size()) {
          rd.error(labels, at + ".labels",
                   "must be a list with one label per value of 'values' or 'range'");
        } else {
          for (const auto& l : labels.items()) {
            param.labels.push_back(l.IsScalar() ? l.Scalar() : flow_text(l));
          }
          param.labelled = true;
        }
      }
      if (param.labels.empty()) param.labels = param.values;
      if (auto integer = rd.boolean(p, at, "integer")) param.integer = *integer;
      spec.parameters.push_back(std::move(param));
    }
  }

  const Node design = root["design"];
  if (!design.IsDefined()) {
    rd.error(root, "design",
             "missing required key 'design' (type: grid, latin_hypercube, sobol or morris)");
  } else if (rd.is_map(design, "design")) {
    spec.design_at = {"", design.line(), design.column()};
    rd.keys(design, "design", kDesignKeys, "a design");
    if (!design["type"].IsDefined())
      rd.error(design, "design.type",
               "missing required key 'type' (grid, latin_hypercube, sobol or morris)");
    const auto type = rd.choice(design, "design", "type", kDesignTypes);
    if (type == "grid") spec.design = DesignType::Grid;
    if (type == "latin_hypercube") spec.design = DesignType::LatinHypercube;
    if (type == "sobol") spec.design = DesignType::Sobol;
    if (type == "morris") spec.design = DesignType::Morris;
    const auto samples = rd.integer(design, "design", "samples", 1, limits.max_members);
    if (samples) spec.samples = *samples;
    if (auto so = rd.boolean(design, "design", "second_order")) spec.second_order = *so;
    if (auto lv = rd.integer(design, "design", "levels", 2, 1000))
      spec.levels = static_cast<int>(*lv);
    if (auto seed = rd.seed(design, "design", "seed")) {
      spec.design_seed = *seed;
    }
    if (type) {
      const Node at = design["samples"].IsDefined() ? design["samples"] : design;
      if (spec.design == DesignType::Grid) {
        if (design["samples"].IsDefined())
          rd.error(design["samples"], "design.samples",
                   "a grid has no 'samples': its members are every combination of the values");
        for (const auto& p : spec.parameters) {
          if (p.kind != ValueKind::List) {
            rd.error(design["type"], "design.type",
                     "a grid needs a list of values for every parameter; '" + p.name +
                         "' has a distribution (give 'values' or a 'range' with a 'step')");
          }
        }
      } else if (!samples && !design["samples"].IsDefined()) {
        rd.error(design, "design.samples",
                 std::string("a ") + design_name(spec.design) + " design needs 'samples'");
      } else if (samples && spec.design == DesignType::Sobol && (*samples & (*samples - 1)) != 0) {
        long long lo = 1;
        while (lo * 2 <= *samples) lo *= 2;
        rd.error(at, "design.samples",
                 "a Sobol design needs a power of two (as SALib's Saltelli scheme does), got " +
                     std::to_string(*samples) + " (nearest: " + std::to_string(lo) + " or " +
                     std::to_string(lo * 2) + ")");
      }
      if (spec.design == DesignType::Morris && spec.levels % 2 != 0) {
        rd.error(design["levels"], "design.levels",
                 "Morris levels must be even, got " + std::to_string(spec.levels));
      }
      if (spec.design != DesignType::Sobol && design["second_order"].IsDefined()) {
        rd.error(design["second_order"], "design.second_order",
                 "only a Sobol design has second-order indices");
      }
      if (spec.design != DesignType::Morris && design["levels"].IsDefined()) {
        rd.error(design["levels"], "design.levels", "only a Morris design has levels");
      }
    }
  }

  if (auto r = rd.integer(root, "", "replicates", 1, 1000000))
    spec.replicates = static_cast<int>(*r);
  if (auto s = rd.seed(root, "", "seed")) spec.seed = *s;
  if (auto p = rd.choice(root, "", "seed_policy", kSeedPolicies)) {
    spec.seed_policy = *p == "common" ? SeedPolicy::Common : SeedPolicy::PerMember;
  }
  if (auto s = rd.integer(root, "", "steps", 1, 100000)) spec.steps = static_cast<int>(*s);
  if (auto m = rd.integer(root, "", "members_per_task", 1, limits.max_members))
    spec.members_per_task = static_cast<int>(*m);

  if (const Node rec = root["record"]; rec.IsDefined() && rd.is_map(rec, "record")) {
    rd.keys(rec, "record", kRecordKeys, "record");
    if (const Node f = rec["fields"]; f.IsDefined()) {
      spec.fields.clear();
      if (!f.IsSequence()) {
        rd.error(f, "record.fields",
                 "must be a list of fields (" + scenario::detail::join_names(kFields) +
                     "), possibly empty");
      } else {
        for (std::size_t i = 0; i < f.size(); ++i) {
          const std::string& v = f[i].Scalar();
          if (std::find(kFields.begin(), kFields.end(), v) == kFields.end()) {
            std::string message =
                "unknown field '" + v + "'; fields: " + scenario::detail::join_names(kFields);
            const std::string near = scenario::detail::nearest(v, kFields);
            if (!near.empty()) message += " (did you mean '" + near + "'?)";
            rd.error(f[i], "record.fields[" + std::to_string(i) + "]", message);
          } else if (std::find(spec.fields.begin(), spec.fields.end(), v) != spec.fields.end()) {
            rd.error(f[i], "record.fields[" + std::to_string(i) + "]",
                     "repeats the field '" + v + "'");
          } else {
            spec.fields.push_back(v);
          }
        }
      }
    }
    if (auto i = rd.integer(rec, "record", "interval", 1, 100000))
      spec.interval = static_cast<int>(*i);
    if (auto d = rd.integer(rec, "record", "deflate", 0, 9)) spec.deflate = static_cast<int>(*d);
  }

  if (const Node out = root["outputs"]; out.IsDefined()) {
    if (!out.IsSequence() || out.size() == 0) {
      rd.error(out, "outputs", "must be a non-empty list of output variables");
    } else {
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (!out[i].IsScalar()) {
          rd.error(out[i], "outputs[" + std::to_string(i) + "]", "must be a variable name");
          continue;
        }
        spec.outputs.push_back({out[i].Scalar(), out[i].line(), out[i].column()});
      }
    }
  } else {
    for (const auto& v : schema::default_sweep_outputs()) spec.outputs.push_back({v, 0, 0});
    for (const auto& f : spec.fields) spec.outputs.push_back({f, 0, 0});
  }

  if (!rd.ok()) throw InputError(rd.errors());
  return spec;
}

}  // namespace powershift::sweep
