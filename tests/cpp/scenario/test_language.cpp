// The scenario language beyond one file (docs/scenarios.md, "Inheritance and overrides"):
// `extends` (deep merge, relative paths, cycles, errors located in the file a value came from),
// scenario paths and `--set` overrides (valid edits change the spec; bad paths and values give
// errors naming the override and the path), limits on the YAML itself (alias expansion, nesting),
// and the language table as the one source of the keys the loader accepts.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mini_scenario.hpp"
#include "powershift/model/error.hpp"
#include "powershift/model/scenario_spec.hpp"
#include "powershift/scenario/language.hpp"
#include "powershift/scenario/loader.hpp"

namespace ps = powershift;
namespace fs = std::filesystem;
namespace lang = powershift::scenario::language;
using ps::scenario::Limits;
using ps::scenario::load_file;
using ps::scenario::load_string;
using ps::scenario::LoadOptions;
using ps::scenario::Override;

namespace {

// The minimal scenario of test_loader.cpp, named `base` and seeded. Line numbers matter to the
// tests below; the two changes keep them.
const std::string kBase =
    powershift::test::with("run: {steps: 60}", "run: {steps: 60, seed: 7}",
                           powershift::test::with("name: mini", "name: base"));
using powershift::test::kLabel;

std::string replaced(const std::string& from, const std::string& to,
                     const std::string& base = kBase) {
  return powershift::test::with(from, to, base);
}

// A fresh directory per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("powershift-lang-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `rel` (directories created) and returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    const fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  fs::path path_;
};

template <class Fn>
std::vector<ps::Diagnostic> errors_from(Fn&& load) {
  try {
    (void)load();
  } catch (const ps::ScenarioError& e) {
    std::vector<ps::Diagnostic> out;
    for (const auto& d : e.diagnostics()) {
      if (!d.warning) out.push_back(d);
    }
    EXPECT_FALSE(out.empty());
    return out;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ScenarioError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ScenarioError, but the scenario loaded";
  return {};
}

std::string dump(const std::vector<ps::Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += "\n  " + d.format() + " [path " + d.path + "]";
  return out;
}

const ps::Diagnostic* find(const std::vector<ps::Diagnostic>& ds, const std::string& path,
                           const std::string& fragment) {
  for (const auto& d : ds) {
    if (d.path == path && d.message.find(fragment) != std::string::npos) return &d;
  }
  return nullptr;
}

int actor(const ps::ScenarioSpec& s, const std::string& name) {
  for (std::size_t i = 0; i < s.actors.size(); ++i) {
    if (s.actors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

LoadOptions with_sets(const std::vector<std::string>& sets) {
  LoadOptions o;
  for (const auto& s : sets) o.overrides.push_back(ps::scenario::parse_override(s));
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// extends

TEST(LanguageExtends, MappingsMergeKeyByKeyAndListsReplace) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const auto child = dir.write("child.yaml",
                               "extends: base.yaml\n"
                               "name: child\n"
                               "run: {steps: 90}\n"
                               "model: {control: {theta: 0.004}}\n"
                               "actors:\n"
                               "  red: {aggressiveness: 0.9}\n"
                               "  blue: {forces: [{type: inf, region: B, strength: 1200}]}\n"
                               "events: []\n");
  const auto s = load_file(child).spec;
  EXPECT_EQ(s.name, "child");
  EXPECT_EQ(s.run.steps, 90);  // overridden
  EXPECT_EQ(s.run.seed, 7u);   // inherited next to it
  EXPECT_DOUBLE_EQ(s.params.control.theta, 0.004);
  ASSERT_EQ(s.regions.size(), 3u);  // inherited list
  const int red = actor(s, "red");
  const int blue = actor(s, "blue");
  ASSERT_GE(red, 0);
  ASSERT_GE(blue, 0);
  EXPECT_DOUBLE_EQ(s.actors[red].aggressiveness, 0.9);
  EXPECT_TRUE(s.actors[red].is_state);  // merged: the rest of red is the base's
  ASSERT_EQ(s.actors[red].forces.size(), 1u);
  EXPECT_DOUBLE_EQ(s.actors[red].forces[0].strength, 600.0);
  ASSERT_EQ(s.actors[blue].forces.size(), 1u);  // a list replaces the base's list
  EXPECT_DOUBLE_EQ(s.actors[blue].forces[0].strength, 1200.0);
  EXPECT_DOUBLE_EQ(s.actors[blue].support[1], 0.2);
  EXPECT_TRUE(s.events.empty());  // replaced by an empty list
  EXPECT_FALSE(s.has_drawdown());
}

TEST(LanguageExtends, NullInTheChildRemovesTheInheritedValue) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const auto child = dir.write("child.yaml",
                               "extends: base.yaml\nname: child\nactors: {blue: {support: ~}}\n"
                               "run: {seed: ~}\n");
  const auto s = load_file(child).spec;
  const int blue = actor(s, "blue");
  ASSERT_GE(blue, 0);
  EXPECT_EQ(s.actors[blue].support, s.actors[blue].control);  // support defaults to control again
  EXPECT_EQ(s.run.seed, 1u);                                  // the default, not the base's 7
  EXPECT_EQ(s.run.steps, 60);
}

TEST(LanguageExtends, PathsAreRelativeToTheExtendingFileAndChain) {
  TempDir dir;
  dir.write("lib/base.yaml", kBase);
  dir.write("lib/variants/mid.yaml", "extends: ../base.yaml\nname: mid\nrun: {steps: 80}\n");
  const auto top = dir.write("studies/a/top.yaml",
                             "extends: ../../lib/variants/mid.yaml\nname: top\nrun: {seed: 3}\n");
  // Loaded by absolute path, whatever the working directory.
  const auto result = load_file(top);
  EXPECT_EQ(result.spec.name, "top");
  EXPECT_EQ(result.spec.run.steps, 80);
  EXPECT_EQ(result.spec.run.seed, 3u);
  EXPECT_EQ(result.spec.source_path, top);
  // The stored text is the merged document, names its parts and loads to the same spec.
  const auto& text = result.spec.source_text;
  EXPECT_NE(text.find("top.yaml"), std::string::npos) << text;
  EXPECT_NE(text.find("extends"), std::string::npos) << text;
  const auto again = load_string(text, "stored.yaml").spec;
  EXPECT_EQ(again.name, "top");
  EXPECT_EQ(again.run.steps, 80);
  EXPECT_EQ(again.run.seed, 3u);
  EXPECT_EQ(again.regions.size(), result.spec.regions.size());
  EXPECT_EQ(again.actors.size(), result.spec.actors.size());
  EXPECT_EQ(again.events.size(), result.spec.events.size());
}

TEST(LanguageExtends, CycleIsReportedWithTheChainOfFiles) {
  TempDir dir;
  const auto a = dir.write("a.yaml", "extends: b.yaml\nname: a\n");
  dir.write("b.yaml", "extends: sub/../a.yaml\nname: b\n");
  const auto ds = errors_from([&] { return load_file(a); });
  const auto* d = find(ds, "extends", "cycle");
  ASSERT_NE(d, nullptr) << dump(ds);
  EXPECT_EQ(d->file, dir.path("b.yaml"));  // where the cycle closes
  EXPECT_EQ(d->line, 1);
  EXPECT_NE(d->message.find("a.yaml -> " + dir.path("b.yaml") + " -> " + dir.path("a.yaml")),
            std::string::npos)
      << d->message;

  const auto self = dir.write("self.yaml", "extends: ./self.yaml\nname: self\n");
  const auto ds2 = errors_from([&] { return load_file(self); });
  ASSERT_NE(find(ds2, "extends", "cycle"), nullptr) << dump(ds2);
}

TEST(LanguageExtends, ChainsDeeperThanTheLimitAreRefused) {
  TempDir dir;
  dir.write("f0.yaml", kBase);
  for (int i = 1; i <= 17; ++i) {
    dir.write("f" + std::to_string(i) + ".yaml",
              "extends: f" + std::to_string(i - 1) + ".yaml\nname: f" + std::to_string(i) + "\n");
  }
  // 16 levels load; 17 do not.
  EXPECT_EQ(load_file(dir.path("f16.yaml")).spec.name, "f16");
  const auto ds = errors_from([&] { return load_file(dir.path("f17.yaml")); });
  ASSERT_NE(find(ds, "extends", "more than 16 levels"), nullptr) << dump(ds);
}

TEST(LanguageExtends, MissingBaseIsLocatedAtTheExtendsLine) {
  TempDir dir;
  const auto child = dir.write("child.yaml", "name: child\nextends: nowhere/base.yaml\n");
  const auto ds = errors_from([&] { return load_file(child); });
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].file, child);
  EXPECT_EQ(ds[0].line, 2);
  EXPECT_EQ(ds[0].column, 10);
  EXPECT_EQ(ds[0].path, "extends");
  EXPECT_NE(ds[0].message.find("does not exist"), std::string::npos) << ds[0].message;
  EXPECT_NE(ds[0].message.find("nowhere/base.yaml"), std::string::npos) << ds[0].message;
}

TEST(LanguageExtends, ErrorsPointIntoTheFileTheValueCameFrom) {
  TempDir dir;
  const auto base = dir.write("base.yaml", replaced("population: 1000", "population: lots"));
  const auto child = dir.write("child.yaml",
                               "extends: base.yaml\n"          // 1
                               "name: child\n"                 // 2
                               "actors:\n"                     // 3
                               "  red: {aggressiveness: 2}\n"  // 4
                               "  green: {kind: state}\n");    // 5
  const auto ds = errors_from([&] { return load_file(child); });
  // Inherited: the bad population is in the base, line 4.
  const auto* pop = find(ds, "regions[0].population", "expected a number");
  ASSERT_NE(pop, nullptr) << dump(ds);
  EXPECT_EQ(pop->file, base);
  EXPECT_EQ(pop->line, 4);
  EXPECT_EQ(pop->column, 49);
  // Overridden in the child: located in the child.
  const auto* agg = find(ds, "actors.red.aggressiveness", "must be");
  ASSERT_NE(agg, nullptr) << dump(ds);
  EXPECT_EQ(agg->file, child);
  EXPECT_EQ(agg->line, 4);
  EXPECT_EQ(agg->column, 25);
  // A new actor of the child, missing a required key: the child's mapping.
  const auto* home = find(ds, "actors.green.home", "required key 'home' is missing");
  ASSERT_NE(home, nullptr) << dump(ds);
  EXPECT_EQ(home->file, child);
  EXPECT_EQ(home->line, 5);
}

TEST(LanguageExtends, TheExtendingFileMustNameItself) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const auto child = dir.write("child.yaml", "extends: base.yaml\nrun: {steps: 10}\n");
  const auto ds = errors_from([&] { return load_file(child); });
  ASSERT_NE(find(ds, "name", "must give its own 'name'"), nullptr) << dump(ds);
  EXPECT_EQ(ds[0].file, child);
}

TEST(LanguageExtends, BadExtendsValues) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  dir.write("empty.yaml", "# nothing\n");
  dir.write("list.yaml", "- a\n");
  const auto ds1 = errors_from(
      [&] { return load_file(dir.write("c1.yaml", "extends: [base.yaml]\nname: c\n")); });
  ASSERT_NE(find(ds1, "extends", "expected the path of a base scenario"), nullptr) << dump(ds1);
  const auto ds2 = errors_from(
      [&] { return load_file(dir.write("c2.yaml", "extends: empty.yaml\nname: c\n")); });
  EXPECT_EQ(ds2[0].file, dir.path("empty.yaml")) << dump(ds2);
  EXPECT_NE(ds2[0].message.find("empty"), std::string::npos) << dump(ds2);
  const auto ds3 =
      errors_from([&] { return load_file(dir.write("c3.yaml", "extends: list.yaml\nname: c\n")); });
  EXPECT_EQ(ds3[0].file, dir.path("list.yaml")) << dump(ds3);
  const auto ds4 =
      errors_from([&] { return load_file(dir.write("c4.yaml", "extends: .\nname: c\n")); });
  ASSERT_NE(find(ds4, "extends", "not a regular file"), nullptr) << dump(ds4);
  const auto ds5 = errors_from([&] {
    return load_file(dir.write("c5.yaml", "extends: base.yaml\nextends: base.yaml\nname: c\n"));
  });
  ASSERT_NE(find(ds5, "extends", "duplicate key 'extends'"), nullptr) << dump(ds5);
}

TEST(LanguageExtends, FromAStringOnlyWithABaseDirectory) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const std::string text = "extends: base.yaml\nname: s\n";
  const auto ds = errors_from([&] { return load_string(text, kLabel); });
  ASSERT_NE(find(ds, "extends", "needs the directory"), nullptr) << dump(ds);
  EXPECT_EQ(ds[0].file, kLabel);
  LoadOptions o;
  o.base_dir = dir.path("");
  EXPECT_EQ(load_string(text, kLabel, o).spec.name, "s");
}

// ---------------------------------------------------------------------------------------------
// Paths and overrides

TEST(LanguagePaths, ParseAndFormat) {
  for (const std::string p : {"actors.russia.budget", "events[0].scope", "model.control.theta",
                              "regions[3].population", "events[12].schedule[0].day", "name"}) {
    EXPECT_EQ(ps::scenario::format_path(ps::scenario::parse_path(p)), p);
  }
  const auto steps = ps::scenario::parse_path("events[2].leave[0]");
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].key, "events");
  EXPECT_TRUE(steps[1].is_index);
  EXPECT_EQ(steps[1].index, 2u);
  EXPECT_EQ(steps[2].key, "leave");
  EXPECT_EQ(steps[3].index, 0u);
  for (const std::string bad :
       {"", ".a", "a.", "a..b", "[0]", "a[", "a[x]", "a[-1]", "a]", "a[0]b"}) {
    SCOPED_TRACE("path '" + bad + "'");
    EXPECT_THROW((void)ps::scenario::parse_path(bad), ps::ScenarioError);
  }
}

TEST(LanguagePaths, ParseOverride) {
  const auto o = ps::scenario::parse_override("events[0].leave=[Hmeimim, a=b]");
  EXPECT_EQ(o.path, "events[0].leave");
  EXPECT_EQ(o.value, "[Hmeimim, a=b]");
  EXPECT_EQ(o.label, "--set events[0].leave=[Hmeimim, a=b]");
  EXPECT_EQ(ps::scenario::parse_override(" run.steps =5").path, "run.steps");
  EXPECT_THROW((void)ps::scenario::parse_override("run.steps"), ps::ScenarioError);
  EXPECT_THROW((void)ps::scenario::parse_override("=5"), ps::ScenarioError);
}

TEST(LanguageOverrides, ValidEditsChangeTheSpec) {
  const auto before = load_string(kBase, kLabel).spec;
  const auto s =
      load_string(
          kBase, kLabel,
          with_sets({"actors.red.budget=0", "events[0].scope=0.25", "model.control.theta=0.003",
                     "regions[1].population=5", "run.steps=90", "actors.red.salience.B=0.5",
                     "actors.red.salience.default=0.1", "events[0].leave=[B]",
                     "unit_types.inf.law=linear", "actors.blue.forces[0].strength=1000",
                     "events[0].motive=budget_pressure", "outputs.interval=5",
                     "outputs.event_min_losses=50", "relations[0].source=a note"}))
          .spec;
  EXPECT_LT(before.actors[0].budget, 0.0);
  EXPECT_DOUBLE_EQ(s.actors[0].budget, 0.0);
  EXPECT_DOUBLE_EQ(s.events[0].schedule.back().fraction, 0.25);
  EXPECT_DOUBLE_EQ(s.params.control.theta, 0.003);
  EXPECT_DOUBLE_EQ(s.regions[1].population, 5.0);
  EXPECT_EQ(s.run.steps, 90);
  EXPECT_DOUBLE_EQ(s.actors[0].salience[1], 0.5);
  EXPECT_DOUBLE_EQ(s.actors[0].salience[0], 0.1);
  ASSERT_EQ(s.events[0].leave.size(), 1u);
  EXPECT_EQ(s.events[0].leave[0], 1);
  EXPECT_EQ(s.unit_types[0].law, ps::AttritionLaw::Linear);
  EXPECT_DOUBLE_EQ(s.actors[1].forces[0].strength, 1000.0);
  EXPECT_EQ(s.events[0].motive, ps::Motive::BudgetPressure);
  EXPECT_EQ(s.outputs.interval, 5);
  EXPECT_DOUBLE_EQ(s.outputs.event_min_losses, 50.0);
  // Everything else as before.
  EXPECT_EQ(s.run.seed, before.run.seed);
  EXPECT_DOUBLE_EQ(s.regions[0].population, before.regions[0].population);
  // The stored text is the overridden document and loads to the same values.
  const auto again = load_string(s.source_text, "stored.yaml").spec;
  EXPECT_DOUBLE_EQ(again.actors[0].budget, 0.0);
  EXPECT_EQ(again.run.steps, 90);
  EXPECT_EQ(again.events[0].leave, s.events[0].leave);
  EXPECT_NE(s.source_text.find("--set actors.red.budget=0"), std::string::npos) << s.source_text;
}

TEST(LanguageOverrides, AppliedInOrderAfterExtends) {
  TempDir dir;
  dir.write("base.yaml", kBase);
  const auto child = dir.write("child.yaml", "extends: base.yaml\nname: child\nrun: {steps: 30}\n");
  const auto s = load_file(child, Limits{},
                           {ps::scenario::parse_override("run.steps=40"),
                            ps::scenario::parse_override("run.steps=50"),
                            ps::scenario::parse_override("run.seed=9")})
                     .spec;
  EXPECT_EQ(s.run.steps, 50);
  EXPECT_EQ(s.run.seed, 9u);
  // `extends` itself is not an override target.
  const auto ds = errors_from([&] { return load_file(child, with_sets({"extends=other.yaml"})); });
  ASSERT_NE(find(ds, "extends", "cannot be overridden"), nullptr) << dump(ds);
}

TEST(LanguageOverrides, InvalidPathsNameTheOverrideAndThePath) {
  struct Case {
    std::string set, path, fragment;
  };
  const std::vector<Case> cases = {
      {"actors.rde.budget=0", "actors.rde", "unknown actor 'rde'; did you mean 'red'?"},
      {"nosuch.key=1", "nosuch", "unknown key 'nosuch'"},
      {"run.stpes=5", "run.stpes", "did you mean 'steps'?"},
      {"regions[7].population=1", "regions[7]", "index 7 is out of range: 'regions' has 3 entries"},
      {"run.steps.x=1", "run.steps.x", "single value"},
      {"events[0].scoep=1", "events[0].scoep",
       "unknown key 'scoep' in a drawdown event; did you mean 'scope'?"},
      {"events[0].strength=1", "events[0].strength", "unknown key 'strength' in a drawdown event"},
      {"regions.name=X", "regions.name", "is a list"},
      {"run[0]=1", "run[0]", "is a mapping, not a list"},
      {"actors.red.salience.Nowhere=1", "actors.red.salience.Nowhere", "unknown region 'Nowhere'"},
      {"actors.red.control.default=1", "actors.red.control.default", "unknown region 'default'"},
      {"unit_types.armour.attack=2", "unit_types.armour", "unknown unit type 'armour'"},
      {"sponsors[0].fraction=1", "sponsors[0]", "'sponsors' is not in the scenario"},
      {"events[0].leave[3]=A", "events[0].leave[3]", "'events[0].leave' is not in the scenario"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.set);
    const auto ds = errors_from([&] { return load_string(kBase, kLabel, with_sets({c.set})); });
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].file, "--set " + c.set);
    EXPECT_EQ(ds[0].line, 0);
    EXPECT_EQ(ds[0].path, c.path) << dump(ds);
    EXPECT_NE(ds[0].message.find(c.fragment), std::string::npos) << dump(ds);
  }
  // Every bad override is reported at once.
  const auto ds = errors_from([&] {
    return load_string(kBase, kLabel,
                       with_sets({"nosuch=1", "run.steps=5", "actors.x.kind=state"}));
  });
  EXPECT_EQ(ds.size(), 2u) << dump(ds);
}

TEST(LanguageOverrides, InvalidValuesAreLocatedAtTheOverride) {
  {
    const auto ds = errors_from(
        [&] { return load_string(kBase, kLabel, with_sets({"actors.red.budget=-1"})); });
    const auto* d = find(ds, "actors.red.budget", "must be >= 0");
    ASSERT_NE(d, nullptr) << dump(ds);
    EXPECT_EQ(d->file, "--set actors.red.budget=-1");
    EXPECT_EQ(d->line, 0);
    EXPECT_EQ(
        d->format(),
        "--set actors.red.budget=-1: error: actors.red.budget: must be >= 0 and <= 1e+15, got -1");
  }
  {
    const auto ds = errors_from(
        [&] { return load_string(kBase, kLabel, with_sets({"events[0].leave=[B, Nowhere]"})); });
    const auto* d = find(ds, "events[0].leave[1]", "unknown region 'Nowhere'");
    ASSERT_NE(d, nullptr) << dump(ds);
    EXPECT_EQ(d->file, "--set events[0].leave=[B, Nowhere]");
  }
  {
    const auto ds =
        errors_from([&] { return load_string(kBase, kLabel, with_sets({"run.dt=[1"})); });
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].path, "run.dt");
    EXPECT_NE(ds[0].message.find("invalid YAML"), std::string::npos) << dump(ds);
    EXPECT_EQ(ds[0].line, 0);
  }
  {
    // A new key in a fixed section is allowed by the path and checked as a value.
    const auto ds = errors_from(
        [&] { return load_string(kBase, kLabel, with_sets({"model.combat.noise=99"})); });
    const auto* d = find(ds, "model.combat.noise", "<= 5");
    ASSERT_NE(d, nullptr) << dump(ds);
    EXPECT_EQ(d->file, "--set model.combat.noise=99");
  }
  // An empty value removes the key: back to the default.
  EXPECT_EQ(load_string(kBase, kLabel, with_sets({"run.seed="})).spec.run.seed, 1u);
}

// ---------------------------------------------------------------------------------------------
// Limits on the YAML itself

TEST(LanguageLimits, BillionLaughsIsRefusedQuickly) {
  // Nine levels of nine aliases each: about 10^9 nodes once expanded, a few hundred bytes here.
  std::string doc = "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    doc += "lol" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) doc += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    doc += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto ds = errors_from([&] { return load_string(doc, "bomb.yaml"); });
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(secs, 1.0);
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_EQ(ds[0].file, "bomb.yaml");
  EXPECT_GE(ds[0].line, 2);
  EXPECT_GE(ds[0].column, 1);
  EXPECT_NE(ds[0].message.find("alias-expansion limit"), std::string::npos) << ds[0].message;

  // The same bomb inside a scenario, under a key the scenario accepts.
  const auto ds2 = errors_from([&] {
    return load_string(kBase + "note: &n\n  " + doc.substr(0, doc.size() - 1) + "\n", "bomb.yaml");
  });
  EXPECT_NE(ds2[0].message.find("alias-expansion limit"), std::string::npos) << dump(ds2);

  // A lower limit applies; ordinary aliases are fine.
  Limits tight;
  tight.max_alias_nodes = 4;  // the alias below expands to 5 nodes
  const std::string shared = replaced("  inf: {attack: 1.0, defence: 1.5}\n",
                                      "  inf: &u {attack: 1.0, defence: 1.5}\n  inf2: *u\n");
  EXPECT_EQ(load_string(shared, kLabel).spec.unit_types.size(), 2u);
  const auto ds3 = errors_from([&] { return load_string(shared, kLabel, tight); });
  EXPECT_NE(ds3[0].message.find("more than 4 nodes"), std::string::npos) << dump(ds3);
}

TEST(LanguageLimits, RecursiveAliasIsRefused) {
  const auto ds =
      errors_from([&] { return load_string("name: r\ndescription: &a [x, *a]\n", kLabel); });
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0].file, kLabel);
  EXPECT_EQ(ds[0].line, 2) << dump(ds);
}

TEST(LanguageLimits, NestingDepthIsCapped) {
  auto nested = [](int depth) {
    return "name: deep\ndescription: " + std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']') + "\n";
  };
  // Within the cap the structure parses (and fails only as a description that is not a string).
  const auto ok = errors_from([&] { return load_string(nested(60), kLabel); });
  EXPECT_EQ(ok[0].message.find("nesting"), std::string::npos) << dump(ok);
  const auto ds = errors_from([&] { return load_string(nested(65), kLabel); });
  ASSERT_EQ(ds.size(), 1u) << dump(ds);
  EXPECT_NE(ds[0].message.find("nesting deeper than 64 levels"), std::string::npos) << dump(ds);
  EXPECT_EQ(ds[0].line, 2);
  // Through aliases too: a shallow anchor used deep down.
  std::string text = "name: deep\nnote: &d " + std::string(40, '[') + std::string(40, ']') +
                     "\ndescription: " + std::string(40, '[') + "*d" + std::string(40, ']') + "\n";
  const auto ds2 = errors_from([&] { return load_string(text, kLabel); });
  EXPECT_NE(ds2[0].message.find("nesting deeper"), std::string::npos) << dump(ds2);
}

// ---------------------------------------------------------------------------------------------
// The language table is what the loader accepts.

namespace {

// Where in kBase a mapping of each section can be written: the text with the probe `KEY: ~`
// inserted (null leaves an optional key at its default, so only unknown keys are reported).
std::string probe(const std::string& section, const std::string& key) {
  const std::string kv = key + ": ~";
  if (section == "root") return kBase + kv + "\n";
  if (section == "run")
    return replaced("run: {steps: 60, seed: 7}", "run: {steps: 60, seed: 7, " + kv + "}");
  if (section == "model") return kBase + "model: {" + kv + "}\n";
  if (section.rfind("model.", 0) == 0)
    return kBase + "model: {" + section.substr(6) + ": {" + kv + "}}\n";
  if (section == "region") return replaced("{name: A, lat", "{" + kv + ", name: A, lat");
  if (section == "region.value")
    return replaced("population: 1000}", "population: 1000, value: {" + kv + "}}");
  if (section == "edge") return replaced("{a: A, b: B}", "{a: A, b: B, " + kv + "}");
  if (section == "exit") return replaced("capacity: 100}", "capacity: 100, " + kv + "}");
  if (section == "unit_type") return replaced("defence: 1.5}", "defence: 1.5, " + kv + "}");
  if (section == "actor") return replaced("    kind: state\n", "    kind: state\n    " + kv + "\n");
  if (section == "force") return replaced("strength: 600}", "strength: 600, " + kv + "}");
  if (section == "relation") return replaced("value: -0.5}", "value: -0.5, " + kv + "}");
  if (section == "sponsor")
    return kBase + "sponsors: [{sponsor: red, client: blue, fraction: 0.1, " + kv + "}]\n";
  if (section == "garrison") return kBase + "garrisons: [{actor: red, regions: [A], " + kv + "}]\n";
  if (section == "outputs") return kBase + "outputs: {" + kv + "}\n";
  if (section == "schedule_point") {
    return replaced("scope: 0.5, pace_days: 30}",
                    "schedule: [{day: 10, fraction: 0.2, " + kv + "}]}");
  }
  if (section == "event.drawdown") return replaced("pace_days: 30}", "pace_days: 30, " + kv + "}");
  if (section.rfind("event.", 0) == 0) {
    return kBase + "  - {type: " + section.substr(6) + ", day: 1, " +
           (key == "type" || key == "day" ? "" : kv) + "}\n";
  }
  return "";
}

}  // namespace

TEST(LanguageTable, EveryKeyOfEverySectionIsAcceptedAndNoOther) {
  for (const auto& s : lang::sections()) {
    if (!s.variants.empty()) continue;  // a group: its variants are sections of their own
    std::vector<std::string> keys = s.names();
    keys.emplace_back("source");
    keys.emplace_back("note");
    keys.emplace_back("zzz_not_a_key");
    for (const auto& key : keys) {
      if (s.id == "root" && key == "extends") continue;  // resolved before keys are checked
      SCOPED_TRACE("section " + s.id + ", key " + key);
      const std::string text = probe(s.id, key);
      ASSERT_FALSE(text.empty()) << "no probe for section " << s.id << ": add one above";
      std::vector<ps::Diagnostic> ds;
      try {
        (void)load_string(text, kLabel);
      } catch (const ps::ScenarioError& e) {
        ds = e.diagnostics();
      }
      const bool unknown = std::any_of(ds.begin(), ds.end(), [&](const ps::Diagnostic& d) {
        return d.message.find("unknown key '" + key + "'") != std::string::npos;
      });
      EXPECT_EQ(unknown, key == "zzz_not_a_key") << dump(ds);
    }
  }
}

TEST(LanguageTable, SourceAndNoteAreAcceptedInMappingsOfNames) {
  const auto text = replaced("unit_types:\n", "unit_types:\n  note: \"types as in the sketch\"\n",
                             replaced("actors:\n", "actors:\n  source: \"DOMAIN.md\"\n"));
  const auto s = load_string(text, kLabel).spec;
  EXPECT_EQ(s.actors.size(), 2u);
  EXPECT_EQ(s.unit_types.size(), 1u);
  const auto ds = errors_from(
      [&] { return load_string(replaced("actors:\n", "actors:\n  note: [x]\n"), kLabel); });
  ASSERT_NE(find(ds, "actors.note", "must be a string"), nullptr) << dump(ds);
}

TEST(LanguageTable, SchemaNamesEverySectionAndKeyWithDefaults) {
  const std::string schema = lang::json_schema();
  EXPECT_NE(schema.find("\"$schema\": \"https://json-schema.org/draft/2020-12/schema\""),
            std::string::npos);
  for (const auto& s : lang::sections()) {
    EXPECT_NE(schema.find("\"" + s.id + "\": {"), std::string::npos) << s.id;
    for (const auto& k : s.keys) {
      EXPECT_NE(schema.find("\"" + k.name + "\": {"), std::string::npos) << s.id << "." << k.name;
    }
  }
  // Defaults come from the spec structs.
  EXPECT_EQ(lang::section("run").find("steps")->default_json, std::to_string(ps::RunSpec{}.steps));
  EXPECT_EQ(lang::section("model.combat").find("alpha")->default_json, "0.0106");
  EXPECT_EQ(lang::section("run").find("start_date")->default_json, "\"2024-12-08\"");
  EXPECT_THROW((void)lang::section("no.such.section"), std::logic_error);
}
