// Scenario loader (docs/scenarios.md). Reads YAML with yaml-cpp, checks every key against the
// language, resolves names to indices and validates ranges and references, collecting all errors.
#include "powershift/scenario/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#ifndef POWERSHIFT_SCENARIO_DIR
#define POWERSHIFT_SCENARIO_DIR "scenarios"
#endif

namespace powershift::scenario {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(const std::string& key, const std::vector<std::string>& options) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& o : options) {
    const std::size_t d = edit_distance(key, o);
    if (d < best_d) {
      best_d = d;
      best = o;
    }
  }
  return best_d <= std::max<std::size_t>(2, key.size() / 3) ? best : std::string();
}

std::string join_names(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

class Reader {
 public:
  Reader(std::string file, const Limits& limits) : file_(std::move(file)), limits_(limits) {}

  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  void error(const YAML::Node& at, const std::string& path, const std::string& msg) {
    errors.push_back(make(at, path, msg, false));
  }
  void warn(const YAML::Node& at, const std::string& path, const std::string& msg) {
    warnings.push_back(make(at, path, msg, true));
  }

  // Checks a mapping's keys: duplicates and unknown keys (with the nearest valid one).
  bool check_map(const YAML::Node& node, const std::string& path,
                 std::vector<std::string> allowed) {
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

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  // Numbers: finite, in [lo, hi]. Returns false (and reports) on a problem.
  bool number(const YAML::Node& node, const std::string& path, double& out, double lo, double hi,
              bool lo_open = false) {
    if (!node.IsScalar()) {
      error(node, path, "expected a number, got " + kind(node));
      return false;
    }
    const std::string& text = node.Scalar();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    // YAML's spellings of infinity and NaN in any case, with or without a sign.
    std::string bare = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? text.substr(1) : text;
    std::transform(bare.begin(), bare.end(), bare.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const bool special = bare == ".nan" || bare == ".inf";
    if (special) {
      error(node, path, "must be a finite number, got " + text);
      return false;
    }
    if (text.empty() || end == text.c_str() || *end != '\0' || text.find_first_of("xXpP") != std::string::npos) {
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

  bool integer(const YAML::Node& node, const std::string& path, long long& out, long long lo,
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
      error(node, path,
            "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text);
      return false;
    }
    out = v;
    return true;
  }

  bool boolean(const YAML::Node& node, const std::string& path, bool& out) {
    if (node.IsScalar()) {
      const auto& t = node.Scalar();
      if (t == "true" || t == "True" || t == "TRUE") return out = true, true;
      if (t == "false" || t == "False" || t == "FALSE") return out = false, true;
    }
    error(node, path, "expected true or false");
    return false;
  }

  bool string(const YAML::Node& node, const std::string& path, std::string& out) {
    if (!node.IsScalar()) {
      error(node, path, "expected a string, got " + kind(node));
      return false;
    }
    out = node.Scalar();
    return true;
  }

  bool name(const YAML::Node& node, const std::string& path, std::string& out) {
    if (!string(node, path, out)) return false;
    if (!is_identifier(out)) {
      error(node, path,
            "'" + out + "' is not a valid name (letters, digits, '_' and '-', starting with a "
                        "letter, at most 64 characters)");
      return false;
    }
    return true;
  }

  // Reference to a named entity.
  int ref(const YAML::Node& node, const std::string& path,
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

  static std::string kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Null: return "nothing (null)";
      case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Map: return "a mapping";
      default: return "an undefined value";
    }
  }

  const std::string& file() const { return file_; }
  const Limits& limits() const { return limits_; }

 private:
  Diagnostic make(const YAML::Node& at, const std::string& path, const std::string& msg,
                  bool warning) const {
    Diagnostic d;
    d.file = file_;
    if (at.IsDefined()) {
      const auto m = at.Mark();
      if (!m.is_null()) {
        d.line = m.line + 1;
        d.column = m.column + 1;
      }
    }
    d.path = path;
    d.message = msg;
    d.warning = warning;
    return d;
  }

  std::string file_;
  const Limits& limits_;
};

constexpr double kBig = std::numeric_limits<double>::max();

// Reads `key` of `map` into out if present; reports if required and absent.
template <class Fn>
void field(Reader& rd, const YAML::Node& map, const std::string& path, const char* key,
           bool required, Fn&& fn) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || (n.IsNull() && !required)) {
    if (required) rd.error(map, Reader::child(path, key), "required key '" + std::string(key) + "' is missing");
    return;
  }
  fn(n, Reader::child(path, key));
}

void num(Reader& rd, const YAML::Node& map, const std::string& path, const char* key, double& out,
         double lo, double hi, bool required = false, bool lo_open = false) {
  field(rd, map, path, key, required,
        [&](const YAML::Node& n, const std::string& p) { rd.number(n, p, out, lo, hi, lo_open); });
}

void integer(Reader& rd, const YAML::Node& map, const std::string& path, const char* key, int& out,
             long long lo, long long hi, bool required = false) {
  field(rd, map, path, key, required, [&](const YAML::Node& n, const std::string& p) {
    long long v = 0;
    if (rd.integer(n, p, v, lo, hi)) out = static_cast<int>(v);
  });
}

void flag(Reader& rd, const YAML::Node& map, const std::string& path, const char* key, bool& out) {
  field(rd, map, path, key, false,
        [&](const YAML::Node& n, const std::string& p) { rd.boolean(n, p, out); });
}

// ---------------------------------------------------------------------------------------------

class ScenarioParser {
 public:
  ScenarioParser(Reader& rd, ScenarioSpec& spec) : rd_(rd), spec_(spec) {}

  void parse(const YAML::Node& root) {
    if (!rd_.check_map(root, "",
                       {"name", "description", "run", "model", "regions", "edges", "exits",
                        "unit_types", "actors", "relations", "sponsors", "garrisons", "events",
                        "outputs"})) {
      return;
    }
    field(rd_, root, "", "name", true, [&](const YAML::Node& n, const std::string& p) {
      rd_.name(n, p, spec_.name);
    });
    field(rd_, root, "", "description", false, [&](const YAML::Node& n, const std::string& p) {
      rd_.string(n, p, spec_.description);
    });
    parse_run(root["run"]);
    parse_model(root["model"]);
    parse_regions(root);
    parse_unit_types(root);
    collect_actor_names(root);
    parse_edges(root["edges"]);
    parse_exits(root["exits"]);
    parse_actors(root["actors"]);
    parse_relations(root["relations"]);
    parse_sponsors(root["sponsors"]);
    parse_garrisons(root["garrisons"]);
    parse_events(root["events"]);
    parse_outputs(root["outputs"]);
    if (rd_.errors.empty()) check_whole(root);
  }

 private:
  void parse_run(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string p = "run";
    if (!rd_.check_map(n, p, {"steps", "dt", "start_date", "seed", "replicates", "unit_size"})) return;
    auto& r = spec_.run;
    integer(rd_, n, p, "steps", r.steps, 1, rd_.limits().max_steps);
    num(rd_, n, p, "dt", r.dt, 0.0, 30.0, false, true);
    field(rd_, n, p, "start_date", false, [&](const YAML::Node& v, const std::string& fp) {
      std::string s;
      if (!rd_.string(v, fp, s)) return;
      int y = 0, m = 0, d = 0;
      char tail = 0;
      const bool shaped = s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3;
      const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                            std::chrono::day{static_cast<unsigned>(d)}};
      if (!shaped || !ymd.ok() || y < 1) {
        rd_.error(v, fp, "expected a calendar date YYYY-MM-DD, got '" + s + "'");
        return;
      }
      r.start_date = s;
    });
    field(rd_, n, p, "seed", false, [&](const YAML::Node& v, const std::string& fp) {
      long long s = 0;
      if (rd_.integer(v, fp, s, 0, std::numeric_limits<long long>::max())) r.seed = static_cast<std::uint64_t>(s);
    });
    integer(rd_, n, p, "replicates", r.replicates, 1, rd_.limits().max_replicates);
    num(rd_, n, p, "unit_size", r.unit_size, 0.0, 1e9, false, true);
  }

  void parse_model(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string p = "model";
    if (!rd_.check_map(n, p, {"combat", "control", "decide", "morale", "economy", "relations", "value_weights"})) return;
    auto& m = spec_.params;
    auto section = [&](const char* key, std::vector<std::string> keys, auto&& body) {
      const YAML::Node s = n[key];
      if (!s.IsDefined() || s.IsNull()) return;
      const std::string sp = Reader::child(p, key);
      if (rd_.check_map(s, sp, std::move(keys))) body(s, sp);
    };
    section("combat", {"alpha", "intensity", "s_ref", "noise", "fight_threshold", "accept", "leak"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& c = m.combat;
              num(rd_, s, sp, "alpha", c.alpha, 0, 100);
              num(rd_, s, sp, "intensity", c.intensity, 0, 1);
              num(rd_, s, sp, "s_ref", c.s_ref, 0, 1e12, false, true);
              num(rd_, s, sp, "noise", c.noise, 0, 5);
              num(rd_, s, sp, "fight_threshold", c.fight_threshold, 0, 1);
              num(rd_, s, sp, "accept", c.accept, 0, 1);
              num(rd_, s, sp, "leak", c.leak, 0, 1);
            });
    section("control", {"gamma", "theta", "zeta", "sigma", "zeta_support", "harm", "alliance_threshold"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& c = m.control;
              num(rd_, s, sp, "gamma", c.gamma, 0, 16, false, true);
              num(rd_, s, sp, "theta", c.theta, 0, 1);
              num(rd_, s, sp, "zeta", c.zeta, 0, 1);
              num(rd_, s, sp, "sigma", c.sigma, 0, 100);
              num(rd_, s, sp, "zeta_support", c.zeta_support, 0, 1);
              num(rd_, s, sp, "harm", c.harm, 0, 1e6);
              num(rd_, s, sp, "alliance_threshold", c.alliance_threshold, -1, 1);
            });
    section("decide", {"h_ref", "max_exchanges", "move_cost", "beta_scale", "k_cost", "k_risk"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& d = m.decide;
              num(rd_, s, sp, "h_ref", d.h_ref, 0, 1e9, false, true);
              integer(rd_, s, sp, "max_exchanges", d.max_exchanges, 0, 10000);
              num(rd_, s, sp, "move_cost", d.move_cost, 0, 1e6);
              num(rd_, s, sp, "beta_scale", d.beta_scale, 0, 1e6, false, true);
              num(rd_, s, sp, "k_cost", d.k_cost, 0, 1e6);
              num(rd_, s, sp, "k_risk", d.k_risk, 0, 1);
            });
    section("morale", {"kappa", "recovery", "break_threshold", "p_retreat", "p_disband"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& o = m.morale;
              num(rd_, s, sp, "kappa", o.kappa, 0, 1e6);
              num(rd_, s, sp, "recovery", o.recovery, 0, 1);
              num(rd_, s, sp, "break_threshold", o.break_threshold, -1, 1);
              num(rd_, s, sp, "p_retreat", o.p_retreat, 0, 1);
              num(rd_, s, sp, "p_disband", o.p_disband, 0, 1);
              if (o.p_retreat + o.p_disband > 1.0 + 1e-12) {
                rd_.error(s, sp, "p_retreat + p_disband must be <= 1");
              }
            });
    section("economy", {"budget_days", "d_ref", "territory_fraction", "tau_budget", "recruit_rate", "recruit_cost", "demob_rate"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& e = m.economy;
              num(rd_, s, sp, "budget_days", e.budget_days, 0, 1e6);
              num(rd_, s, sp, "d_ref", e.d_ref, 0, 1e9, false, true);
              num(rd_, s, sp, "territory_fraction", e.territory_fraction, 0, 1);
              num(rd_, s, sp, "tau_budget", e.tau_budget, 0, 1e6, false, true);
              num(rd_, s, sp, "recruit_rate", e.recruit_rate, 0, 1);
              num(rd_, s, sp, "recruit_cost", e.recruit_cost, 0, 1e9, false, true);
              num(rd_, s, sp, "demob_rate", e.demob_rate, 0, 1);
            });
    section("relations", {"enabled", "threat_rate", "clash_rate"},
            [&](const YAML::Node& s, const std::string& sp) {
              flag(rd_, s, sp, "enabled", m.relations.enabled);
              num(rd_, s, sp, "threat_rate", m.relations.threat_rate, 0, 1);
              num(rd_, s, sp, "clash_rate", m.relations.clash_rate, 0, 100);
            });
    section("value_weights", {"capital", "port", "airbase", "oil", "border"},
            [&](const YAML::Node& s, const std::string& sp) {
              auto& v = m.value_weights;
              num(rd_, s, sp, "capital", v.capital, 0, 1e6);
              num(rd_, s, sp, "port", v.port, 0, 1e6);
              num(rd_, s, sp, "airbase", v.airbase, 0, 1e6);
              num(rd_, s, sp, "oil", v.oil, 0, 1e6);
              num(rd_, s, sp, "border", v.border, 0, 1e6);
            });
  }

  bool list(const YAML::Node& n, const std::string& path, bool required, std::size_t max) {
    if (!n.IsDefined() || n.IsNull()) {
      if (required) rd_.error(n.IsDefined() ? n : YAML::Node(), path, "required list is missing or empty");
      return false;
    }
    if (!n.IsSequence()) {
      rd_.error(n, path, "expected a list, got " + Reader::kind(n));
      return false;
    }
    if (n.size() > max) {
      rd_.error(n, path, "too many entries: " + std::to_string(n.size()) + " (limit " + std::to_string(max) + ")");
      return false;
    }
    if (required && n.size() == 0) {
      rd_.error(n, path, "must not be empty");
      return false;
    }
    return true;
  }

  void parse_regions(const YAML::Node& root) {
    const YAML::Node n = root["regions"];
    if (!n.IsDefined()) {
      rd_.error(root, "regions", "required key 'regions' is missing");
      return;
    }
    if (!list(n, "regions", true, static_cast<std::size_t>(rd_.limits().max_regions))) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node r = n[i];
      const std::string p = Reader::index("regions", i);
      RegionSpec reg;
      if (!rd_.check_map(r, p, {"name", "lat", "lon", "population", "terrain", "value", "offmap"})) {
        spec_.regions.push_back(reg);
        continue;
      }
      field(rd_, r, p, "name", true, [&](const YAML::Node& v, const std::string& fp) {
        if (rd_.name(v, fp, reg.name) && !region_ix_.emplace(reg.name, static_cast<int>(i)).second) {
          rd_.error(v, fp, "duplicate region name '" + reg.name + "'");
        }
      });
      flag(rd_, r, p, "offmap", reg.offmap);
      num(rd_, r, p, "lat", reg.lat, -90, 90, !reg.offmap);
      num(rd_, r, p, "lon", reg.lon, -180, 180, !reg.offmap);
      num(rd_, r, p, "population", reg.population, 0, 1e10);
      num(rd_, r, p, "terrain", reg.terrain, 1, 100);
      field(rd_, r, p, "value", false, [&](const YAML::Node& v, const std::string& fp) {
        if (!rd_.check_map(v, fp, {"capital", "port", "airbase", "oil", "border"})) return;
        const char* comps[] = {"capital", "port", "airbase", "oil", "border"};
        for (int c = 0; c < kValueComponents; ++c) num(rd_, v, fp, comps[c], reg.value[c], 0, 1e6);
      });
      spec_.regions.push_back(reg);
      region_nodes_.push_back(r);
    }
  }

  void parse_unit_types(const YAML::Node& root) {
    const YAML::Node n = root["unit_types"];
    if (!n.IsDefined() || n.IsNull()) {
      rd_.error(root, "unit_types", "required key 'unit_types' is missing");
      return;
    }
    if (!n.IsMap()) {
      rd_.error(n, "unit_types", "expected a mapping of type name to properties");
      return;
    }
    if (n.size() > static_cast<std::size_t>(rd_.limits().max_unit_types)) {
      rd_.error(n, "unit_types", "too many unit types (limit " + std::to_string(rd_.limits().max_unit_types) + ")");
      return;
    }
    for (const auto& kv : n) {
      UnitTypeSpec t;
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string p = Reader::child("unit_types", key);
      if (!rd_.name(kv.first, p, t.name)) continue;
      if (!type_ix_.emplace(t.name, static_cast<int>(spec_.unit_types.size())).second) {
        rd_.error(kv.first, p, "duplicate unit type '" + t.name + "'");
        continue;
      }
      const YAML::Node v = kv.second;
      if (rd_.check_map(v, p, {"attack", "defence", "lambda_km", "range_km", "speed_km_day", "upkeep",
                               "holds_ground", "law", "declines"})) {
        num(rd_, v, p, "attack", t.attack, 0, 1e6);
        num(rd_, v, p, "defence", t.defence, 0, 1e6);
        num(rd_, v, p, "lambda_km", t.lambda_km, 0, 1e5, false, true);
        num(rd_, v, p, "range_km", t.range_km, 0, 1e5);
        num(rd_, v, p, "speed_km_day", t.speed_km_day, 0, 1e5, false, true);
        num(rd_, v, p, "upkeep", t.upkeep, 0, 1e6);
        flag(rd_, v, p, "holds_ground", t.holds_ground);
        flag(rd_, v, p, "declines", t.declines);
        field(rd_, v, p, "law", false, [&](const YAML::Node& lv, const std::string& fp) {
          std::string s;
          if (!rd_.string(lv, fp, s)) return;
          if (s == "square") t.law = AttritionLaw::Square;
          else if (s == "linear") t.law = AttritionLaw::Linear;
          else rd_.error(lv, fp, "must be 'square' or 'linear', got '" + s + "'");
        });
      }
      spec_.unit_types.push_back(t);
    }
    if (spec_.unit_types.empty()) rd_.error(n, "unit_types", "must define at least one unit type");
  }

  void collect_actor_names(const YAML::Node& root) {
    const YAML::Node n = root["actors"];
    if (!n.IsDefined() || n.IsNull()) {
      rd_.error(root, "actors", "required key 'actors' is missing");
      return;
    }
    if (!n.IsMap()) {
      rd_.error(n, "actors", "expected a mapping of actor name to properties");
      return;
    }
    if (n.size() > static_cast<std::size_t>(rd_.limits().max_actors)) {
      rd_.error(n, "actors", "too many actors (limit " + std::to_string(rd_.limits().max_actors) + ")");
      return;
    }
    for (const auto& kv : n) {
      std::string name;
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (!rd_.name(kv.first, Reader::child("actors", key), name)) continue;
      if (!actor_ix_.emplace(name, static_cast<int>(actor_ix_.size())).second) {
        rd_.error(kv.first, Reader::child("actors", key), "duplicate actor '" + name + "'");
      }
    }
    if (actor_ix_.empty()) rd_.error(n, "actors", "must define at least one actor");
  }

  int region(const YAML::Node& n, const std::string& p) { return rd_.ref(n, p, region_ix_, "region"); }
  int actor(const YAML::Node& n, const std::string& p) { return rd_.ref(n, p, actor_ix_, "actor"); }
  int type(const YAML::Node& n, const std::string& p) { return rd_.ref(n, p, type_ix_, "unit type"); }
  bool onmap(int r) const { return r >= 0 && r < static_cast<int>(spec_.regions.size()) && !spec_.regions[r].offmap; }

  void parse_edges(const YAML::Node& n) {
    if (!list(n, "edges", false, 1u << 22)) return;
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("edges", i);
      if (!rd_.check_map(e, p, {"a", "b", "km"})) continue;
      EdgeSpec edge;
      field(rd_, e, p, "a", true, [&](const YAML::Node& v, const std::string& fp) { edge.a = region(v, fp); });
      field(rd_, e, p, "b", true, [&](const YAML::Node& v, const std::string& fp) { edge.b = region(v, fp); });
      num(rd_, e, p, "km", edge.km, 0, 1e5);
      if (edge.a < 0 || edge.b < 0) continue;
      if (edge.a == edge.b) rd_.error(e, p, "an edge must join two different regions");
      else if (!onmap(edge.a) || !onmap(edge.b)) rd_.error(e, p, "edges join on-map regions; use 'exits' to reach an off-map region");
      else if (!seen.emplace(std::min(edge.a, edge.b), std::max(edge.a, edge.b)).second) rd_.error(e, p, "duplicate edge");
      else spec_.edges.push_back(edge);
    }
  }

  void parse_exits(const YAML::Node& n) {
    if (!list(n, "exits", false, 1u << 16)) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("exits", i);
      if (!rd_.check_map(e, p, {"from", "to", "capacity", "km", "mode"})) continue;
      ExitSpec x;
      field(rd_, e, p, "from", true, [&](const YAML::Node& v, const std::string& fp) {
        x.from = region(v, fp);
        if (x.from >= 0 && !onmap(x.from)) rd_.error(v, fp, "an exit starts in an on-map region");
      });
      field(rd_, e, p, "to", true, [&](const YAML::Node& v, const std::string& fp) {
        x.to = region(v, fp);
        if (x.to >= 0 && onmap(x.to)) rd_.error(v, fp, "an exit leads to an off-map region (set offmap: true on it)");
      });
      num(rd_, e, p, "capacity", x.capacity, 0, 1e9, true, true);
      num(rd_, e, p, "km", x.km, 0, 1e5);
      field(rd_, e, p, "mode", false, [&](const YAML::Node& v, const std::string& fp) {
        rd_.string(v, fp, x.mode);
        if (x.mode != "airlift" && x.mode != "sealift" && x.mode != "road") {
          rd_.error(v, fp, "must be airlift, sealift or road, got '" + x.mode + "'");
        }
      });
      if (x.from >= 0 && x.to >= 0) spec_.exits.push_back(x);
    }
  }

  // region -> number mapping (salience, control, support), with optional `default`.
  void region_values(const YAML::Node& n, const std::string& p, std::vector<double>& out,
                     bool allow_default) {
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
        if (rd_.number(kv.second, fp, v, 0, 1)) {
          for (std::size_t r = 0; r < out.size(); ++r) {
            if (!n[spec_.regions[r].name].IsDefined()) out[r] = v;
          }
        }
        continue;
      }
      const int r = region(kv.first, fp);
      if (r < 0) continue;
      if (rd_.number(kv.second, fp, v, 0, 1)) out[r] = v;
    }
  }

  void parse_actors(const YAML::Node& n) {
    if (!n.IsDefined() || !n.IsMap()) return;
    const auto R = spec_.regions.size();
    double total_units = 0.0;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      const std::string p = Reader::child("actors", key);
      ActorSpec a;
      a.name = key;
      a.salience.assign(R, 0.0);
      a.control.assign(R, 0.0);
      a.support.assign(R, 0.0);
      const YAML::Node v = kv.second;
      if (!rd_.check_map(v, p, {"kind", "home", "recruit_type", "aggressiveness", "risk_aversion",
                                "cost_sensitivity", "rationality", "decision_interval", "quality",
                                "budget", "income", "salience", "control", "support", "forces"})) {
        spec_.actors.push_back(a);
        continue;
      }
      field(rd_, v, p, "kind", true, [&](const YAML::Node& x, const std::string& fp) {
        std::string s;
        if (!rd_.string(x, fp, s)) return;
        if (s == "state") a.is_state = true;
        else if (s == "non_state") a.is_state = false;
        else rd_.error(x, fp, "must be 'state' or 'non_state', got '" + s + "'");
      });
      field(rd_, v, p, "home", true, [&](const YAML::Node& x, const std::string& fp) { a.home = region(x, fp); });
      field(rd_, v, p, "recruit_type", false, [&](const YAML::Node& x, const std::string& fp) {
        a.recruit_type = type(x, fp);
      });
      if (a.recruit_type < 0) a.recruit_type = 0;
      num(rd_, v, p, "aggressiveness", a.aggressiveness, 0, 1);
      num(rd_, v, p, "risk_aversion", a.risk_aversion, 0, 1);
      num(rd_, v, p, "cost_sensitivity", a.cost_sensitivity, 0, 1);
      num(rd_, v, p, "rationality", a.rationality, 0, 1e6, false, true);
      integer(rd_, v, p, "decision_interval", a.decision_interval, 1, 3650);
      num(rd_, v, p, "quality", a.quality, 0, 1e3, false, true);
      num(rd_, v, p, "budget", a.budget, 0, 1e15);
      num(rd_, v, p, "income", a.income, 0, 1e15);
      field(rd_, v, p, "salience", false, [&](const YAML::Node& x, const std::string& fp) {
        region_values(x, fp, a.salience, true);
      });
      field(rd_, v, p, "control", false, [&](const YAML::Node& x, const std::string& fp) {
        region_values(x, fp, a.control, false);
      });
      bool support_given = false;
      field(rd_, v, p, "support", false, [&](const YAML::Node& x, const std::string& fp) {
        support_given = true;
        region_values(x, fp, a.support, false);
      });
      if (!support_given) a.support = a.control;
      field(rd_, v, p, "forces", false, [&](const YAML::Node& fl, const std::string& fp) {
        if (!list(fl, fp, false, 1u << 20)) return;
        for (std::size_t i = 0; i < fl.size(); ++i) {
          const YAML::Node f = fl[i];
          const std::string ip = Reader::index(fp, i);
          if (!rd_.check_map(f, ip, {"type", "region", "strength"})) continue;
          ForceSpec force;
          field(rd_, f, ip, "type", true, [&](const YAML::Node& x, const std::string& xp) { force.type = type(x, xp); });
          field(rd_, f, ip, "region", true, [&](const YAML::Node& x, const std::string& xp) {
            force.region = region(x, xp);
            if (force.region >= 0 && !onmap(force.region)) rd_.error(x, xp, "forces start in an on-map region");
          });
          num(rd_, f, ip, "strength", force.strength, 0, 1e9, true);
          total_units += std::ceil(force.strength / spec_.run.unit_size);
          if (force.type >= 0 && force.region >= 0) a.forces.push_back(force);
        }
      });
      if (total_units > rd_.limits().max_units) {
        rd_.error(v, p, "forces split into more than " + std::to_string(static_cast<long long>(rd_.limits().max_units)) +
                            " units at unit_size " + std::to_string(spec_.run.unit_size) + "; raise run.unit_size");
        total_units = -1e300;  // report once
      }
      spec_.actors.push_back(a);
      actor_nodes_.push_back(v);
    }
  }

  void parse_relations(const YAML::Node& n) {
    if (!list(n, "relations", false, 1u << 16)) return;
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("relations", i);
      if (!rd_.check_map(e, p, {"a", "b", "value"})) continue;
      RelationSpec rel;
      field(rd_, e, p, "a", true, [&](const YAML::Node& v, const std::string& fp) { rel.a = actor(v, fp); });
      field(rd_, e, p, "b", true, [&](const YAML::Node& v, const std::string& fp) { rel.b = actor(v, fp); });
      num(rd_, e, p, "value", rel.value, -1, 1, true);
      if (rel.a < 0 || rel.b < 0) continue;
      if (rel.a == rel.b) rd_.error(e, p, "a relation joins two different actors");
      else if (!seen.emplace(std::min(rel.a, rel.b), std::max(rel.a, rel.b)).second) rd_.error(e, p, "duplicate relation for this pair");
      else spec_.relations.push_back(rel);
    }
  }

  void parse_sponsors(const YAML::Node& n) {
    if (!list(n, "sponsors", false, 1u << 16)) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("sponsors", i);
      if (!rd_.check_map(e, p, {"sponsor", "client", "fraction"})) continue;
      SponsorSpec s;
      field(rd_, e, p, "sponsor", true, [&](const YAML::Node& v, const std::string& fp) { s.sponsor = actor(v, fp); });
      field(rd_, e, p, "client", true, [&](const YAML::Node& v, const std::string& fp) { s.client = actor(v, fp); });
      num(rd_, e, p, "fraction", s.fraction, 0, 1, true);
      if (s.sponsor >= 0 && s.client >= 0) {
        if (s.sponsor == s.client) rd_.error(e, p, "an actor cannot sponsor itself");
        else spec_.sponsors.push_back(s);
      }
    }
  }

  void region_list(const YAML::Node& n, const std::string& p, std::vector<int>& out) {
    if (!n.IsSequence()) {
      rd_.error(n, p, "expected a list of regions, got " + Reader::kind(n));
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      const int r = region(n[i], Reader::index(p, i));
      if (r < 0) continue;
      if (std::find(out.begin(), out.end(), r) != out.end()) rd_.error(n[i], Reader::index(p, i), "listed twice");
      else out.push_back(r);
    }
  }

  void parse_garrisons(const YAML::Node& n) {
    if (!list(n, "garrisons", false, 1u << 16)) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("garrisons", i);
      if (!rd_.check_map(e, p, {"actor", "regions"})) continue;
      GarrisonSpec g;
      field(rd_, e, p, "actor", true, [&](const YAML::Node& v, const std::string& fp) { g.actor = actor(v, fp); });
      field(rd_, e, p, "regions", true, [&](const YAML::Node& v, const std::string& fp) { region_list(v, fp, g.regions); });
      if (g.actor >= 0) spec_.garrisons.push_back(g);
    }
  }

  void parse_events(const YAML::Node& n) {
    if (!list(n, "events", false, static_cast<std::size_t>(rd_.limits().max_events))) return;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node e = n[i];
      const std::string p = Reader::index("events", i);
      if (!e.IsMap()) {
        rd_.error(e, p, "expected a mapping, got " + Reader::kind(e));
        continue;
      }
      std::string t;
      const YAML::Node tn = e["type"];
      if (!tn.IsDefined()) {
        rd_.error(e, Reader::child(p, "type"), "required key 'type' is missing");
        continue;
      }
      if (!rd_.string(tn, Reader::child(p, "type"), t)) continue;
      EventSpec ev;
      std::vector<std::string> keys = {"type", "day", "actor"};
      if (t == "drawdown") {
        ev.type = EventType::Drawdown;
        keys.insert(keys.end(), {"scope", "pace_days", "schedule", "leave", "keep", "first", "motive"});
      } else if (t == "external_demand") {
        ev.type = EventType::ExternalDemand;
        keys.insert(keys.end(), {"strength", "keep", "first", "leave"});
      } else if (t == "reinforcement") {
        ev.type = EventType::Reinforcement;
        keys.insert(keys.end(), {"unit_type", "region", "strength"});
      } else if (t == "relation_change") {
        ev.type = EventType::RelationChange;
        keys = {"type", "day", "a", "b", "value"};
      } else if (t == "budget_change") {
        ev.type = EventType::BudgetChange;
        keys.insert(keys.end(), {"income_factor", "budget_delta"});
      } else {
        const auto near = nearest(t, {"drawdown", "external_demand", "reinforcement", "relation_change", "budget_change"});
        rd_.error(tn, Reader::child(p, "type"),
                  "unknown event type '" + t + "'" + (near.empty() ? "; valid: drawdown, external_demand, reinforcement, relation_change, budget_change" : "; did you mean '" + near + "'?"));
        continue;
      }
      if (!rd_.check_map(e, p, keys)) continue;
      num(rd_, e, p, "day", ev.day, 0, spec_.run.steps * spec_.run.dt, true);
      if (ev.type == EventType::RelationChange) {
        field(rd_, e, p, "a", true, [&](const YAML::Node& v, const std::string& fp) { ev.actor = actor(v, fp); });
        field(rd_, e, p, "b", true, [&](const YAML::Node& v, const std::string& fp) { ev.other = actor(v, fp); });
        num(rd_, e, p, "value", ev.value, -1, 1, true);
        if (ev.actor >= 0 && ev.actor == ev.other) rd_.error(e, p, "a relation joins two different actors");
      } else {
        field(rd_, e, p, "actor", true, [&](const YAML::Node& v, const std::string& fp) { ev.actor = actor(v, fp); });
      }
      if (ev.type == EventType::Drawdown || ev.type == EventType::ExternalDemand) {
        field(rd_, e, p, "leave", false, [&](const YAML::Node& v, const std::string& fp) { region_list(v, fp, ev.leave); });
        field(rd_, e, p, "keep", false, [&](const YAML::Node& v, const std::string& fp) { region_list(v, fp, ev.keep); });
        field(rd_, e, p, "first", false, [&](const YAML::Node& v, const std::string& fp) {
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
      if (ev.type == EventType::Drawdown) parse_drawdown(e, p, ev);
      if (ev.type == EventType::ExternalDemand) num(rd_, e, p, "strength", ev.strength, 0, 1e9, true);
      if (ev.type == EventType::Reinforcement) {
        field(rd_, e, p, "unit_type", true, [&](const YAML::Node& v, const std::string& fp) { ev.unit_type = type(v, fp); });
        field(rd_, e, p, "region", true, [&](const YAML::Node& v, const std::string& fp) {
          ev.region = region(v, fp);
          if (ev.region >= 0 && !onmap(ev.region)) rd_.error(v, fp, "reinforcements arrive in an on-map region");
        });
        num(rd_, e, p, "strength", ev.strength, 0, 1e9, true);
      }
      if (ev.type == EventType::BudgetChange) {
        num(rd_, e, p, "income_factor", ev.income_factor, 0, 100);
        num(rd_, e, p, "budget_delta", ev.budget_delta, -1e15, 1e15);
      }
      spec_.events.push_back(ev);
      event_nodes_.push_back(e);
    }
  }

  void parse_drawdown(const YAML::Node& e, const std::string& p, EventSpec& ev) {
    const bool has_schedule = e["schedule"].IsDefined();
    const bool has_scope = e["scope"].IsDefined() || e["pace_days"].IsDefined();
    if (has_schedule && has_scope) {
      rd_.error(e, p, "give either scope and pace_days or a schedule, not both");
      return;
    }
    if (has_schedule) {
      const YAML::Node s = e["schedule"];
      const std::string sp = Reader::child(p, "schedule");
      if (!list(s, sp, true, 10000)) return;
      double last_day = 0.0;
      double last_frac = 0.0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string ip = Reader::index(sp, i);
        if (!rd_.check_map(s[i], ip, {"day", "fraction"})) continue;
        SchedulePoint pt;
        num(rd_, s[i], ip, "day", pt.day, 0, 1e6, true, true);
        num(rd_, s[i], ip, "fraction", pt.fraction, 0, 1, true);
        if (pt.day <= last_day && i > 0) rd_.error(s[i], ip, "schedule days must increase");
        if (pt.fraction < last_frac) rd_.error(s[i], ip, "schedule fractions must not decrease");
        last_day = pt.day;
        last_frac = pt.fraction;
        ev.schedule.push_back(pt);
      }
    } else {
      double scope = 0.0;
      double pace = 1.0;
      num(rd_, e, p, "scope", scope, 0, 1, true);
      num(rd_, e, p, "pace_days", pace, 0, 1e6, true, true);
      ev.schedule.push_back({pace, scope});
    }
    field(rd_, e, p, "motive", false, [&](const YAML::Node& v, const std::string& fp) {
      std::string m;
      if (!rd_.string(v, fp, m)) return;
      if (m == "budget_pressure") ev.motive = Motive::BudgetPressure;
      else if (m == "external_demand") ev.motive = Motive::ExternalDemand;
      else if (m == "relations") ev.motive = Motive::Relations;
      else if (m == "unspecified") ev.motive = Motive::Unspecified;
      else rd_.error(v, fp, "must be budget_pressure, external_demand, relations or unspecified, got '" + m + "'");
    });
  }

  void parse_outputs(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!rd_.check_map(n, "outputs", {"interval"})) return;
    integer(rd_, n, "outputs", "interval", spec_.outputs.interval, 1, 100000);
  }

  // Checks across sections, once every reference resolved.
  void check_whole(const YAML::Node& root) {
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
        YAML::Node at = root["actors"];
        if (static_cast<std::size_t>(over) < actor_nodes_.size()) {
          const YAML::Node control = actor_nodes_[over]["control"];
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
      const bool linked = std::any_of(spec_.exits.begin(), spec_.exits.end(), [&](const ExitSpec& x) { return x.to == r; });
      if (!linked) {
        rd_.warn(region_nodes_[r], Reader::index("regions", r),
                 "off-map region '" + spec_.regions[r].name + "' has no exit leading to it");
      }
    }
    // Drawdowns need an exit.
    for (std::size_t i = 0; i < spec_.events.size(); ++i) {
      const auto& e = spec_.events[i];
      if ((e.type == EventType::Drawdown || e.type == EventType::ExternalDemand) && spec_.exits.empty()) {
        rd_.error(event_nodes_[i], Reader::index("events", i), "a withdrawal needs at least one exit in 'exits'");
      }
    }
    // Warnings: drawdowns of the same actor whose periods overlap.
    for (std::size_t i = 0; i < spec_.events.size(); ++i) {
      for (std::size_t j = i + 1; j < spec_.events.size(); ++j) {
        const auto& a = spec_.events[i];
        const auto& b = spec_.events[j];
        if (a.type == EventType::Drawdown && b.type == EventType::Drawdown && a.actor == b.actor) {
          const double a_end = a.day + (a.schedule.empty() ? 0.0 : a.schedule.back().day);
          if (b.day < a_end) {
            rd_.error(event_nodes_[j], Reader::index("events", j),
                      "drawdown overlaps events[" + std::to_string(i) + "] of the same actor");
          }
        }
      }
    }
  }

  Reader& rd_;
  ScenarioSpec& spec_;
  std::unordered_map<std::string, int> region_ix_, type_ix_, actor_ix_;
  std::vector<YAML::Node> region_nodes_, actor_nodes_, event_nodes_;
};

}  // namespace

LoadResult load_string(const std::string& text, const std::string& file_label,
                       const Limits& limits) {
  Reader rd(file_label, limits);
  if (text.size() > limits.max_file_bytes) {
    Diagnostic d;
    d.file = file_label;
    d.message = "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(limits.max_file_bytes);
    throw ScenarioError(std::vector<Diagnostic>{d});
  }
  YAML::Node root;
  try {
    const auto docs = YAML::LoadAll(text);
    if (docs.size() > 1) {
      Diagnostic d;
      d.file = file_label;
      const auto m = docs[1].Mark();
      if (!m.is_null()) {
        d.line = m.line + 1;
        d.column = m.column + 1;
      }
      d.message = "a scenario is one YAML document; this file holds " + std::to_string(docs.size());
      throw ScenarioError(std::vector<Diagnostic>{d});
    }
    if (!docs.empty()) root = docs[0];
  } catch (const YAML::Exception& ex) {
    Diagnostic d;
    d.file = file_label;
    if (!ex.mark.is_null()) {
      d.line = ex.mark.line + 1;
      d.column = ex.mark.column + 1;
    }
    d.message = "invalid YAML: " + ex.msg;
    throw ScenarioError(std::vector<Diagnostic>{d});
  }
  LoadResult result;
  result.spec.source_path = file_label;
  result.spec.source_text = text;
  if (!root.IsDefined() || root.IsNull()) {
    rd.error(root, "", "the scenario is empty");
  } else {
    try {
      ScenarioParser parser(rd, result.spec);
      parser.parse(root);
    } catch (const YAML::Exception& ex) {
      Diagnostic d;
      d.file = file_label;
      if (!ex.mark.is_null()) {
        d.line = ex.mark.line + 1;
        d.column = ex.mark.column + 1;
      }
      d.message = "invalid scenario structure: " + ex.msg;
      rd.errors.push_back(d);
    }
  }
  if (!rd.errors.empty()) {
    auto all = rd.errors;
    all.insert(all.end(), rd.warnings.begin(), rd.warnings.end());
    throw ScenarioError(all);
  }
  result.warnings = rd.warnings;
  return result;
}

LoadResult load_file(const std::string& path, const Limits& limits) {
  auto fail = [&](const std::string& msg) {
    Diagnostic d;
    d.file = path;
    d.message = msg;
    throw ScenarioError(std::vector<Diagnostic>{d});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open the scenario file");
  // Read to the end rather than trusting a size: pipes and process substitutions have none.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limits.max_file_bytes) {
      fail("file is too large: the limit is " + std::to_string(limits.max_file_bytes) + " bytes");
    }
  }
  if (in.bad()) fail("cannot read the scenario file");
  return load_string(text, path, limits);
}

std::string scenario_dir() {
  if (const char* env = std::getenv("POWERSHIFT_SCENARIO_DIR"); env && *env) return env;
  return POWERSHIFT_SCENARIO_DIR;
}

std::string default_scenario_path() { return scenario_dir() + "/syria-2024-12.yaml"; }

}  // namespace powershift::scenario
