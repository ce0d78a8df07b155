// The scenario loader (sim/scenario/src/loader.cpp, docs/scenarios.md): a small valid scenario
// loads and resolves names to indices with the documented defaults; every kind of bad input gives a
// ScenarioError whose diagnostics point at the offending line, column and field path; all problems
// in a file are reported together; hostile inputs (deep nesting, oversized files) are refused
// without crashing.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mini_scenario.hpp"
#include "powershift/model/error.hpp"
#include "powershift/model/scenario_spec.hpp"
#include "powershift/scenario/loader.hpp"

namespace ps = powershift;
using powershift::test::kLabel;
using powershift::test::kMini;
using powershift::test::with;
using ps::scenario::Limits;
using ps::scenario::load_file;
using ps::scenario::load_string;

namespace {

// Loads text that must fail; returns every diagnostic (errors and warnings).
std::vector<ps::Diagnostic> diagnostics_of(const std::string& text, const Limits& limits = {}) {
  try {
    (void)load_string(text, kLabel, limits);
  } catch (const ps::ScenarioError& e) {
    EXPECT_FALSE(e.diagnostics().empty());
    return e.diagnostics();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ScenarioError, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ScenarioError, but the scenario loaded";
  return {};
}

std::vector<ps::Diagnostic> errors_of(const std::string& text, const Limits& limits = {}) {
  auto all = diagnostics_of(text, limits);
  all.erase(
      std::remove_if(all.begin(), all.end(), [](const ps::Diagnostic& d) { return d.warning; }),
      all.end());
  return all;
}

std::string dump(const std::vector<ps::Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += "\n  " + d.format() + " [path " + d.path + "]";
  return out;
}

// The first error whose path is `path` and whose message contains `fragment`.
const ps::Diagnostic* find(const std::vector<ps::Diagnostic>& ds, const std::string& path,
                           const std::string& fragment) {
  for (const auto& d : ds) {
    if (!d.warning && d.path == path && d.message.find(fragment) != std::string::npos) return &d;
  }
  return nullptr;
}

// Asserts that loading `text` reports an error at line:column with the given path and message
// fragment, in file kLabel.
void expect_error(const std::string& text, int line, int column, const std::string& path,
                  const std::string& fragment) {
  const auto ds = errors_of(text);
  const ps::Diagnostic* d = find(ds, path, fragment);
  ASSERT_NE(d, nullptr) << "no error with path '" << path << "' and message containing '"
                        << fragment << "'; got:" << dump(ds);
  EXPECT_EQ(d->file, kLabel);
  EXPECT_EQ(d->line, line) << d->format();
  EXPECT_EQ(d->column, column) << d->format();
  EXPECT_FALSE(d->warning);
  // The formatted form is what the CLI prints: file:line:col: error: path: message.
  EXPECT_NE(d->format().find(std::string(kLabel) + ":" + std::to_string(line) + ":" +
                             std::to_string(column) +
                             ": error: " + (path.empty() ? std::string() : path + ": ")),
            std::string::npos)
      << d->format();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The valid scenario.

TEST(Loader, MinimalScenarioLoadsAndResolvesNames) {
  const auto result = load_string(kMini, kLabel);
  const auto& s = result.spec;
  EXPECT_TRUE(result.warnings.empty()) << dump(result.warnings);
  EXPECT_EQ(s.name, "mini");
  EXPECT_EQ(s.source_path, kLabel);
  EXPECT_EQ(s.source_text, kMini);

  // run: given steps, documented defaults elsewhere.
  EXPECT_EQ(s.run.steps, 60);
  EXPECT_DOUBLE_EQ(s.run.dt, 1.0);
  EXPECT_EQ(s.run.start_date, "2024-12-08");
  EXPECT_EQ(s.run.seed, 1u);
  EXPECT_EQ(s.run.replicates, 1);
  EXPECT_DOUBLE_EQ(s.run.unit_size, 300.0);
  EXPECT_EQ(s.outputs.interval, 1);

  ASSERT_EQ(s.regions.size(), 3u);
  EXPECT_EQ(s.regions[0].name, "A");
  EXPECT_DOUBLE_EQ(s.regions[0].lat, 33.0);
  EXPECT_DOUBLE_EQ(s.regions[0].lon, 36.0);
  EXPECT_DOUBLE_EQ(s.regions[0].population, 1000.0);
  EXPECT_DOUBLE_EQ(s.regions[0].terrain, 1.0);  // default
  EXPECT_FALSE(s.regions[0].offmap);
  EXPECT_DOUBLE_EQ(s.regions[1].population, 0.0);  // default
  EXPECT_DOUBLE_EQ(s.regions[1].terrain, 1.2);
  EXPECT_EQ(s.regions[2].name, "Home");
  EXPECT_TRUE(s.regions[2].offmap);

  ASSERT_EQ(s.edges.size(), 1u);
  EXPECT_EQ(s.edges[0].a, 0);
  EXPECT_EQ(s.edges[0].b, 1);
  EXPECT_LT(s.edges[0].km, 0.0);  // default: derived from great-circle distance by the engine

  ASSERT_EQ(s.exits.size(), 1u);
  EXPECT_EQ(s.exits[0].from, 0);
  EXPECT_EQ(s.exits[0].to, 2);
  EXPECT_DOUBLE_EQ(s.exits[0].capacity, 100.0);

  ASSERT_EQ(s.unit_types.size(), 1u);
  EXPECT_EQ(s.unit_types[0].name, "inf");
  EXPECT_DOUBLE_EQ(s.unit_types[0].attack, 1.0);
  EXPECT_DOUBLE_EQ(s.unit_types[0].defence, 1.5);
  EXPECT_DOUBLE_EQ(s.unit_types[0].lambda_km, 40.0);  // default
  EXPECT_TRUE(s.unit_types[0].holds_ground);
  EXPECT_EQ(s.unit_types[0].law, ps::AttritionLaw::Square);

  ASSERT_EQ(s.actors.size(), 2u);
  const auto& red = s.actors[0];
  const auto& blue = s.actors[1];
  EXPECT_EQ(red.name, "red");
  EXPECT_TRUE(red.is_state);
  EXPECT_EQ(red.home, 2);
  EXPECT_EQ(red.recruit_type, 0);
  EXPECT_DOUBLE_EQ(red.aggressiveness, 0.5);  // defaults
  EXPECT_EQ(red.decision_interval, 3);
  EXPECT_LT(red.budget, 0.0);
  EXPECT_LT(red.income, 0.0);
  ASSERT_EQ(red.control.size(), 3u);
  ASSERT_EQ(red.support.size(), 3u);
  ASSERT_EQ(red.salience.size(), 3u);
  EXPECT_DOUBLE_EQ(red.control[0], 0.8);
  EXPECT_DOUBLE_EQ(red.control[1], 0.0);
  // support defaults to control
  EXPECT_EQ(red.support, red.control);
  ASSERT_EQ(red.forces.size(), 1u);
  EXPECT_EQ(red.forces[0].type, 0);
  EXPECT_EQ(red.forces[0].region, 0);
  EXPECT_DOUBLE_EQ(red.forces[0].strength, 600.0);

  EXPECT_EQ(blue.name, "blue");
  EXPECT_FALSE(blue.is_state);
  EXPECT_EQ(blue.home, 1);
  EXPECT_DOUBLE_EQ(blue.control[1], 0.5);
  EXPECT_DOUBLE_EQ(blue.support[1], 0.2);  // given explicitly
  EXPECT_DOUBLE_EQ(blue.support[0], 0.0);
  ASSERT_EQ(blue.forces.size(), 1u);
  EXPECT_EQ(blue.forces[0].region, 1);

  ASSERT_EQ(s.relations.size(), 1u);
  EXPECT_EQ(s.relations[0].a, 0);
  EXPECT_EQ(s.relations[0].b, 1);
  EXPECT_DOUBLE_EQ(s.relations[0].value, -0.5);

  // scope/pace becomes one schedule point {day: pace_days, fraction: scope}.
  ASSERT_EQ(s.events.size(), 1u);
  const auto& ev = s.events[0];
  EXPECT_EQ(ev.type, ps::EventType::Drawdown);
  EXPECT_EQ(ev.actor, 0);
  EXPECT_DOUBLE_EQ(ev.day, 1.0);
  ASSERT_EQ(ev.schedule.size(), 1u);
  EXPECT_DOUBLE_EQ(ev.schedule[0].day, 30.0);
  EXPECT_DOUBLE_EQ(ev.schedule[0].fraction, 0.5);
  EXPECT_EQ(ev.motive, ps::Motive::Unspecified);
  EXPECT_TRUE(s.has_drawdown());
}

TEST(Loader, SourceAndNoteKeysAreAcceptedEverywhere) {
  auto text = with("population: 1000}", "population: 1000, source: \"census\", note: n}");
  text = with("strength: 600}", "strength: 600, source: \"estimate\"}", text);
  EXPECT_NO_THROW((void)load_string(text, kLabel));
}

TEST(Loader, ExplicitScheduleIsKept) {
  const auto text = with("scope: 0.5, pace_days: 30}",
                         "schedule: [{day: 10, fraction: 0.2}, {day: 20, fraction: 0.6}]}");
  const auto s = load_string(text, kLabel).spec;
  ASSERT_EQ(s.events.size(), 1u);
  ASSERT_EQ(s.events[0].schedule.size(), 2u);
  EXPECT_DOUBLE_EQ(s.events[0].schedule[1].day, 20.0);
  EXPECT_DOUBLE_EQ(s.events[0].schedule[1].fraction, 0.6);
}

TEST(Loader, AirPowerAndEngagementKeys) {
  // Line 12 becomes "  inf: {attack: 1.0, defence: 1.5, sorties: 4, air_defence: 2}".
  auto text = with("defence: 1.5}", "defence: 1.5, sorties: 4, air_defence: 2}");
  text += "model: {air: {ad_ref: 250}, combat: {fight_full: 0.45}}\n";
  const auto s = load_string(text, kLabel).spec;
  EXPECT_DOUBLE_EQ(s.unit_types[0].sorties, 4.0);
  EXPECT_DOUBLE_EQ(s.unit_types[0].air_defence, 2.0);
  EXPECT_DOUBLE_EQ(s.params.air.ad_ref, 250.0);
  EXPECT_DOUBLE_EQ(s.params.combat.fight_full, 0.45);
  // Defaults (docs/scenarios.md).
  const auto d = load_string(kMini, kLabel).spec;
  EXPECT_DOUBLE_EQ(d.unit_types[0].sorties, 1.0);
  EXPECT_DOUBLE_EQ(d.unit_types[0].air_defence, 0.0);
  EXPECT_DOUBLE_EQ(d.params.air.ad_ref, 1000.0);
  EXPECT_DOUBLE_EQ(d.params.combat.fight_full, 0.6);
}

TEST(LoaderErrors, AirPowerKeysOutOfRange) {
  // line 12: "  inf: {attack: 1.0, defence: 1.5, sorties: -1}"; the value is in column 45.
  expect_error(with("defence: 1.5}", "defence: 1.5, sorties: -1}"), 12, 45,
               "unit_types.inf.sorties", "must be >= 0");
  // line 31: "model: {air: {ad_ref: 0}}"; the value is in column 23.
  expect_error(kMini + "model: {air: {ad_ref: 0}}\n", 31, 23, "model.air.ad_ref", "must be > 0");
}

// ---------------------------------------------------------------------------------------------
// Errors: each one located at line:column with its field path.

TEST(LoaderErrors, UnknownKeySuggestsTheNearestValidKey) {
  // line 19: "      - {type: inf, region: A, strenght: 600}"; the key starts in column 32.
  expect_error(with("strength: 600", "strenght: 600"), 19, 32, "actors.red.forces[0].strenght",
               "did you mean 'strength'?");
  // The unknown key also leaves the required one missing.
  const auto ds = errors_of(with("strength: 600", "strenght: 600"));
  EXPECT_NE(find(ds, "actors.red.forces[0].strength", "required key 'strength' is missing"),
            nullptr)
      << dump(ds);
}

TEST(LoaderErrors, UnknownTopLevelKey) {
  expect_error(kMini + "regoins: []\n", 31, 1, "regoins", "did you mean 'regions'?");
}

TEST(LoaderErrors, StringWhereANumberGoes) {
  // line 4: "  - {name: A, lat: 33.0, lon: 36.0, population: lots}"; the value is in column 49.
  expect_error(with("population: 1000", "population: lots"), 4, 49, "regions[0].population",
               "expected a number, got 'lots'");
}

TEST(LoaderErrors, ListWhereANumberGoes) {
  expect_error(with("population: 1000", "population: [1, 2]"), 4, 49, "regions[0].population",
               "expected a number, got a list");
}

TEST(LoaderErrors, NegativeStrength) {
  expect_error(with("strength: 600", "strength: -600"), 19, 42, "actors.red.forces[0].strength",
               "must be >= 0");
}

TEST(LoaderErrors, NaN) {
  expect_error(with("population: 1000", "population: .nan"), 4, 49, "regions[0].population",
               "must be a finite number");
  expect_error(with("population: 1000", "population: .NaN"), 4, 49, "regions[0].population",
               "must be a finite number");
  expect_error(with("population: 1000", "population: nan"), 4, 49, "regions[0].population",
               "must be a finite number");
}

TEST(LoaderErrors, InfiniteNumbers) {
  expect_error(with("population: 1000", "population: .inf"), 4, 49, "regions[0].population",
               "must be a finite number");
  expect_error(with("population: 1000", "population: -.inf"), 4, 49, "regions[0].population",
               "must be a finite number");
  expect_error(with("population: 1000", "population: +.inf"), 4, 49, "regions[0].population",
               "must be a finite number");
  // A literal that overflows a double is infinite too.
  expect_error(with("population: 1000", "population: 1e999"), 4, 49, "regions[0].population",
               "must be a finite number");
}

TEST(LoaderErrors, InfiniteNumbersInEveryYamlSpelling) {
  // YAML 1.2 (core schema) spells infinity [-+]?(.inf|.Inf|.INF) and NaN .nan|.NaN|.NAN: every
  // spelling is a number, and the message should say it is not finite rather than not a number.
  for (const std::string v : {".INF", "-.INF", "+.INF", "+.Inf", "-.Inf", ".Inf", ".NAN"}) {
    SCOPED_TRACE(v);
    expect_error(with("population: 1000", "population: " + v), 4, 49, "regions[0].population",
                 "must be a finite number");
  }
}

TEST(LoaderErrors, RelationValueOutOfRange) {
  // line 28: "  - {a: red, b: blue, value: 1.5}"; the value is in column 30.
  expect_error(with("value: -0.5", "value: 1.5"), 28, 30, "relations[0].value",
               "must be >= -1 and <= 1");
}

TEST(LoaderErrors, DanglingRegionReference) {
  expect_error(with("region: A, strength: 600", "region: Nowhere, strength: 600"), 19, 29,
               "actors.red.forces[0].region", "unknown region 'Nowhere'");
}

TEST(LoaderErrors, DanglingActorReference) {
  // line 28: "  - {a: red, b: bleu, value: -0.5}"; the name is in column 17.
  expect_error(with("b: blue", "b: bleu"), 28, 17, "relations[0].b",
               "unknown actor 'bleu'; did you mean 'blue'?");
  // line 30: "  - {type: drawdown, actor: green, ..."; the name is in column 29.
  expect_error(with("actor: red", "actor: green"), 30, 29, "events[0].actor",
               "unknown actor 'green'");
}

TEST(LoaderErrors, DuplicateRegionName) {
  // line 5: "  - {name: A, lat: 34.0, ..."; the name is in column 12.
  expect_error(with("{name: B,", "{name: A,"), 5, 12, "regions[1].name",
               "duplicate region name 'A'");
}

TEST(LoaderErrors, DuplicateMappingKeys) {
  // In a flow mapping: line 12 "  inf: {attack: 1.0, defence: 1.5, attack: 2.0}", the second
  // key is in column 36.
  expect_error(with("defence: 1.5}", "defence: 1.5, attack: 2.0}"), 12, 36, "unit_types.inf.attack",
               "duplicate key 'attack'");
  // At the top level: a second `name:` on line 31.
  expect_error(kMini + "name: other\n", 31, 1, "name", "duplicate key 'name'");
  // In a block mapping: a second `kind:` on line 16 of red.
  expect_error(with("    kind: state\n", "    kind: state\n    kind: non_state\n"), 16, 5,
               "actors.red.kind", "duplicate key 'kind'");
  // In a region-to-value mapping.
  expect_error(with("control: {A: 0.8}", "control: {A: 0.8, A: 0.1}"), 17, 23,
               "actors.red.control.A", "duplicate key 'A'");
}

TEST(LoaderErrors, DuplicateActorName) {
  // A second `red:` actor (lines 31-33).
  const auto text = with("relations:\n", "  red:\n    kind: state\n    home: Home\nrelations:\n");
  const auto ds = errors_of(text);
  bool found = false;
  for (const auto& d : ds) {
    if (d.message.find("duplicate") != std::string::npos &&
        d.message.find("red") != std::string::npos) {
      found = true;
      EXPECT_EQ(d.line, 27) << d.format();
      EXPECT_EQ(d.column, 3) << d.format();
    }
  }
  EXPECT_TRUE(found) << dump(ds);
}

TEST(LoaderErrors, DisconnectedRegionGraph) {
  // No edges: B cannot be reached from A. The error points at B's entry (line 5, column 5).
  expect_error(with("edges:\n  - {a: A, b: B}\n", "edges: []\n\n"), 5, 5, "regions[1]",
               "region graph is disconnected: 'B' cannot be reached from 'A'");
}

TEST(LoaderErrors, ControlRowSumsAboveOne) {
  // red holds 0.8 of A (line 17); giving blue 0.5 of A (line 23) makes the row sum 1.3. The loader
  // reports it at the entry that takes the row over 1 (line 23, column 15).
  const auto text = with("control: {B: 0.5}", "control: {A: 0.5}");
  expect_error(text, 23, 15, "actors.blue.control.A", "sums to 1.3");
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_NE(ds[0].message.find("'A'"), std::string::npos) << ds[0].message;
}

TEST(LoaderErrors, ControlShareOutOfRange) {
  expect_error(with("control: {A: 0.8}", "control: {A: 1.8}"), 17, 18, "actors.red.control.A",
               "must be >= 0 and <= 1");
}

TEST(LoaderErrors, UnknownEventType) {
  // line 30: "  - {type: drawdwn, ..."; the value is in column 12.
  expect_error(with("type: drawdown", "type: drawdwn"), 30, 12, "events[0].type",
               "unknown event type 'drawdwn'; did you mean 'drawdown'?");
}

TEST(LoaderErrors, ScopeWithoutPaceDays) {
  // The event mapping starts at line 30, column 5.
  expect_error(with(", pace_days: 30", ""), 30, 5, "events[0].pace_days",
               "required key 'pace_days' is missing");
}

TEST(LoaderErrors, ScopeAndScheduleTogether) {
  expect_error(with("pace_days: 30}", "pace_days: 30, schedule: [{day: 10, fraction: 0.2}]}"), 30,
               5, "events[0]", "not both");
}

TEST(LoaderErrors, EdgeToAnOffMapRegion) {
  // line 8: "  - {a: A, b: Home}"; the edge mapping starts in column 5.
  expect_error(with("{a: A, b: B}", "{a: A, b: Home}"), 8, 5, "edges[0]",
               "edges join on-map regions");
}

TEST(LoaderErrors, MalformedYamlUnclosedBracket) {
  // An unclosed flow sequence on line 3 that runs into the next mapping key.
  const std::string text =
      "name: broken\n"      // 1
      "run: {steps: 10}\n"  // 2
      "regions: [A, B\n"    // 3
      "edges: []\n";        // 4
  const auto ds = errors_of(text);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  const auto& d = ds[0];
  EXPECT_EQ(d.file, kLabel);
  EXPECT_NE(d.message.find("invalid YAML"), std::string::npos) << d.message;
  // The parser notices at or after the bracket (line 3, column 10) and before the end of input.
  EXPECT_GE(d.line, 3) << d.format();
  EXPECT_LE(d.line, 5) << d.format();
  EXPECT_GE(d.column, 1) << d.format();

  // In the middle of the minimal scenario: "  - {a: A, b: [B}" on line 8.
  const auto ds2 = errors_of(with("{a: A, b: B}", "{a: A, b: [B}"));
  ASSERT_EQ(ds2.size(), 1u) << dump(ds2);
  EXPECT_NE(ds2[0].message.find("invalid YAML"), std::string::npos) << ds2[0].message;
  EXPECT_EQ(ds2[0].line, 8) << ds2[0].format();
  EXPECT_GE(ds2[0].column, 14) << ds2[0].format();
}

TEST(LoaderErrors, EmptyDocument) {
  for (const std::string text : {"", "\n\n", "# only a comment\n", "~\n"}) {
    SCOPED_TRACE("text: '" + text + "'");
    const auto ds = errors_of(text);
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].file, kLabel);
    EXPECT_NE(ds[0].message.find("empty"), std::string::npos) << ds[0].message;
    EXPECT_EQ(ds[0].path, "");
    // No position is better than a made-up one; if given it must be the start.
    EXPECT_LE(ds[0].line, 1);
    EXPECT_LE(ds[0].column, 1);
  }
}

TEST(LoaderErrors, NotAMapping) {
  expect_error("- a\n- b\n", 1, 1, "", "expected a mapping, got a list");
}

TEST(LoaderErrors, DeepNestingIsRefusedWithoutCrashing) {
  for (const std::string& text :
       {std::string(10000, '['), std::string(10000, '{'),
        "name: deep\ndescription: " + std::string(10000, '[') + std::string(10000, ']') + "\n",
        std::string(100000, '[')}) {
    SCOPED_TRACE("length " + std::to_string(text.size()));
    const auto ds = errors_of(text);
    ASSERT_FALSE(ds.empty());
    EXPECT_EQ(ds[0].file, kLabel);
  }
}

TEST(LoaderErrors, FileOverTheSizeLimit) {
  Limits limits;
  limits.max_file_bytes = 64;
  const auto ds = errors_of(kMini, limits);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].file, kLabel);
  EXPECT_NE(ds[0].message.find("the limit is 64"), std::string::npos) << ds[0].message;
  EXPECT_NE(ds[0].message.find(std::to_string(kMini.size())), std::string::npos) << ds[0].message;

  // load_file checks the size before reading.
  try {
    (void)load_file(std::string(POWERSHIFT_SOURCE_DIR) + "/scenarios/syria-2024-12.yaml", limits);
    ADD_FAILURE() << "an oversized file loaded";
  } catch (const ps::ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("the limit is 64"), std::string::npos);
  }
  // Exactly at the limit is fine.
  limits.max_file_bytes = kMini.size();
  EXPECT_NO_THROW((void)load_string(kMini, kLabel, limits));
}

TEST(LoaderErrors, MissingFile) {
  try {
    (void)load_file("/nonexistent/powershift/none.yaml");
    ADD_FAILURE() << "a missing file loaded";
  } catch (const ps::ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, "/nonexistent/powershift/none.yaml");
  }
}

TEST(LoaderErrors, AllErrorsInAFileAreReported) {
  auto text = with("population: 1000", "population: lots");  // line 4
  text = with("strength: 600", "strength: -600", text);      // line 19
  text = with("value: -0.5", "value: 1.5", text);            // line 28
  text = with("type: drawdown", "type: drawdwn", text);      // line 30
  const auto ds = errors_of(text);
  EXPECT_GE(ds.size(), 3u) << dump(ds);
  EXPECT_NE(find(ds, "regions[0].population", "expected a number"), nullptr) << dump(ds);
  EXPECT_NE(find(ds, "actors.red.forces[0].strength", "must be >= 0"), nullptr) << dump(ds);
  EXPECT_NE(find(ds, "relations[0].value", "must be >= -1"), nullptr) << dump(ds);
  EXPECT_NE(find(ds, "events[0].type", "unknown event type"), nullptr) << dump(ds);
  // The exception's what() lists them all, one per line.
  try {
    (void)load_string(text, kLabel);
  } catch (const ps::ScenarioError& e) {
    const std::string what = e.what();
    EXPECT_GE(std::count(what.begin(), what.end(), '\n'), 3) << what;
  }
}

TEST(LoaderErrors, SecondYamlDocumentIsNotSilentlyIgnored) {
  // A scenario is one YAML document; content after a `---` must not be dropped without a word.
  const auto ds = errors_of(kMini + "---\nname: other\n");
  ASSERT_FALSE(ds.empty());
  EXPECT_GE(ds[0].line, 31) << ds[0].format();
}

TEST(LoaderErrors, EventDaysAreWithinTheHorizon) {
  // docs/scenarios.md: an event's day is a time in [0, (steps - 1) x dt]; day 0 applies from
  // step 1; a day past the start of the last step would never apply.
  EXPECT_NO_THROW(load_string(with("actor: red, day: 1,", "actor: red, day: 0,"), kLabel));
  expect_error(with("actor: red, day: 1,", "actor: red, day: -1,"), 30, 39, "events[0].day",
               ">= 0");
  expect_error(with("actor: red, day: 1,", "actor: red, day: 60,"), 30, 39, "events[0].day",
               "<= 59");
  EXPECT_NO_THROW(load_string(with("actor: red, day: 1,", "actor: red, day: 59,"), kLabel));
}

TEST(LoaderErrors, StartDateMustBeACalendarDate) {
  // 31 February passes the YYYY-MM-DD shape check but is no date; it ends up in the output's CF
  // time units ("days since 2024-02-31"), which readers then cannot decode.
  expect_error(with("run: {steps: 60}", "run: {steps: 60, start_date: 2024-02-31}"), 2, 30,
               "run.start_date", "2024-02-31");
}

TEST(LoaderErrors, LoadFileOnADirectory) {
  try {
    (void)load_file(std::string(POWERSHIFT_SOURCE_DIR) + "/scenarios");
    ADD_FAILURE() << "a directory loaded";
  } catch (const ps::ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const auto& msg = e.diagnostics()[0].message;
    // Not a size-limit complaint about a file of 2^63 - 1 bytes.
    EXPECT_EQ(msg.find("limit"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------------------------------------
// The bundled scenario.

TEST(Loader, BundledSyriaScenario) {
  const auto result =
      load_file(std::string(POWERSHIFT_SOURCE_DIR) + "/scenarios/syria-2024-12.yaml");
  const auto& s = result.spec;
  EXPECT_EQ(s.name, "syria-2024-12");
  ASSERT_EQ(s.actors.size(), 13u);
  EXPECT_EQ(s.regions.size(), 24u);
  int russia = -1;
  for (std::size_t i = 0; i < s.actors.size(); ++i) {
    if (s.actors[i].name == "russia") russia = static_cast<int>(i);
  }
  ASSERT_GE(russia, 0);
  const auto it = std::find_if(s.events.begin(), s.events.end(), [&](const ps::EventSpec& e) {
    return e.type == ps::EventType::Drawdown && e.actor == russia;
  });
  ASSERT_NE(it, s.events.end()) << "no drawdown event for russia";
  ASSERT_FALSE(it->schedule.empty());
  EXPECT_DOUBLE_EQ(it->schedule.back().fraction, 0.7);
  EXPECT_DOUBLE_EQ(it->schedule.back().day, 60.0);
  EXPECT_FALSE(it->keep.empty());
  EXPECT_FALSE(it->leave.empty());
  EXPECT_TRUE(s.has_drawdown());
}
