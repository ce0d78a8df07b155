// The scenario language table (powershift/scenario/language.hpp) and the JSON Schema printer.
// Defaults are taken from the default-constructed spec structs, so the schema cannot drift from
// what the engine does when a key is left out.
#include "powershift/scenario/language.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "powershift/model/params.hpp"
#include "powershift/model/scenario_spec.hpp"

namespace powershift::scenario::language {

namespace {

std::string json_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A small builder so that the table below reads one key per line.
class K {
 public:
  K(std::string name, Type type, std::string doc) {
    k_.name = std::move(name);
    k_.type = type;
    k_.doc = std::move(doc);
  }
  K& req() { return k_.required = true, *this; }
  K& range(double lo, double hi) { return k_.minimum = lo, k_.maximum = hi, *this; }
  K& above(double lo, double hi) {
    return k_.minimum = lo, k_.maximum = hi, k_.exclusive_minimum = true, *this;
  }
  K& irange(long long lo, long long hi) { return k_.int_minimum = lo, k_.int_maximum = hi, *this; }
  K& u64() { return k_.unsigned64 = true, *this; }
  K& def(double v) { return k_.default_json = json_number(v), *this; }
  K& def(bool v) { return k_.default_json = v ? "true" : "false", *this; }
  K& def(const std::string& v) { return k_.default_json = json_string(v), *this; }
  K& def_json(std::string v) { return k_.default_json = std::move(v), *this; }
  K& choices(std::vector<std::string> c) { return k_.choices = std::move(c), *this; }
  K& ref(Ref r) { return k_.ref = r, *this; }
  K& of(std::string section) { return k_.section = std::move(section), *this; }
  K& with_default() { return k_.allow_default = true, *this; }
  K& min_items(std::size_t n) { return k_.min_items = n, *this; }
  operator Key() const { return k_; }  // NOLINT(google-explicit-constructor): table syntax

 private:
  Key k_;
};

K number(std::string name, std::string doc) {
  return {std::move(name), Type::Number, std::move(doc)};
}
K integer(std::string name, std::string doc) {
  return {std::move(name), Type::Integer, std::move(doc)};
}
K boolean(std::string name, std::string doc) {
  return {std::move(name), Type::Boolean, std::move(doc)};
}
K text(std::string name, std::string doc) {
  return {std::move(name), Type::String, std::move(doc)};
}
K choice(std::string name, std::vector<std::string> values, std::string doc) {
  K k(std::move(name), Type::Choice, std::move(doc));
  k.choices(std::move(values));
  return k;
}
K ref(std::string name, Ref r, std::string doc) {
  K k(std::move(name), Type::Ref, std::move(doc));
  k.ref(r);
  return k;
}
K refs(std::string name, Ref r, std::string doc) {
  K k(std::move(name), Type::RefList, std::move(doc));
  k.ref(r);
  return k;
}
K section_key(std::string name, std::string section, std::string doc) {
  K k(std::move(name), Type::Section, std::move(doc));
  k.of(std::move(section));
  return k;
}
K list(std::string name, std::string section, std::string doc) {
  K k(std::move(name), Type::List, std::move(doc));
  k.of(std::move(section));
  return k;
}
K values(std::string name, std::string doc) {
  K k(std::move(name), Type::Values, std::move(doc));
  k.ref(Ref::Region).range(0, 1);
  return k;
}

Section make(std::string id, std::string doc, std::vector<Key> keys, std::string extra_json = "") {
  Section s;
  s.id = std::move(id);
  s.doc = std::move(doc);
  s.keys = std::move(keys);
  s.extra_json = std::move(extra_json);
  return s;
}

std::vector<Section> build() {
  const ModelParams P{};
  const RunSpec run{};
  const RegionSpec reg{};
  const ExitSpec ex{};
  const UnitTypeSpec ut{};
  const ActorSpec ac{};
  const OutputSpec out{};
  const EventSpec ev{};
  constexpr double big = 1e6;
  std::vector<Section> s;

  s.push_back(make(
      "root", "A powershift scenario: regions, actors, their forces and a timeline of events.",
      {
          text("extends",
               "Path of a base scenario, relative to this file; this document is deep-merged over "
               "it (mappings merge key by key, anything else replaces)"),
          K("name", Type::Name,
            "Name of the scenario (an identifier); required, also when extending another")
              .req(),
          text("description", "Free text"),
          section_key("run", "run",
                      "How the scenario runs: steps, time step, dates, seeds, replicates"),
          section_key("model", "model", "Parameters of docs/model.md; all optional"),
          list("regions", "region", "The regions: on-map (with coordinates) and off-map homelands")
              .req()
              .min_items(1),
          list("edges", "edge", "Undirected land links between on-map regions"),
          list("exits", "exit",
               "Links from an on-map region to an off-map region, with a capacity"),
          K("unit_types", Type::Named, "Unit types by name")
              .req()
              .ref(Ref::UnitType)
              .of("unit_type"),
          K("actors", Type::Named, "Actors by name").req().ref(Ref::Actor).of("actor"),
          list("relations", "relation",
               "Relations between pairs of actors; unlisted pairs are 0 (neutral)"),
          list("sponsors", "sponsor", "Sponsors paying part of a client's upkeep"),
          list("garrisons", "garrison", "Hold orders that stand with or without any drawdown"),
          list("events", "event",
               "The timeline: drawdowns, reinforcements, relation and budget changes, external "
               "demands"),
          section_key("outputs", "outputs", "What is recorded"),
      }));

  s.push_back(make(
      "run", "How the scenario runs.",
      {
          integer("steps", "Number of steps").irange(1, 100000).def(static_cast<double>(run.steps)),
          number("dt", "Days per step").above(0, 30).def(run.dt),
          K("start_date", Type::Date, "ISO date of day 0").def(run.start_date),
          integer("seed", "Random seed (unsigned 64-bit)")
              .irange(0, std::numeric_limits<long long>::max())
              .u64()
              .def(static_cast<double>(run.seed)),
          integer("replicates", "Replicates")
              .irange(1, 1000000)
              .def(static_cast<double>(run.replicates)),
          number("unit_size",
                 "Strength per unit when forces are split into units (at least 1: one person)")
              .range(1, 1e9)
              .def(run.unit_size),
      }));

  s.push_back(make("model", "Model parameters (docs/model.md gives each one's equation).",
                   {
                       section_key("combat", "model.combat", "Combat"),
                       section_key("control", "model.control", "Control and support"),
                       section_key("decide", "model.decide", "Decisions"),
                       section_key("morale", "model.morale", "Morale"),
                       section_key("economy", "model.economy", "Budgets, income, recruitment"),
                       section_key("relations", "model.relations", "Dynamic relations"),
                       section_key("air", "model.air", "Air power from bases"),
                       section_key("value_weights", "model.value_weights",
                                   "Weights of the region value components"),
                   }));

  const auto& c = P.combat;
  s.push_back(
      make("model.combat", "Combat parameters.",
           {
               number("alpha", "Base kill rate per unit of firepower and day")
                   .range(0, 100)
                   .def(c.alpha),
               number("intensity", "Fraction of a day spent fighting (iota)")
                   .range(0, 1)
                   .def(c.intensity),
               number("s_ref", "Reference strength of the linear (area-fire) law")
                   .above(0, 1e12)
                   .def(c.s_ref),
               number("noise", "Standard deviation of log-normal noise on losses")
                   .range(0, 5)
                   .def(c.noise),
               number("fight_threshold", "Hostility x aggressiveness at which fighting begins")
                   .range(0, 1)
                   .def(c.fight_threshold),
               number("fight_full",
                      "Hostility x aggressiveness of full engagement (<= fight_threshold: a step)")
                   .range(0, 1)
                   .def(c.fight_full),
               number("accept", "Friendly share below which irregulars decline battle")
                   .range(0, 1)
                   .def(c.accept),
               number("leak", "Fraction of fire exchanged when a battle is declined")
                   .range(0, 1)
                   .def(c.leak),
           }));
  const auto& ct = P.control;
  s.push_back(make(
      "model.control", "Control and support parameters.",
      {
          number("gamma", "Contest exponent").above(0, 16).def(ct.gamma),
          number("theta", "Policing requirement per inhabitant").range(0, 1).def(ct.theta),
          number("zeta", "Control relaxation rate per day").range(0, 1).def(ct.zeta),
          number("sigma", "Legitimacy weight of support").range(0, 100).def(ct.sigma),
          number("zeta_support", "Support relaxation rate per day")
              .range(0, 1)
              .def(ct.zeta_support),
          number("harm", "Support lost per casualty per inhabitant").range(0, big).def(ct.harm),
          number("alliance_threshold", "Relation at or above which actors join coalitions")
              .range(-1, 1)
              .def(ct.alliance_threshold),
      }));
  const auto& d = P.decide;
  s.push_back(make(
      "model.decide", "Decision parameters.",
      {
          number("h_ref", "Strength increment valued by the actor").above(0, 1e9).def(d.h_ref),
          integer("max_exchanges", "Target moves per decision")
              .irange(0, 10000)
              .def(static_cast<double>(d.max_exchanges)),
          number("move_cost", "Cost per travel day, in units of the best gain")
              .range(0, big)
              .def(d.move_cost),
          number("beta_scale", "Scale of the rationality beta").above(0, big).def(d.beta_scale),
          number("k_cost", "Distance cost weight").range(0, big).def(d.k_cost),
          number("k_risk", "Hostile-power risk weight").range(0, 1).def(d.k_risk),
      }));
  const auto& m = P.morale;
  s.push_back(make(
      "model.morale", "Morale parameters; p_retreat + p_disband <= 1.",
      {
          number("kappa", "Morale change per exchange-ratio difference").range(0, big).def(m.kappa),
          number("recovery", "Daily morale recovery toward 1 out of combat")
              .range(0, 1)
              .def(m.recovery),
          number("break_threshold", "Morale below which a unit breaks")
              .range(-1, 1)
              .def(m.break_threshold),
          number("p_retreat", "Probability that a broken unit retreats")
              .range(0, 1)
              .def(m.p_retreat),
          number("p_disband", "Probability that a broken unit disbands (else it defects)")
              .range(0, 1)
              .def(m.p_disband),
      }));
  s.push_back(make("model.air", "Air power parameters.",
                   {
                       number("ad_ref", "Hostile air defence that halves the air fire delivered")
                           .above(0, big)
                           .def(P.air.ad_ref),
                   }));
  const auto& e = P.economy;
  s.push_back(make(
      "model.economy", "Budget, income and recruitment parameters.",
      {
          number("budget_days", "Starting budget in days of upkeep")
              .range(0, big)
              .def(e.budget_days),
          number("d_ref", "Distance from home (km) at which upkeep doubles")
              .above(0, 1e9)
              .def(e.d_ref),
          number("territory_fraction", "Largest share of income from held ground")
              .range(0, 1)
              .def(e.territory_fraction),
          number("tau_budget", "Days to spend a surplus").above(0, big).def(e.tau_budget),
          number("recruit_rate", "Recruits per supporter per day").range(0, 1).def(e.recruit_rate),
          number("recruit_cost", "Budget per recruit").above(0, 1e9).def(e.recruit_cost),
          number("demob_rate", "Demobilisation per unit of deficit").range(0, 1).def(e.demob_rate),
      }));
  const auto& r = P.relations;
  s.push_back(make("model.relations", "Dynamic relations (off by default).",
                   {
                       boolean("enabled", "Let relations drift").def(r.enabled),
                       number("threat_rate", "Drift together under a common threat")
                           .range(0, 1)
                           .def(r.threat_rate),
                       number("clash_rate", "Drift apart per clash casualty share")
                           .range(0, 100)
                           .def(r.clash_rate),
                   }));
  const auto& v = P.value_weights;
  s.push_back(
      make("model.value_weights", "Weights of the value components of regions.",
           {
               number("capital", "Weight of the capital component").range(0, big).def(v.capital),
               number("port", "Weight of the port component").range(0, big).def(v.port),
               number("airbase", "Weight of the airbase component").range(0, big).def(v.airbase),
               number("oil", "Weight of the oil component").range(0, big).def(v.oil),
               number("border", "Weight of the border component").range(0, big).def(v.border),
           }));

  s.push_back(make(
      "region", "A region: on-map (lat and lon required) or off-map (a homeland behind an exit).",
      {
          K("name", Type::Name, "Region name").req(),
          number("lat", "Latitude in degrees; required for on-map regions").range(-90, 90),
          number("lon", "Longitude in degrees; required for on-map regions").range(-180, 180),
          number("population", "Inhabitants").range(0, 1e10).def(reg.population),
          number("terrain", "Defence multiplier tau").range(1, 100).def(reg.terrain),
          number("site_need",
                 "Holding power a site (base, port, airfield) needs beyond theta x population, so "
                 "that a passing force cannot take it")
              .range(0, 1e9)
              .def(reg.site_need),
          section_key("value", "region.value", "Value components of the region"),
          boolean("offmap", "An off-map region (a homeland behind an exit)").def(reg.offmap),
      },
      R"("if": {"properties": {"offmap": {"const": true}}, "required": ["offmap"]}, "else": {"required": ["lat", "lon"]})"));
  s.push_back(make("region.value",
                   "Value components of a region (weighted by model.value_weights).",
                   {
                       number("capital", "Capital component").range(0, big).def(0.0),
                       number("port", "Port component").range(0, big).def(0.0),
                       number("airbase", "Airbase component").range(0, big).def(0.0),
                       number("oil", "Oil component").range(0, big).def(0.0),
                       number("border", "Border-crossing component").range(0, big).def(0.0),
                   }));
  s.push_back(
      make("edge", "An undirected land link between two on-map regions.",
           {
               ref("a", Ref::Region, "One end (an on-map region)").req(),
               ref("b", Ref::Region, "The other end (an on-map region)").req(),
               number("km", "Length in km; default 1.3 x the great-circle distance").range(0, 1e5),
           }));
  s.push_back(
      make("exit", "A link from an on-map region to an off-map region.",
           {
               ref("from", Ref::Region, "On-map region where the exit starts").req(),
               ref("to", Ref::Region, "Off-map region it leads to").req(),
               number("capacity", "Strength per day that may leave through it").above(0, 1e9).req(),
               number("km", "Length in km").range(0, 1e5).def(ex.km),
               choice("mode", {"airlift", "sealift", "road"}, "How units leave (descriptive)"),
           }));
  s.push_back(make(
      "unit_type", "A unit type.",
      {
          number("attack", "Attack factor").range(0, big).def(ut.attack),
          number("defence", "Defence factor").range(0, big).def(ut.defence),
          number("lambda_km", "Decay length of fire with distance, km")
              .above(0, 1e5)
              .def(ut.lambda_km),
          number("range_km", "Range of fire, km").range(0, 1e5).def(ut.range_km),
          number("speed_km_day", "Movement speed, km per day").above(0, 1e5).def(ut.speed_km_day),
          number("upkeep", "Upkeep per unit of strength and day").range(0, big).def(ut.upkeep),
          boolean("holds_ground", "Counts toward holding ground").def(ut.holds_ground),
          choice("law", {"square", "linear"},
                 "Attrition law: square (aimed fire) or linear (area fire, guerrilla)")
              .def(std::string("square")),
          boolean("declines", "May decline battle").def(ut.declines),
          number("sorties", "Sorties per day per unit of strength (types that do not hold ground)")
              .range(0, 1e6)
              .def(ut.sorties),
          number("air_defence", "Air-defence power per unit of strength")
              .range(0, big)
              .def(ut.air_defence),
      }));
  s.push_back(make(
      "actor", "A state or non-state actor.",
      {
          choice("kind", {"state", "non_state"}, "State or non-state actor").req(),
          ref("home", Ref::Region, "Home region (often off-map)").req(),
          ref("recruit_type", Ref::UnitType,
              "Unit type raised by recruitment; default the first unit type"),
          number("aggressiveness", "Aggressiveness").range(0, 1).def(ac.aggressiveness),
          number("risk_aversion", "Risk aversion").range(0, 1).def(ac.risk_aversion),
          number("cost_sensitivity", "Cost sensitivity").range(0, 1).def(ac.cost_sensitivity),
          number("rationality", "Logit inverse temperature beta").above(0, big).def(ac.rationality),
          integer("decision_interval", "Days between decisions")
              .irange(1, 3650)
              .def(static_cast<double>(ac.decision_interval)),
          number("quality", "Multiplier on effectiveness").above(0, 1e3).def(ac.quality),
          number("budget", "Starting budget; default model.economy.budget_days x day-0 upkeep")
              .range(0, 1e15),
          number("income", "Income per day; default balanced against day-0 upkeep").range(0, 1e15),
          values("salience",
                 "Interest per region in [0,1]; `default` applies to the regions not listed")
              .with_default(),
          values("control",
                 "Initial control share per region in [0,1]; a region's shares sum to at most 1"),
          values("support", "Initial support per region in [0,1]; default: the control shares"),
          list("forces", "force", "Starting forces"),
      }));
  s.push_back(make("force", "A starting force, split into units of run.unit_size.",
                   {
                       ref("type", Ref::UnitType, "Unit type").req(),
                       ref("region", Ref::Region, "On-map region where it starts").req(),
                       number("strength", "Strength (personnel-equivalent)").range(0, 1e9).req(),
                   }));
  s.push_back(make("relation", "The relation between two actors.",
                   {
                       ref("a", Ref::Actor, "One actor").req(),
                       ref("b", Ref::Actor, "The other actor").req(),
                       number("value", "Relation in [-1, 1]: hostile to allied").range(-1, 1).req(),
                   }));
  s.push_back(
      make("sponsor", "A sponsor paying part of a client's upkeep.",
           {
               ref("sponsor", Ref::Actor, "The paying actor").req(),
               ref("client", Ref::Actor, "The sponsored actor").req(),
               number("fraction", "Fraction of the client's day-0 upkeep paid").range(0, 1).req(),
           }));
  s.push_back(make("garrison", "A standing hold order.",
                   {
                       ref("actor", Ref::Actor, "The actor").req(),
                       refs("regions", Ref::Region, "Regions it holds").req(),
                   }));
  s.push_back(
      make("outputs", "What is recorded.",
           {
               integer("interval", "Record every N steps")
                   .irange(1, 100000)
                   .def(static_cast<double>(out.interval)),
               number("event_min_losses",
                      "Engagements with at least these losses (strength) enter the event table")
                   .range(0, 1e12)
                   .def(out.event_min_losses),
           }));

  // Events: one section per type, picked by `type`.
  {
    Section group =
        make("event", "An event of the timeline; `type` picks which keys it takes.", {});
    group.discriminator = "type";
    group.variants = {"event.drawdown", "event.external_demand", "event.reinforcement",
                      "event.relation_change", "event.budget_change"};
    s.push_back(group);
  }
  auto type_key = [](const std::string& t) { return choice("type", {t}, "Event type").req(); };
  auto event_name = K("name", Type::Name,
                      "Name of the event, unique among events: `powershift run --counterfactual "
                      "NAME` removes it from the counterfactual arm");
  auto day = number("day",
                    "Day it takes effect (applied at the start of the first step from then); at "
                    "most (run.steps - 1) x run.dt")
                 .range(0, kInf)
                 .req();
  auto actor = ref("actor", Ref::Actor, "The actor").req();
  auto leave = refs("leave", Ref::Region,
                    "Sites the drawdown takes its units from, in this order (units elsewhere "
                    "after them); not a ban: remaining units may still go there");
  auto keep = refs("keep", Ref::Region,
                   "Retained sites: units there are outside the drawdown's base and never "
                   "ordered out");
  auto first = refs("first", Ref::UnitType, "Unit types in leaving order");
  s.push_back(make(
      "event.drawdown", "A withdrawal: give scope and pace_days, or a schedule.",
      {
          type_key("drawdown"),
          event_name,
          day,
          actor,
          number("scope",
                 "Fraction of the actor's Free forces outside `keep`, at the start, to leave")
              .range(0, 1),
          number("pace_days", "Days over which the scope is reached linearly").above(0, 1e6),
          list("schedule", "schedule_point",
               "Piecewise-linear fraction over days since `day`: an alternative to scope and "
               "pace_days")
              .min_items(1),
          leave,
          keep,
          first,
          choice("motive", {"budget_pressure", "external_demand", "relations", "unspecified"},
                 "Why the actor withdraws")
              .def(std::string("unspecified")),
      },
      R"("oneOf": [{"required": ["schedule"], "not": {"anyOf": [{"required": ["scope"]}, {"required": ["pace_days"]}]}}, {"required": ["scope", "pace_days"], "not": {"required": ["schedule"]}}])"));
  s.push_back(make(
      "schedule_point", "A point of a drawdown schedule; days increase, fractions do not decrease.",
      {
          number("day", "Days after the event's day").above(0, 1e6).req(),
          number("fraction", "Fraction of the actor's forces outside `keep` gone by then")
              .range(0, 1)
              .req(),
      }));
  s.push_back(make("event.external_demand", "Forces demanded elsewhere leave the scenario.",
                   {
                       type_key("external_demand"),
                       event_name,
                       day,
                       actor,
                       number("strength", "Strength demanded").range(0, 1e9).req(),
                       keep,
                       first,
                       leave,
                   }));
  s.push_back(make("event.reinforcement", "New forces arrive.",
                   {
                       type_key("reinforcement"),
                       event_name,
                       day,
                       actor,
                       ref("unit_type", Ref::UnitType, "Unit type").req(),
                       ref("region", Ref::Region, "On-map region where they arrive").req(),
                       number("strength", "Strength").range(0, 1e9).req(),
                   }));
  s.push_back(make("event.relation_change", "A relation is set to a new value.",
                   {
                       type_key("relation_change"),
                       event_name,
                       day,
                       ref("a", Ref::Actor, "One actor").req(),
                       ref("b", Ref::Actor, "The other actor").req(),
                       number("value", "New relation in [-1, 1]").range(-1, 1).req(),
                   }));
  s.push_back(make("event.budget_change", "An actor's income or budget changes (budget pressure).",
                   {
                       type_key("budget_change"),
                       event_name,
                       day,
                       actor,
                       number("income_factor", "Factor on income from then on")
                           .range(0, 100)
                           .def(ev.income_factor),
                       number("budget_delta", "Amount added to the budget")
                           .range(-1e15, 1e15)
                           .def(ev.budget_delta),
                   }));
  return s;
}

}  // namespace

const Key* Section::find(std::string_view name) const {
  for (const auto& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<std::string> Section::names() const {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const auto& k : keys) out.push_back(k.name);
  return out;
}

bool is_annotation(std::string_view key) {
  return key == "source" || key == "note";
}

const std::vector<Section>& sections() {
  static const std::vector<Section> table = build();
  return table;
}

const Section& section(std::string_view id) {
  for (const auto& s : sections()) {
    if (s.id == id) return s;
  }
  throw std::logic_error("powershift: no section '" + std::string(id) +
                         "' in the scenario language");
}

const Section* variant(const Section& group, std::string_view value) {
  for (const auto& id : group.variants) {
    const Section& v = section(id);
    const Key* k = v.find(group.discriminator);
    if (k != nullptr && !k->choices.empty() && k->choices.front() == value) return &v;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema

namespace {

constexpr const char* kNamePattern = "^[A-Za-z][A-Za-z0-9_-]{0,63}$";

std::string ref_to(const std::string& id, bool partial) {
  return "{\"$ref\": " + json_string("#/$defs/" + id + (partial ? ".partial" : "")) + "}";
}

std::string ref_what(Ref r) {
  switch (r) {
    case Ref::Region:
      return "region";
    case Ref::Actor:
      return "actor";
    case Ref::UnitType:
      return "unit type";
    case Ref::None:
      break;
  }
  return "name";
}

std::string annotations() {
  return "\"source\": {\"type\": \"string\", \"description\": \"Where the numbers come from "
         "(ignored by the engine)\"}, "
         "\"note\": {\"type\": \"string\", \"description\": \"A note (ignored by the engine)\"}";
}

std::string type_of(const char* t, bool nullable) {
  return nullable ? std::string("[\"") + t + "\", \"null\"]" : std::string("\"") + t + "\"";
}

std::string bounds(const Key& k) {
  std::string out;
  if (k.type == Type::Integer && k.unsigned64) {
    return ", \"minimum\": 0, \"maximum\": 18446744073709551615";
  }
  if (k.type == Type::Integer) {
    if (k.int_minimum != std::numeric_limits<long long>::min())
      out += ", \"minimum\": " + std::to_string(k.int_minimum);
    if (k.int_maximum != std::numeric_limits<long long>::max())
      out += ", \"maximum\": " + std::to_string(k.int_maximum);
    return out;
  }
  if (std::isfinite(k.minimum)) {
    out += (k.exclusive_minimum ? ", \"exclusiveMinimum\": " : ", \"minimum\": ") +
           json_number(k.minimum);
  }
  if (std::isfinite(k.maximum)) out += ", \"maximum\": " + json_number(k.maximum);
  return out;
}

// The schema of one key. `partial`: inside a document that extends another, where mappings that
// merge into the base need not repeat their required keys.
std::string key_schema(const Key& k, bool partial) {
  const bool nullable = !k.required;
  std::string body;
  switch (k.type) {
    case Type::Number:
      body = "\"type\": " + type_of("number", nullable) + bounds(k);
      break;
    case Type::Integer:
      body = "\"type\": " + type_of("integer", nullable) + bounds(k);
      break;
    case Type::Boolean:
      body = "\"type\": " + type_of("boolean", nullable);
      break;
    case Type::String:
      body = "\"type\": " + type_of("string", nullable);
      break;
    case Type::Name:
    case Type::Ref:
      body = "\"type\": " + type_of("string", nullable) +
             ", \"pattern\": " + json_string(kNamePattern);
      break;
    case Type::Date:
      body = "\"type\": " + type_of("string", nullable) +
             R"(, "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date")";
      break;
    case Type::Choice: {
      body = "\"enum\": [";
      for (std::size_t i = 0; i < k.choices.size(); ++i)
        body += (i ? ", " : "") + json_string(k.choices[i]);
      if (nullable) body += ", null";
      body += "]";
      break;
    }
    case Type::RefList:
      body = "\"type\": " + type_of("array", nullable) +
             ", \"items\": {\"type\": \"string\", \"pattern\": " + json_string(kNamePattern) +
             ", \"description\": " + json_string("name of a " + ref_what(k.ref)) + "}";
      break;
    case Type::Section:
      body = nullable
                 ? "\"anyOf\": [" + ref_to(k.section, partial) + ", {\"type\": \"null\"}]"
                 : "\"$ref\": " + json_string("#/$defs/" + k.section + (partial ? ".partial" : ""));
      break;
    case Type::List:
      // Lists replace the base's list wholesale, so their items are always complete.
      body = "\"type\": " + type_of("array", nullable) + ", \"items\": " + ref_to(k.section, false);
      if (k.min_items > 0) body += ", \"minItems\": " + std::to_string(k.min_items);
      break;
    case Type::Named:
      body = "\"type\": " + type_of("object", nullable) +
             ", \"propertyNames\": {\"pattern\": " + json_string(kNamePattern) +
             "}, \"properties\": {" + annotations() +
             "}, \"additionalProperties\": " + ref_to(k.section, partial);
      break;
    case Type::Values: {
      Key item = k;
      item.required = true;
      item.type = Type::Number;
      const std::string number_schema = "{\"type\": \"number\"" + bounds(item) + "}";
      body = "\"type\": " + type_of("object", nullable) +
             ", \"propertyNames\": {\"pattern\": " + json_string(kNamePattern) +
             "}, \"properties\": {" + annotations();
      if (k.allow_default) body += ", \"default\": " + number_schema;
      body += "}, \"additionalProperties\": " + number_schema;
      break;
    }
  }
  std::string out = "{" + body + ", \"description\": " + json_string(k.doc);
  if (!k.default_json.empty()) out += ", \"default\": " + k.default_json;
  return out + "}";
}

std::string section_schema(const Section& s, bool partial) {
  std::string out = "{\"description\": " + json_string(s.doc) + ", \"type\": \"object\"";
  if (!s.variants.empty()) {
    out += ", \"required\": [" + json_string(s.discriminator) + "], \"oneOf\": [";
    for (std::size_t i = 0; i < s.variants.size(); ++i)
      out += (i ? ", " : "") + ref_to(s.variants[i], false);
    return out + "]}";
  }
  out += ", \"properties\": {";
  for (const auto& k : s.keys) out += json_string(k.name) + ": " + key_schema(k, partial) + ", ";
  out += annotations() + "}, \"additionalProperties\": false";
  std::vector<std::string> required;
  for (const auto& k : s.keys) {
    // With `extends`, only `name` must be in the extending file itself.
    if (k.required && (!partial || (s.id == "root" && k.name == "name")))
      required.push_back(k.name);
  }
  if (!required.empty()) {
    out += ", \"required\": [";
    for (std::size_t i = 0; i < required.size(); ++i)
      out += (i ? ", " : "") + json_string(required[i]);
    out += "]";
  }
  if (!partial && !s.extra_json.empty()) out += ", " + s.extra_json;
  return out + "}";
}

// Sections reachable through merged mappings from the root (those get a partial variant).
void mergeable(const Section& s, std::vector<std::string>& out) {
  if (std::find(out.begin(), out.end(), s.id) != out.end()) return;
  out.push_back(s.id);
  for (const auto& k : s.keys) {
    if (k.type == Type::Section || k.type == Type::Named) mergeable(section(k.section), out);
  }
}

}  // namespace

std::string json_schema() {
  std::string out = "{\n";
  out += "  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n";
  out += "  \"title\": \"powershift scenario\",\n";
  out += "  \"description\": " +
         json_string(section("root").doc +
                     " Unknown keys are errors; `source` and `note` strings "
                     "are accepted on every mapping. See docs/scenarios.md.") +
         ",\n";
  out += "  \"type\": \"object\",\n";
  out += "  \"if\": {\"required\": [\"extends\"]},\n";
  out += "  \"then\": " + ref_to("root", true) + ",\n";
  out += "  \"else\": " + ref_to("root", false) + ",\n";
  out += "  \"$defs\": {\n";
  std::vector<std::string> partial;
  mergeable(section("root"), partial);
  bool first = true;
  for (const auto& s : sections()) {
    out += std::string(first ? "" : ",\n") + "    " + json_string(s.id) + ": " +
           section_schema(s, false);
    first = false;
    if (std::find(partial.begin(), partial.end(), s.id) != partial.end()) {
      out += ",\n    " + json_string(s.id + ".partial") + ": " + section_schema(s, true);
    }
  }
  out += "\n  }\n}\n";
  return out;
}

}  // namespace powershift::scenario::language
