// Scenario loader (docs/scenarios.md). Composes the document (document.cpp, compose.cpp: YAML,
// `extends`, `--set`), checks every key against the language table (language.cpp), resolves names
// to indices and validates ranges and references, collecting all errors.
#include "powershift/scenario/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "powershift/model/seed.hpp"
#include "powershift/scenario/compose.hpp"
#include "powershift/scenario/document.hpp"
#include "powershift/scenario/language.hpp"

#ifndef POWERSHIFT_SCENARIO_DIR
#define POWERSHIFT_SCENARIO_DIR "scenarios"
#endif

namespace powershift::scenario {

namespace {

namespace lang = language;
using detail::is_identifier;
using detail::join_names;
using detail::nearest;
using doc::Node;

const lang::Section& S(std::string_view id) {
  return lang::section(id);
}

// The key `name` of a section; a loader asking for a key the table lacks is a bug.
const lang::Key& key_of(const lang::Section& s, const char* name) {
  const lang::Key* k = s.find(name);
  if (k == nullptr) {
    throw std::logic_error(std::string("powershift: key '") + name + "' of section '" + s.id +
                           "' is not in the language table");
  }
  return *k;
}

class Reader {
 public:
  Reader(std::string file, const Limits& limits) : file_(std::move(file)), limits_(limits) {}

  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  void error(const Node& at, const std::string& path, const std::string& msg) {
    errors.push_back(make(at, path, msg, false));
  }
  void warn(const Node& at, const std::string& path, const std::string& msg) {
    warnings.push_back(make(at, path, msg, true));
  }

  // Checks a mapping's keys: duplicates and unknown keys (with the nearest valid one).
  bool check_map(const Node& node, const std::string& path, std::vector<std::string> allowed) {
    if (!node.IsMap()) {
      error(node, path, "expected a mapping, got " + kind(node));
      return false;
    }
    allowed.emplace_back("source");
    allowed.emplace_back("note");
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        error(kv.first, path, "keys must be plain strings");
        continue;
      }
      const auto key = kv.first.Scalar();
      const auto field = child(path, key);
      if (!seen.insert(key).second) error(kv.first, field, "duplicate key '" + key + "'");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const auto near = nearest(key, allowed);
        error(kv.first, field,
              "unknown key '" + key + "'" +
                  (near.empty() ? "; valid keys: " + join_names(allowed)
                                : "; did you mean '" + near + "'?"));
      } else if ((key == "source" || key == "note") && !kv.second.IsScalar()) {
        error(kv.second, field, "must be a string");
      }
    }
    return true;
  }
  bool check_map(const Node& node, const std::string& path, const lang::Section& section) {
    return check_map(node, path, section.names());
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  // Numbers: finite, in [lo, hi]. Returns false (and reports) on a problem.
  bool number(const Node& node, const std::string& path, double& out, double lo, double hi,
              bool lo_open = false) {
    if (!node.IsScalar()) {
      error(node, path, "expected a number, got " + kind(node));
      return false;
    }
    const std::string& text = node.Scalar();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    // YAML's spellings of infinity and NaN in any case, with or without a sign.
    std::string bare =
        (!text.empty() && (text[0] == '+' || text[0] == '-')) ? text.substr(1) : text;
    std::transform(bare.begin(), bare.end(), bare.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const bool special = bare == ".nan" || bare == ".inf";
    if (special) {
      error(node, path, "must be a finite number, got " + text);
      return false;
    }
    if (text.empty() || end == text.c_str() || *end != '\0' ||
        text.find_first_of("xXpP") != std::string::npos) {
      error(node, path, "expected a number, got '" + text + "'");
      return false;
    }
    if (!std::isfinite(v)) {
      error(node, path, "must be a finite number, got " + text);
      return false;
    }
    if (v < lo || v > hi || (lo_open && v == lo)) {
      std::ostringstream os;
      os << "must be " << (lo_open ? "> " : ">= ") << lo;
      if (hi < std::numeric_limits<double>::max()) os << " and <= " << hi;
      os << ", got " << text;
      error(node, path, os.str());
      return false;
    }
    out = v;
    return true;
  }

  bool integer(const Node& node, const std::string& path, long long& out, long long lo,
               long long hi) {
    if (!node.IsScalar()) {
      error(node, path, "expected an integer, got " + kind(node));
      return false;
    }
    const std::string& text = node.Scalar();
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) {
      error(node, path, "expected an integer, got '" + text + "'");
      return false;
    }
    if (v < lo || v > hi) {
      error(
          node, path,
          "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text);
      return false;
    }
    out = v;
    return true;
  }

  bool boolean(const Node& node, const std::string& path, bool& out) {
    if (node.IsScalar()) {
      const auto& t = node.Scalar();
      if (t == "true" || t == "True" || t == "TRUE") return out = true, true;
      if (t == "false" || t == "False" || t == "FALSE") return out = false, true;
    }
    error(node, path, "expected true or false");
    return false;
  }

  bool string(const Node& node, const std::string& path, std::string& out) {
    if (!node.IsScalar()) {
      error(node, path, "expected a string, got " + kind(node));
      return false;
    }
    out = node.Scalar();
    return true;
  }

  bool name(const Node& node, const std::string& path, std::string& out) {
    if (!string(node, path, out)) return false;
    if (!is_identifier(out)) {
      error(node, path,
            "'" + out +
                "' is not a valid name (letters, digits, '_' and '-', starting with a "
                "letter, at most 64 characters)");
      return false;
    }
    // Keys with a meaning of their own in the mappings that are keyed by names.
    if (out == "source" || out == "note" || out == "default") {
      error(node, path,
            "'" + out + "' is reserved (it is a key of the language); choose another name");
      return false;
    }
    return true;
  }

  // Reference to a named entity.
  int ref(const Node& node, const std::string& path,
          const std::unordered_map<std::string, int>& names, const std::string& what) {
    std::string s;
    if (!string(node, path, s)) return -1;
    const auto it = names.find(s);
    if (it == names.end()) {
      std::vector<std::string> options;
      options.reserve(names.size());
      for (const auto& kv : names) options.push_back(kv.first);
      std::sort(options.begin(), options.end());
      const auto near = nearest(s, options);
      error(node, path,
            "unknown " + what + " '" + s + "'" +
                (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
      return -1;
    }
    return it->second;
  }

  static std::string kind(const Node& n) {
    switch (n.kind()) {
      case doc::Kind::Null:
        return "nothing (null)";
      case doc::Kind::Scalar:
        return "'" + n.Scalar() + "'";
      case doc::Kind::Sequence:
        return "a list";
      case doc::Kind::Map:
        return "a mapping";
      case doc::Kind::Undefined:
        break;
    }
    return "an undefined value";
  }

  const std::string& file() const { return file_; }
  const Limits& limits() const { return limits_; }

 private:
  Diagnostic make(const Node& at, const std::string& path, const std::string& msg,
                  bool warning) const {
    Diagnostic d = detail::located(at, file_, path, msg);
    d.warning = warning;
    return d;
  }

  std::string file_;
  const Limits& limits_;
};

// Whether a key is required: as the language table says, or decided by the caller where it
// depends on other keys (lat/lon of on-map regions, scope/pace_days without a schedule).
enum class Need { Table, Yes, No };

// Reads `key` of `map` into out if present; reports if required and absent.
template <class Fn>
void field(Reader& rd, const Node& map, const std::string& path, const char* key, bool required,
           Fn&& fn) {
  const Node n = map[key];
  if (!n.IsDefined() || (n.IsNull() && !required)) {
    if (required)
      rd.error(map, Reader::child(path, key), "required key '" + std::string(key) + "' is missing");
    return;
  }
  fn(n, Reader::child(path, key));
}

bool needed(const lang::Key& k, Need need) {
  return need == Need::Table ? k.required : need == Need::Yes;
}

// A number with the range of the language table; `hi` overrides the table's maximum where it
// depends on the scenario (event days within the horizon).
void num(Reader& rd, const lang::Section& sec, const Node& map, const std::string& path,
         const char* key, double& out, Need need = Need::Table,
         double hi = std::numeric_limits<double>::quiet_NaN()) {
  const lang::Key& k = key_of(sec, key);
  const double max = std::isnan(hi) ? k.maximum : hi;
  field(rd, map, path, key, needed(k, need), [&](const Node& n, const std::string& p) {
    rd.number(n, p, out, k.minimum, max, k.exclusive_minimum);
  });
}

// An integer with the range of the language table; `hi` overrides the maximum (run limits).
void integer(Reader& rd, const lang::Section& sec, const Node& map, const std::string& path,
             const char* key, int& out, long long hi = std::numeric_limits<long long>::min()) {
  const lang::Key& k = key_of(sec, key);
  const long long max = hi == std::numeric_limits<long long>::min() ? k.int_maximum : hi;
  field(rd, map, path, key, k.required, [&](const Node& n, const std::string& p) {
    long long v = 0;
    if (rd.integer(n, p, v, k.int_minimum, max)) out = static_cast<int>(v);
  });
}

void flag(Reader& rd, const lang::Section& sec, const Node& map, const std::string& path,
          const char* key, bool& out) {
  const lang::Key& k = key_of(sec, key);
  field(rd, map, path, key, k.required,
        [&](const Node& n, const std::string& p) { rd.boolean(n, p, out); });
}

// One of the key's choices (language table); "" when absent or not one of them. `quote`: quote
// the choices in the message (as the messages have always read for law and kind).
std::string choice(Reader& rd, const lang::Section& sec, const Node& map, const std::string& path,
                   const char* key, bool quote) {
  const lang::Key& k = key_of(sec, key);
  std::string out;
  field(rd, map, path, key, k.required, [&](const Node& n, const std::string& p) {
    std::string s;
    if (!rd.string(n, p, s)) return;
    const auto it = std::find(k.choices.begin(), k.choices.end(), s);
    if (it != k.choices.end()) {
      out = s;
      return;
    }
    std::string options;
    for (std::size_t i = 0; i < k.choices.size(); ++i) {
      options += (i == 0                      ? ""
                  : i + 1 == k.choices.size() ? " or "
                                              : ", ") +
                 (quote ? "'" + k.choices[i] + "'" : k.choices[i]);
    }
    rd.error(n, p, "must be " + options + ", got '" + s + "'");
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

class ScenarioParser {
 public:
  // `horizon_overridden`: run.steps was set by an override (--set, Python overrides); event days
  // past the shortened horizon are then accepted, as `--steps` and `steps=` accept them.
  ScenarioParser(Reader& rd, ScenarioSpec& spec, bool horizon_overridden = false)
      : rd_(rd), spec_(spec), horizon_overridden_(horizon_overridden) {}

  void parse(const Node& root) {
    if (!rd_.check_map(root, "", S("root"))) return;
    field(rd_, root, "", "name", true,
          [&](const Node& n, const std::string& p) { rd_.name(n, p, spec_.name); });
    field(rd_, root, "", "description", false,
          [&](const Node& n, const std::string& p) { rd_.string(n, p, spec_.description); });
    spec_.run.max_units = rd_.limits().max_units;
    // A list over its limit is the one error reported: what refers to its entries would only
    // cascade (5,001 regions: one error, not one per edge and force).
    parse_run(root["run"]);
    if (over_limit_) return;
    parse_model(root["model"]);
    if (over_limit_) return;
    parse_regions(root);
    if (over_limit_) return;
    parse_unit_types(root);
    if (over_limit_) return;
    collect_actor_names(root);
    if (over_limit_) return;
    parse_edges(root["edges"]);
    if (over_limit_) return;
    parse_exits(root["exits"]);
    if (over_limit_) return;
    parse_actors(root["actors"]);
    if (over_limit_) return;
    parse_relations(root["relations"]);
    if (over_limit_) return;
    parse_sponsors(root["sponsors"]);
    if (over_limit_) return;
    parse_garrisons(root["garrisons"]);
    if (over_limit_) return;
    parse_events(root["events"]);
    if (over_limit_) return;
    parse_outputs(root["outputs"]);
    if (over_limit_) return;
    if (rd_.errors.empty()) check_whole(root);
  }

 private:
  void parse_run(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string p = "run";
    const auto& sec = S("run");
    if (!rd_.check_map(n, p, sec)) return;
    auto& r = spec_.run;
    integer(rd_, sec, n, p, "steps", r.steps, rd_.limits().max_steps);
    num(rd_, sec, n, p, "dt", r.dt);
    field(rd_, n, p, "start_date", false, [&](const Node& v, const std::string& fp) {
      std::string s;
      if (!rd_.string(v, fp, s)) return;
      int y = 0, m = 0, d = 0;
      char tail = 0;
      const bool digits = s.size() == 10 && s[4] == '-' && s[7] == '-' &&
                          std::all_of(s.begin(), s.end(), [](char ch) {
                            return ch == '-' || std::isdigit(static_cast<unsigned char>(ch));
                          });
      const bool shaped = digits && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3;
      const std::chrono::year_month_day ymd{std::chrono::year{y},
                                            std::chrono::month{static_cast<unsigned>(m)},
                                            std::chrono::day{static_cast<unsigned>(d)}};
      if (!shaped || !ymd.ok() || y < 1) {
        rd_.error(v, fp, "expected a calendar date YYYY-MM-DD, got '" + s + "'");
        return;
      }
      r.start_date = s;
    });
    field(rd_, n, p, "seed", false, [&](const Node& v, const std::string& fp) {
      const auto s = v.IsScalar() ? parse_seed(v.Scalar()) : std::nullopt;
      if (!s) {
        const std::string text = v.IsScalar() ? v.Scalar() : std::string();
        const bool negative = text.size() > 1 && text[0] == '-' &&
                              text.find_first_not_of("0123456789", 1) == std::string::npos;
        if (negative) {
          rd_.error(v, fp,
                    "must be between 0 and 18446744073709551615 (unsigned 64-bit), got " + text);
        } else {
          rd_.error(v, fp,
                    (v.IsScalar() ? "expected an integer, got '" + text + "'"
                                  : std::string("expected an integer")) +
                        " (a seed is " + kSeedRange + ")");
        }
        return;
      }
      r.seed = *s;
    });
    integer(rd_, sec, n, p, "replicates", r.replicates, rd_.limits().max_replicates);
    num(rd_, sec, n, p, "unit_size", r.unit_size);
  }

  void parse_model(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string p = "model";
    if (!rd_.check_map(n, p, S("model"))) return;
    auto& m = spec_.params;
    auto section = [&](const char* key, auto&& body) {
      const Node s = n[key];
      if (!s.IsDefined() || s.IsNull()) return;
      const std::string sp = Reader::child(p, key);
      const auto& sec = S(sp);
      if (rd_.check_map(s, sp, sec)) body(sec, s, sp);
    };
    section("combat", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& c = m.combat;
      num(rd_, sec, s, sp, "alpha", c.alpha);
      num(rd_, sec, s, sp, "intensity", c.intensity);
      num(rd_, sec, s, sp, "s_ref", c.s_ref);
      num(rd_, sec, s, sp, "noise", c.noise);
      num(rd_, sec, s, sp, "fight_threshold", c.fight_threshold);
      num(rd_, sec, s, sp, "fight_full", c.fight_full);
      num(rd_, sec, s, sp, "accept", c.accept);
      num(rd_, sec, s, sp, "leak", c.leak);
    });
    section("control", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& c = m.control;
      num(rd_, sec, s, sp, "gamma", c.gamma);
      num(rd_, sec, s, sp, "theta", c.theta);
      num(rd_, sec, s, sp, "zeta", c.zeta);
      num(rd_, sec, s, sp, "sigma", c.sigma);
      num(rd_, sec, s, sp, "zeta_support", c.zeta_support);
      num(rd_, sec, s, sp, "harm", c.harm);
      num(rd_, sec, s, sp, "alliance_threshold", c.alliance_threshold);
    });
    section("decide", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& d = m.decide;
      num(rd_, sec, s, sp, "h_ref", d.h_ref);
      integer(rd_, sec, s, sp, "max_exchanges", d.max_exchanges);
      num(rd_, sec, s, sp, "move_cost", d.move_cost);
      num(rd_, sec, s, sp, "beta_scale", d.beta_scale);
      num(rd_, sec, s, sp, "k_cost", d.k_cost);
      num(rd_, sec, s, sp, "k_risk", d.k_risk);
    });
    section("morale", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& o = m.morale;
      num(rd_, sec, s, sp, "kappa", o.kappa);
      num(rd_, sec, s, sp, "recovery", o.recovery);
      num(rd_, sec, s, sp, "break_threshold", o.break_threshold);
      num(rd_, sec, s, sp, "p_retreat", o.p_retreat);
      num(rd_, sec, s, sp, "p_disband", o.p_disband);
      if (o.p_retreat + o.p_disband > 1.0 + 1e-12) {
        rd_.error(s, sp, "p_retreat + p_disband must be <= 1");
      }
    });
    section("economy", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& e = m.economy;
      num(rd_, sec, s, sp, "budget_days", e.budget_days);
      num(rd_, sec, s, sp, "d_ref", e.d_ref);
      num(rd_, sec, s, sp, "territory_fraction", e.territory_fraction);
      num(rd_, sec, s, sp, "tau_budget", e.tau_budget);
      // Positive but so small that a step's upkeep or spending cannot be a finite number.
      if (!std::isfinite(1.0 / e.d_ref)) {
        rd_.error(s["d_ref"], Reader::child(sp, "d_ref"),
                  "too small: 1 / d_ref overflows, so upkeep away from home cannot be finite");
      }
      if (!std::isfinite(spec_.run.dt / e.tau_budget)) {
        rd_.error(s["tau_budget"], Reader::child(sp, "tau_budget"),
                  "too small: run.dt / tau_budget overflows, so spending cannot be finite");
      }
      num(rd_, sec, s, sp, "recruit_rate", e.recruit_rate);
      num(rd_, sec, s, sp, "recruit_cost", e.recruit_cost);
      num(rd_, sec, s, sp, "demob_rate", e.demob_rate);
    });
    section("relations", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      flag(rd_, sec, s, sp, "enabled", m.relations.enabled);
      num(rd_, sec, s, sp, "threat_rate", m.relations.threat_rate);
      num(rd_, sec, s, sp, "clash_rate", m.relations.clash_rate);
    });
    section("air", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      num(rd_, sec, s, sp, "ad_ref", m.air.ad_ref);
    });
    section("value_weights", [&](const lang::Section& sec, const Node& s, const std::string& sp) {
      auto& v = m.value_weights;
      num(rd_, sec, s, sp, "capital", v.capital);
      num(rd_, sec, s, sp, "port", v.port);
      num(rd_, sec, s, sp, "airbase", v.airbase);
      num(rd_, sec, s, sp, "oil", v.oil);
      num(rd_, sec, s, sp, "border", v.border);
    });
  }

  bool list(const Node& n, const std::string& path, bool required, std::size_t max) {
    if (!n.IsDefined() || n.IsNull()) {
      if (required)
        rd_.error(n.IsDefined() ? n : Node(), path, "required list is missing or empty");
      return false;
    }
    if (!n.IsSequence()) {
      rd_.error(n, path, "expected a list, got " + Reader::kind(n));
      return false;
    }
    if (n.size() > max) {
      rd_.error(
          n, path,
          "too many entries: " + std::to_string(n.size()) + " (limit " + std::to_string(max) + ")");
      over_limit_ = true;
      return false;
    }
    if (required && n.size() == 0) {
      rd_.error(n, path, "must not be empty");
      return false;
    }
    return true;
  }

  void parse_regions(const Node& root) {
    const Node n = root["regions"];
    if (!n.IsDefined()) {
      rd_.error(root, "regions", "required key 'regions' is missing");
      return;
    }
    if (!list(n, "regions", true, static_cast<std::size_t>(rd_.limits().max_regions))) return;
    const auto& sec = S("region");
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node r = n[i];
      const std::string p = Reader::index("regions", i);
      RegionSpec reg;
      if (!rd_.check_map(r, p, sec)) {
        spec_.regions.push_back(reg);
        continue;
      }
      field(rd_, r, p, "name", true, [&](const Node& v, const std::string& fp) {
        if (rd_.name(v, fp, reg.name) &&
            !region_ix_.emplace(reg.name, static_cast<int>(i)).second) {
          rd_.error(v, fp, "duplicate region name '" + reg.name + "'");
        }
      });
      flag(rd_, sec, r, p, "offmap", reg.offmap);
      num(rd_, sec, r, p, "lat", reg.lat, reg.offmap ? Need::No : Need::Yes);
      num(rd_, sec, r, p, "lon", reg.lon, reg.offmap ? Need::No : Need::Yes);
      num(rd_, sec, r, p, "population", reg.population);
      num(rd_, sec, r, p, "terrain", reg.terrain);
      num(rd_, sec, r, p, "site_need", reg.site_need);
      field(rd_, r, p, "value", false, [&](const Node& v, const std::string& fp) {
        const auto& vsec = S("region.value");
        if (!rd_.check_map(v, fp, vsec)) return;
        const char* comps[] = {"capital", "port", "airbase", "oil", "border"};
        for (int c = 0; c < kValueComponents; ++c) num(rd_, vsec, v, fp, comps[c], reg.value[c]);
      });
      spec_.regions.push_back(reg);
      region_nodes_.push_back(r);
    }
  }

  void parse_unit_types(const Node& root) {
    const Node n = root["unit_types"];
    if (!n.IsDefined() || n.IsNull()) {
      rd_.error(root, "unit_types", "required key 'unit_types' is missing");
      return;
    }
    if (!n.IsMap()) {
      rd_.error(n, "unit_types", "expected a mapping of type name to properties");
      return;
    }
    if (n.size() > static_cast<std::size_t>(rd_.limits().max_unit_types)) {
      rd_.error(n, "unit_types",
                "too many unit types (limit " + std::to_string(rd_.limits().max_unit_types) + ")");
      return;
    }
    const auto& sec = S("unit_type");
    for (const auto& kv : n) {
      UnitTypeSpec t;
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string p = Reader::child("unit_types", key);
      if (annotation(kv, p)) continue;
      if (!rd_.name(kv.first, p, t.name)) continue;
      if (!type_ix_.emplace(t.name, static_cast<int>(spec_.unit_types.size())).second) {
        rd_.error(kv.first, p, "duplicate unit type '" + t.name + "'");
        continue;
      }
      const Node v = kv.second;
      if (rd_.check_map(v, p, sec)) {
        num(rd_, sec, v, p, "attack", t.attack);
        num(rd_, sec, v, p, "defence", t.defence);
        num(rd_, sec, v, p, "lambda_km", t.lambda_km);
        num(rd_, sec, v, p, "range_km", t.range_km);
        num(rd_, sec, v, p, "speed_km_day", t.speed_km_day);
        num(rd_, sec, v, p, "upkeep", t.upkeep);
        flag(rd_, sec, v, p, "holds_ground", t.holds_ground);
        flag(rd_, sec, v, p, "declines", t.declines);
        num(rd_, sec, v, p, "sorties", t.sorties);
        num(rd_, sec, v, p, "air_defence", t.air_defence);
        const std::string law = choice(rd_, sec, v, p, "law", true);
        if (law == "square")
          t.law = AttritionLaw::Square;
        else if (law == "linear")
          t.law = AttritionLaw::Linear;
      }
      spec_.unit_types.push_back(t);
    }
    if (spec_.unit_types.empty()) rd_.error(n, "unit_types", "must define at least one unit type");
  }

  void collect_actor_names(const Node& root) {
    const Node n = root["actors"];
    if (!n.IsDefined() || n.IsNull()) {
      rd_.error(root, "actors", "required key 'actors' is missing");
      return;
    }
    if (!n.IsMap()) {
      rd_.error(n, "actors", "expected a mapping of actor name to properties");
      return;
    }
    if (n.size() > static_cast<std::size_t>(rd_.limits().max_actors)) {
      rd_.error(n, "actors",
                "too many actors (limit " + std::to_string(rd_.limits().max_actors) + ")");
      return;
    }
    for (const auto& kv : n) {
      std::string name;
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (lang::is_annotation(key)) continue;  // checked in parse_actors
      if (!rd_.name(kv.first, Reader::child("actors", key), name)) continue;
      if (!actor_ix_.emplace(name, static_cast<int>(actor_ix_.size())).second) {
        rd_.error(kv.first, Reader::child("actors", key), "duplicate actor '" + name + "'");
      }
    }
    if (actor_ix_.empty()) rd_.error(n, "actors", "must define at least one actor");
  }

  // A `source` or `note` entry in a mapping of names (actors, unit types): skipped, but it must
  // be a string.
  bool annotation(const std::pair<Node, Node>& kv, const std::string& p) {
    if (!kv.first.IsScalar() || !lang::is_annotation(kv.first.Scalar())) return false;
    if (!kv.second.IsScalar()) rd_.error(kv.second, p, "must be a string");
    return true;
  }

  int region(const Node& n, const std::string& p) { return rd_.ref(n, p, region_ix_, "region"); }
  int actor(const Node& n, const std::string& p) { return rd_.ref(n, p, actor_ix_, "actor"); }
  int type(const Node& n, const std::string& p) { return rd_.ref(n, p, type_ix_, "unit type"); }
  bool onmap(int r) const {
    return r >= 0 && r < static_cast<int>(spec_.regions.size()) && !spec_.regions[r].offmap;
  }

  void parse_edges(const Node& n) {
    if (!list(n, "edges", false, 1u << 22)) return;
    const auto& sec = S("edge");
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("edges", i);
      if (!rd_.check_map(e, p, sec)) continue;
      EdgeSpec edge;
      field(rd_, e, p, "a", true,
            [&](const Node& v, const std::string& fp) { edge.a = region(v, fp); });
      field(rd_, e, p, "b", true,
            [&](const Node& v, const std::string& fp) { edge.b = region(v, fp); });
      num(rd_, sec, e, p, "km", edge.km);
      if (edge.a < 0 || edge.b < 0) continue;
      if (edge.a == edge.b)
        rd_.error(e, p, "an edge must join two different regions");
      else if (!onmap(edge.a) || !onmap(edge.b))
        rd_.error(e, p, "edges join on-map regions; use 'exits' to reach an off-map region");
      else if (!seen.emplace(std::min(edge.a, edge.b), std::max(edge.a, edge.b)).second)
        rd_.error(e, p, "duplicate edge");
      else
        spec_.edges.push_back(edge);
    }
  }

  void parse_exits(const Node& n) {
    if (!list(n, "exits", false, 1u << 16)) return;
    const auto& sec = S("exit");
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("exits", i);
      if (!rd_.check_map(e, p, sec)) continue;
      ExitSpec x;
      field(rd_, e, p, "from", true, [&](const Node& v, const std::string& fp) {
        x.from = region(v, fp);
        if (x.from >= 0 && !onmap(x.from)) rd_.error(v, fp, "an exit starts in an on-map region");
      });
      field(rd_, e, p, "to", true, [&](const Node& v, const std::string& fp) {
        x.to = region(v, fp);
        if (x.to >= 0 && onmap(x.to))
          rd_.error(v, fp, "an exit leads to an off-map region (set offmap: true on it)");
      });
      num(rd_, sec, e, p, "capacity", x.capacity);
      num(rd_, sec, e, p, "km", x.km);
      x.mode = choice(rd_, sec, e, p, "mode", false);
      if (x.from >= 0 && x.to >= 0) spec_.exits.push_back(x);
    }
  }

  // region -> number mapping (salience, control, support), with optional `default`.
  void region_values(const Node& n, const std::string& p, std::vector<double>& out,
                     const lang::Key& k) {
    const bool allow_default = k.allow_default;
    if (!n.IsMap()) {
      rd_.error(n, p, "expected a mapping of region to value, got " + Reader::kind(n));
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string fp = Reader::child(p, key);
      if (!seen.insert(key).second) {
        rd_.error(kv.first, fp, "duplicate key '" + key + "'");
        continue;
      }
      if (key == "source" || key == "note") continue;
      double v = 0.0;
      if (allow_default && key == "default") {
        if (rd_.number(kv.second, fp, v, k.minimum, k.maximum)) {
          for (std::size_t r = 0; r < out.size(); ++r) {
            if (!n[spec_.regions[r].name].IsDefined()) out[r] = v;
          }
        }
        continue;
      }
      const int r = region(kv.first, fp);
      if (r < 0) continue;
      if (rd_.number(kv.second, fp, v, k.minimum, k.maximum)) out[r] = v;
    }
  }

  void parse_actors(const Node& n) {
    if (!n.IsDefined() || !n.IsMap()) return;
    const auto R = spec_.regions.size();
    const auto& sec = S("actor");
    const auto& fsec = S("force");
    double& total_units = units_counted_;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string p = Reader::child("actors", key);
      if (annotation(kv, p)) continue;
      ActorSpec a;
      a.name = key;
      a.salience.assign(R, 0.0);
      a.control.assign(R, 0.0);
      a.support.assign(R, 0.0);
      const Node v = kv.second;
      if (!rd_.check_map(v, p, sec)) {
        spec_.actors.push_back(a);
        continue;
      }
      a.is_state = choice(rd_, sec, v, p, "kind", true) == "state";
      field(rd_, v, p, "home", true,
            [&](const Node& x, const std::string& fp) { a.home = region(x, fp); });
      field(rd_, v, p, "recruit_type", false,
            [&](const Node& x, const std::string& fp) { a.recruit_type = type(x, fp); });
      if (a.recruit_type < 0) a.recruit_type = 0;
      num(rd_, sec, v, p, "aggressiveness", a.aggressiveness);
      num(rd_, sec, v, p, "risk_aversion", a.risk_aversion);
      num(rd_, sec, v, p, "cost_sensitivity", a.cost_sensitivity);
      num(rd_, sec, v, p, "rationality", a.rationality);
      integer(rd_, sec, v, p, "decision_interval", a.decision_interval);
      num(rd_, sec, v, p, "quality", a.quality);
      num(rd_, sec, v, p, "budget", a.budget);
      num(rd_, sec, v, p, "income", a.income);
      field(rd_, v, p, "salience", false, [&](const Node& x, const std::string& fp) {
        region_values(x, fp, a.salience, key_of(sec, "salience"));
      });
      field(rd_, v, p, "control", false, [&](const Node& x, const std::string& fp) {
        region_values(x, fp, a.control, key_of(sec, "control"));
      });
      bool support_given = false;
      field(rd_, v, p, "support", false, [&](const Node& x, const std::string& fp) {
        support_given = true;
        region_values(x, fp, a.support, key_of(sec, "support"));
      });
      if (!support_given) a.support = a.control;
      field(rd_, v, p, "forces", false, [&](const Node& fl, const std::string& fp) {
        if (!list(fl, fp, false, 1u << 20)) return;
        for (std::size_t i = 0; i < fl.size(); ++i) {
          const Node f = fl[i];
          const std::string ip = Reader::index(fp, i);
          if (!rd_.check_map(f, ip, fsec)) continue;
          ForceSpec force;
          field(rd_, f, ip, "type", true,
                [&](const Node& x, const std::string& xp) { force.type = type(x, xp); });
          field(rd_, f, ip, "region", true, [&](const Node& x, const std::string& xp) {
            force.region = region(x, xp);
            if (force.region >= 0 && !onmap(force.region))
              rd_.error(x, xp, "forces start in an on-map region");
          });
          num(rd_, fsec, f, ip, "strength", force.strength);
          total_units += std::ceil(force.strength / spec_.run.unit_size);
          if (force.type >= 0 && force.region >= 0) a.forces.push_back(force);
        }
      });
      if (total_units > rd_.limits().max_units) {
        rd_.error(v, p,
                  "forces split into more than " +
                      std::to_string(static_cast<long long>(rd_.limits().max_units)) +
                      " units at unit_size " + std::to_string(spec_.run.unit_size) +
                      "; raise run.unit_size");
        total_units = -1e300;  // report once
      }
      spec_.actors.push_back(a);
      actor_nodes_.push_back(v);
    }
  }

  void parse_relations(const Node& n) {
    if (!list(n, "relations", false, 1u << 16)) return;
    const auto& sec = S("relation");
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("relations", i);
      if (!rd_.check_map(e, p, sec)) continue;
      RelationSpec rel;
      field(rd_, e, p, "a", true,
            [&](const Node& v, const std::string& fp) { rel.a = actor(v, fp); });
      field(rd_, e, p, "b", true,
            [&](const Node& v, const std::string& fp) { rel.b = actor(v, fp); });
      num(rd_, sec, e, p, "value", rel.value);
      if (rel.a < 0 || rel.b < 0) continue;
      if (rel.a == rel.b)
        rd_.error(e, p, "a relation joins two different actors");
      else if (!seen.emplace(std::min(rel.a, rel.b), std::max(rel.a, rel.b)).second)
        rd_.error(e, p, "duplicate relation for this pair");
      else
        spec_.relations.push_back(rel);
    }
  }

  void parse_sponsors(const Node& n) {
    if (!list(n, "sponsors", false, 1u << 16)) return;
    const auto& sec = S("sponsor");
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("sponsors", i);
      if (!rd_.check_map(e, p, sec)) continue;
      SponsorSpec s;
      field(rd_, e, p, "sponsor", true,
            [&](const Node& v, const std::string& fp) { s.sponsor = actor(v, fp); });
      field(rd_, e, p, "client", true,
            [&](const Node& v, const std::string& fp) { s.client = actor(v, fp); });
      num(rd_, sec, e, p, "fraction", s.fraction);
      if (s.sponsor >= 0 && s.client >= 0) {
        if (s.sponsor == s.client)
          rd_.error(e, p, "an actor cannot sponsor itself");
        else
          spec_.sponsors.push_back(s);
      }
    }
  }

  void region_list(const Node& n, const std::string& p, std::vector<int>& out) {
    if (!n.IsSequence()) {
      rd_.error(n, p, "expected a list of regions, got " + Reader::kind(n));
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      const int r = region(n[i], Reader::index(p, i));
      if (r < 0) continue;
      if (std::find(out.begin(), out.end(), r) != out.end())
        rd_.error(n[i], Reader::index(p, i), "listed twice");
      else
        out.push_back(r);
    }
  }

  void parse_garrisons(const Node& n) {
    if (!list(n, "garrisons", false, 1u << 16)) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("garrisons", i);
      if (!rd_.check_map(e, p, S("garrison"))) continue;
      GarrisonSpec g;
      field(rd_, e, p, "actor", true,
            [&](const Node& v, const std::string& fp) { g.actor = actor(v, fp); });
      field(rd_, e, p, "regions", true,
            [&](const Node& v, const std::string& fp) { region_list(v, fp, g.regions); });
      if (g.actor >= 0) spec_.garrisons.push_back(g);
    }
  }

  void parse_events(const Node& n) {
    if (!list(n, "events", false, static_cast<std::size_t>(rd_.limits().max_events))) return;
    const auto& group = S("event");
    for (std::size_t i = 0; i < n.size(); ++i) {
      const Node e = n[i];
      const std::string p = Reader::index("events", i);
      if (!e.IsMap()) {
        rd_.error(e, p, "expected a mapping, got " + Reader::kind(e));
        continue;
      }
      std::string t;
      const Node tn = e["type"];
      if (!tn.IsDefined()) {
        rd_.error(e, Reader::child(p, "type"), "required key 'type' is missing");
        continue;
      }
      if (!rd_.string(tn, Reader::child(p, "type"), t)) continue;
      EventSpec ev;
      const lang::Section* sec_ptr = lang::variant(group, t);
      if (sec_ptr == nullptr) {
        std::vector<std::string> types;
        for (const auto& id : group.variants)
          types.push_back(key_of(S(id), "type").choices.front());
        const auto near = nearest(t, types);
        rd_.error(tn, Reader::child(p, "type"),
                  "unknown event type '" + t + "'" +
                      (near.empty() ? "; valid: " + join_names(types)
                                    : "; did you mean '" + near + "'?"));
        continue;
      }
      const lang::Section& sec = *sec_ptr;
      if (t == "drawdown")
        ev.type = EventType::Drawdown;
      else if (t == "external_demand")
        ev.type = EventType::ExternalDemand;
      else if (t == "reinforcement")
        ev.type = EventType::Reinforcement;
      else if (t == "relation_change")
        ev.type = EventType::RelationChange;
      else if (t == "budget_change")
        ev.type = EventType::BudgetChange;
      else
        throw std::logic_error("powershift: event type '" + t + "' has no EventType");
      if (!rd_.check_map(e, p, sec)) continue;
      // The last step covers ((steps - 1) dt, steps dt]: a later day would never apply. In a
      // run shortened by an override it is a warning, as the run-time --steps/steps= accept it.
      const double last_day = (spec_.run.steps - 1) * spec_.run.dt;
      num(rd_, sec, e, p, "day", ev.day, Need::Table,
          horizon_overridden_ ? std::numeric_limits<double>::quiet_NaN() : last_day);
      if (horizon_overridden_ && ev.day > last_day) {
        std::ostringstream msg;
        msg << "day " << ev.day << " is after the last step of this run (run.steps overridden to "
            << spec_.run.steps << "): the event does not happen";
        rd_.warn(e, p + ".day", msg.str());
      }
      field(rd_, e, p, "name", false, [&](const Node& v, const std::string& fp) {
        if (!rd_.name(v, fp, ev.name)) return;
        for (const auto& other : spec_.events) {
          if (other.name == ev.name) rd_.error(v, fp, "duplicate event name '" + ev.name + "'");
        }
      });
      if (ev.type == EventType::RelationChange) {
        field(rd_, e, p, "a", true,
              [&](const Node& v, const std::string& fp) { ev.actor = actor(v, fp); });
        field(rd_, e, p, "b", true,
              [&](const Node& v, const std::string& fp) { ev.other = actor(v, fp); });
        num(rd_, sec, e, p, "value", ev.value);
        if (ev.actor >= 0 && ev.actor == ev.other)
          rd_.error(e, p, "a relation joins two different actors");
      } else {
        field(rd_, e, p, "actor", true,
              [&](const Node& v, const std::string& fp) { ev.actor = actor(v, fp); });
      }
      if (ev.type == EventType::Drawdown || ev.type == EventType::ExternalDemand) {
        field(rd_, e, p, "leave", false,
              [&](const Node& v, const std::string& fp) { region_list(v, fp, ev.leave); });
        field(rd_, e, p, "keep", false,
              [&](const Node& v, const std::string& fp) { region_list(v, fp, ev.keep); });
        field(rd_, e, p, "first", false, [&](const Node& v, const std::string& fp) {
          if (!v.IsSequence()) {
            rd_.error(v, fp, "expected a list of unit types");
            return;
          }
          for (std::size_t j = 0; j < v.size(); ++j) {
            const int k = type(v[j], Reader::index(fp, j));
            if (k >= 0) ev.first.push_back(k);
          }
        });
        for (int r : ev.leave) {
          if (std::find(ev.keep.begin(), ev.keep.end(), r) != ev.keep.end()) {
            rd_.error(e, p, "region '" + spec_.regions[r].name + "' is in both leave and keep");
          }
        }
      }
      if (ev.type == EventType::Drawdown) parse_drawdown(sec, e, p, ev);
      if (ev.type == EventType::ExternalDemand) num(rd_, sec, e, p, "strength", ev.strength);
      if (ev.type == EventType::Reinforcement) {
        field(rd_, e, p, "unit_type", true,
              [&](const Node& v, const std::string& fp) { ev.unit_type = type(v, fp); });
        field(rd_, e, p, "region", true, [&](const Node& v, const std::string& fp) {
          ev.region = region(v, fp);
          if (ev.region >= 0 && !onmap(ev.region))
            rd_.error(v, fp, "reinforcements arrive in an on-map region");
        });
        num(rd_, sec, e, p, "strength", ev.strength);
        // Reinforcements count toward the unit limit like starting forces.
        units_counted_ += std::ceil(ev.strength / spec_.run.unit_size);
        if (units_counted_ > rd_.limits().max_units) {
          rd_.error(e, Reader::child(p, "strength"),
                    "forces and reinforcements split into more than " +
                        std::to_string(static_cast<long long>(rd_.limits().max_units)) +
                        " units at unit_size " + std::to_string(spec_.run.unit_size) +
                        "; raise run.unit_size");
          units_counted_ = -1e300;  // report once
        }
      }
      if (ev.type == EventType::BudgetChange) {
        num(rd_, sec, e, p, "income_factor", ev.income_factor);
        num(rd_, sec, e, p, "budget_delta", ev.budget_delta);
        // An actor's income factors multiply: a product past the range of a double makes its
        // income infinite (or NaN) on that day, whatever else happens.
        if (ev.actor >= 0) {
          if (income_factor_product_.size() <= static_cast<std::size_t>(ev.actor))
            income_factor_product_.resize(static_cast<std::size_t>(ev.actor) + 1, 1.0);
          double& product = income_factor_product_[static_cast<std::size_t>(ev.actor)];
          product *= ev.income_factor;
          if (!std::isfinite(product)) {
            rd_.error(e, Reader::child(p, "income_factor"),
                      "the product of this actor's budget_change income factors (up to this "
                      "event) overflows a double");
            product = 1.0;  // report once per overflow
          }
        }
      }
      spec_.events.push_back(ev);
      event_nodes_.push_back(e);
    }
  }

  void parse_drawdown(const lang::Section& sec, const Node& e, const std::string& p,
                      EventSpec& ev) {
    const bool has_schedule = e["schedule"].IsDefined();
    const bool has_scope = e["scope"].IsDefined() || e["pace_days"].IsDefined();
    if (has_schedule && has_scope) {
      rd_.error(e, p, "give either scope and pace_days or a schedule, not both");
      return;
    }
    if (has_schedule) {
      const Node s = e["schedule"];
      const std::string sp = Reader::child(p, "schedule");
      if (!list(s, sp, true, 10000)) return;
      double last_day = 0.0;
      double last_frac = 0.0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string ip = Reader::index(sp, i);
        const auto& psec = S("schedule_point");
        if (!rd_.check_map(s[i], ip, psec)) continue;
        SchedulePoint pt;
        num(rd_, psec, s[i], ip, "day", pt.day);
        num(rd_, psec, s[i], ip, "fraction", pt.fraction);
        if (pt.day <= last_day && i > 0) rd_.error(s[i], ip, "schedule days must increase");
        if (pt.fraction < last_frac) rd_.error(s[i], ip, "schedule fractions must not decrease");
        last_day = pt.day;
        last_frac = pt.fraction;
        ev.schedule.push_back(pt);
      }
    } else {
      double scope = 0.0;
      double pace = 1.0;
      num(rd_, sec, e, p, "scope", scope, Need::Yes);
      num(rd_, sec, e, p, "pace_days", pace, Need::Yes);
      ev.schedule.push_back({pace, scope});
    }
    const std::string motive = choice(rd_, sec, e, p, "motive", false);
    if (motive == "budget_pressure")
      ev.motive = Motive::BudgetPressure;
    else if (motive == "external_demand")
      ev.motive = Motive::ExternalDemand;
    else if (motive == "relations")
      ev.motive = Motive::Relations;
    else if (motive == "unspecified")
      ev.motive = Motive::Unspecified;
  }

  void parse_outputs(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    const auto& sec = S("outputs");
    if (!rd_.check_map(n, "outputs", sec)) return;
    integer(rd_, sec, n, "outputs", "interval", spec_.outputs.interval);
    num(rd_, sec, n, "outputs", "event_min_losses", spec_.outputs.event_min_losses);
  }

  // Checks across sections, once every reference resolved.
  void check_whole(const Node& root) {
    const int R = static_cast<int>(spec_.regions.size());
    // Initial control: rows sum to at most 1.
    for (int r = 0; r < R; ++r) {
      double sum = 0.0;
      int over = -1;  // the actor whose entry takes the row over 1
      for (std::size_t a = 0; a < spec_.actors.size(); ++a) {
        sum += spec_.actors[a].control[r];
        if (over < 0 && sum > 1.0 + 1e-9) over = static_cast<int>(a);
      }
      if (over >= 0) {
        std::ostringstream os;
        os << "initial control of region '" << spec_.regions[r].name << "' sums to " << sum
           << " over actors; it must be at most 1";
        const auto& name = spec_.actors[over].name;
        Node at = root["actors"];
        if (static_cast<std::size_t>(over) < actor_nodes_.size()) {
          const Node control = actor_nodes_[over]["control"];
          at = actor_nodes_[over];
          for (const auto& kv : control) {
            if (kv.first.IsScalar() && kv.first.Scalar() == spec_.regions[r].name) at = kv.first;
          }
        }
        rd_.error(at, "actors." + name + ".control." + spec_.regions[r].name, os.str());
      }
    }
    // The on-map region graph must be connected.
    std::vector<int> comp(R, -1);
    int first = -1;
    std::vector<std::vector<int>> adj(R);
    for (const auto& e : spec_.edges) {
      adj[e.a].push_back(e.b);
      adj[e.b].push_back(e.a);
    }
    for (int r = 0; r < R && first < 0; ++r) {
      if (!spec_.regions[r].offmap) first = r;
    }
    if (first >= 0) {
      std::vector<int> stack{first};
      comp[first] = 0;
      while (!stack.empty()) {
        const int u = stack.back();
        stack.pop_back();
        for (int v : adj[u]) {
          if (comp[v] < 0) {
            comp[v] = 0;
            stack.push_back(v);
          }
        }
      }
      for (int r = 0; r < R; ++r) {
        if (!spec_.regions[r].offmap && comp[r] < 0) {
          rd_.error(region_nodes_[r], Reader::index("regions", r),
                    "region graph is disconnected: '" + spec_.regions[r].name +
                        "' cannot be reached from '" + spec_.regions[first].name + "' over edges");
        }
      }
    }
    // Off-map regions must be reachable through an exit.
    for (int r = 0; r < R; ++r) {
      if (!spec_.regions[r].offmap) continue;
      const bool linked = std::any_of(spec_.exits.begin(), spec_.exits.end(),
                                      [&](const ExitSpec& x) { return x.to == r; });
      if (!linked) {
        rd_.warn(region_nodes_[r], Reader::index("regions", r),
                 "off-map region '" + spec_.regions[r].name + "' has no exit leading to it");
      }
    }
    // Drawdowns need an exit.
    for (std::size_t i = 0; i < spec_.events.size(); ++i) {
      const auto& e = spec_.events[i];
      if ((e.type == EventType::Drawdown || e.type == EventType::ExternalDemand) &&
          spec_.exits.empty()) {
        rd_.error(event_nodes_[i], Reader::index("events", i),
                  "a withdrawal needs at least one exit in 'exits'");
      }
    }
    // Drawdowns of one actor whose periods [day, day + last schedule day] overlap: the two
    // orders would compete for the same units.
    auto period = [](const EventSpec& e) {
      return std::pair{e.day, e.day + (e.schedule.empty() ? 0.0 : e.schedule.back().day)};
    };
    for (std::size_t i = 0; i < spec_.events.size(); ++i) {
      for (std::size_t j = i + 1; j < spec_.events.size(); ++j) {
        const auto& a = spec_.events[i];
        const auto& b = spec_.events[j];
        if (a.type != EventType::Drawdown || b.type != EventType::Drawdown || a.actor != b.actor)
          continue;
        const auto [a0, a1] = period(a);
        const auto [b0, b1] = period(b);
        if (a0 < b1 && b0 < a1) {
          rd_.error(event_nodes_[j], Reader::index("events", j),
                    "drawdown overlaps events[" + std::to_string(i) + "] of the same actor");
        }
      }
    }
    // Explicit Euler relaxations must not overshoot: dt x rate <= 1.
    const auto& par = spec_.params;
    const double dt = spec_.run.dt;
    const std::pair<const char*, double> rates[] = {
        {"model.control.zeta", par.control.zeta},
        {"model.control.zeta_support", par.control.zeta_support},
        {"model.morale.recovery", par.morale.recovery}};
    for (const auto& [name, rate] : rates) {
      if (dt * rate > 1.0 + 1e-12) {
        std::ostringstream os;
        os << "run.dt x " << name << " = " << dt * rate
           << " exceeds 1: the relaxation would overshoot; use a smaller dt or rate";
        rd_.error(root, name, os.str());
      }
    }
  }

  Reader& rd_;
  ScenarioSpec& spec_;
  std::unordered_map<std::string, int> region_ix_, type_ix_, actor_ix_;
  double units_counted_ = 0.0;  // units the forces and reinforcements split into
  std::vector<double> income_factor_product_;
  bool over_limit_ = false;  // a list was over its limit: stop before errors cascade from it  //
                             // per actor, over its budget_change events
  std::vector<Node> region_nodes_, actor_nodes_, event_nodes_;
  bool horizon_overridden_ = false;
};

}  // namespace

namespace {

// Overrides, then validation, of a composed document. `text` is the top file's text.
LoadResult finish(const detail::Composed& composed, const std::string& text,
                  const std::string& file_label, const LoadOptions& options) {
  Node root = composed.root;
  if (!options.overrides.empty())
    root = detail::apply_overrides(root, options.overrides, options.limits);
  LoadResult result;
  result.spec.source_path = file_label;
  result.files = composed.files;
  if (composed.files.size() > 1 || !options.overrides.empty()) {
    // Outputs store the scenario as it ran: the merged document, which loads to the same spec.
    std::vector<std::string> header = {"powershift: the scenario as loaded, composed from"};
    header.push_back("  " + composed.files.front());
    for (std::size_t i = 1; i < composed.files.size(); ++i)
      header.push_back("  extends " + composed.files[i]);
    for (const auto& o : options.overrides) header.push_back("  " + detail::label_of(o));
    result.spec.source_text = doc::emit(root, header);
  } else {
    result.spec.source_text = text;
  }
  Reader rd(file_label, options.limits);
  if (!root.IsDefined() || root.IsNull()) {
    rd.error(root, "", "the scenario is empty");
  } else {
    const bool horizon_overridden =
        std::any_of(options.overrides.begin(), options.overrides.end(),
                    [](const Override& o) { return o.path == "run.steps"; });
    ScenarioParser parser(rd, result.spec, horizon_overridden);
    parser.parse(root);
  }
  if (!rd.errors.empty()) {
    auto all = rd.errors;
    all.insert(all.end(), rd.warnings.begin(), rd.warnings.end());
    throw ScenarioError(all);
  }
  result.warnings = rd.warnings;
  return result;
}

}  // namespace

LoadResult load_string(const std::string& text, const std::string& file_label,
                       const LoadOptions& options) {
  if (text.size() > options.limits.max_file_bytes) {
    Diagnostic d;
    d.file = file_label;
    d.message = "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(options.limits.max_file_bytes);
    throw ScenarioError(std::vector<Diagnostic>{d});
  }
  const auto file = std::make_shared<const std::string>(file_label);
  const auto composed =
      detail::compose(text, file, "", options.base_dir, !options.base_dir.empty(), options.limits);
  return finish(composed, text, file_label, options);
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
  const std::string text = detail::read_text(path, options.limits);
  const auto file = std::make_shared<const std::string>(path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const auto composed = detail::compose(text, file, path, dir, true, options.limits);
  return finish(composed, text, path, options);
}

LoadResult load_file(const std::string& path, const Limits& limits,
                     const std::vector<Override>& overrides) {
  LoadOptions options(limits);
  options.overrides = overrides;
  return load_file(path, options);
}

std::string scenario_dir() {
  if (const char* env = std::getenv("POWERSHIFT_SCENARIO_DIR"); env && *env) return env;
  return POWERSHIFT_SCENARIO_DIR;
}

std::string default_scenario_path() {
  return scenario_dir() + "/syria-2024-12.yaml";
}

}  // namespace powershift::scenario
