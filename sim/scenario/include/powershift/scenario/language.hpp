#pragma once
// The scenario language as data: every section of a scenario, every key in it, with its type,
// range, default and a one-line description. This table is the single source of truth for
//   - the loader's unknown-key checks and the ranges it enforces (sim/scenario/src/loader.cpp),
//   - `--set PATH=VALUE` path checks (which keys exist where), and
//   - the JSON Schema that `powershift schema` prints (json_schema()).
// docs/scenarios.md describes the same language in prose.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace powershift::scenario::language {

enum class Type : std::uint8_t {
  Number,   // a finite number in [minimum, maximum] (minimum excluded when exclusive_minimum)
  Integer,  // an integer in [int_minimum, int_maximum]
  Boolean,
  String,   // free text
  Name,     // an identifier: letters, digits, '_' and '-', starting with a letter, <= 64 chars
  Date,     // an ISO calendar date YYYY-MM-DD
  Choice,   // one of `choices`
  Ref,      // the name of an existing region, actor or unit type (`ref`)
  RefList,  // a list of such names
  Section,  // a mapping with the fixed keys of section `section`
  List,     // a list of mappings of section `section`
  Named,    // a mapping from a new name (of kind `ref`) to a mapping of section `section`
  Values,   // a mapping from region name to a number in [minimum, maximum]
};

enum class Ref : std::uint8_t { None, Region, Actor, UnitType };

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct Key {
  std::string name;
  Type type = Type::Number;
  std::string doc;
  bool required = false;
  double minimum = -kInf;
  double maximum = kInf;
  bool exclusive_minimum = false;
  long long int_minimum = std::numeric_limits<long long>::min();
  long long int_maximum = std::numeric_limits<long long>::max();
  bool unsigned64 = false;   // Integer: any unsigned 64-bit value (seeds), whatever int_* say
  std::string default_json;  // the default as JSON text; empty when there is none
  std::vector<std::string> choices;  // Choice
  Ref ref = Ref::None;               // Ref, RefList, Values (keys), Named (the names it defines)
  std::string section;               // Section, List, Named: the id of the item section
  bool allow_default = false;        // Values: a `default` entry for the regions not listed
  std::size_t min_items = 0;         // List: at least this many entries
};

struct Section {
  std::string id;  // "root", "run", "model.combat", "region", "event", "event.drawdown", ...
  std::string doc;
  std::vector<Key> keys;
  // A section whose items come in variants picked by one key (events by `type`): the variant
  // section ids; each variant has the discriminator key as a one-value Choice.
  std::string discriminator;
  std::vector<std::string> variants;
  std::string extra_json;  // further JSON Schema keywords (conditional requirements), or empty

  // The key called `name`, or nullptr (source and note are annotations, not keys).
  [[nodiscard]] const Key* find(std::string_view name) const;
  // Every key name, in table order, without source and note.
  [[nodiscard]] std::vector<std::string> names() const;
};

// `source` and `note`: free-text annotations accepted on every mapping and ignored by the engine.
[[nodiscard]] bool is_annotation(std::string_view key);

// Every section; the first is the root.
[[nodiscard]] const std::vector<Section>& sections();
// The section with this id; throws std::logic_error for an unknown id (a bug, not bad input).
[[nodiscard]] const Section& section(std::string_view id);
// The variant of `group` (e.g. "event") whose discriminator has this value, or nullptr.
[[nodiscard]] const Section* variant(const Section& group, std::string_view value);

// The JSON Schema (draft 2020-12) of the language, as printed by `powershift schema`.
[[nodiscard]] std::string json_schema();

}  // namespace powershift::scenario::language
