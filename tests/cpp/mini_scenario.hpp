#pragma once
// The minimal scenario the loader and language tests share, and a way to change one part of it.
#include <gtest/gtest.h>

#include <string>

namespace powershift::test {

// A minimal valid scenario: two on-map regions joined by an edge, one off-map homeland behind an
// exit, one unit type, two actors, one relation and one drawdown. Line numbers are fixed: the
// error tests below assert them.
//                                   line
inline const std::string kMini =
    "name: mini\n"                                                            // 1
    "run: {steps: 60}\n"                                                      // 2
    "regions:\n"                                                              // 3
    "  - {name: A, lat: 33.0, lon: 36.0, population: 1000}\n"                 // 4
    "  - {name: B, lat: 34.0, lon: 36.5, terrain: 1.2}\n"                     // 5
    "  - {name: Home, offmap: true}\n"                                        // 6
    "edges:\n"                                                                // 7
    "  - {a: A, b: B}\n"                                                      // 8
    "exits:\n"                                                                // 9
    "  - {from: A, to: Home, capacity: 100}\n"                                // 10
    "unit_types:\n"                                                           // 11
    "  inf: {attack: 1.0, defence: 1.5}\n"                                    // 12
    "actors:\n"                                                               // 13
    "  red:\n"                                                                // 14
    "    kind: state\n"                                                       // 15
    "    home: Home\n"                                                        // 16
    "    control: {A: 0.8}\n"                                                 // 17
    "    forces:\n"                                                           // 18
    "      - {type: inf, region: A, strength: 600}\n"                         // 19
    "  blue:\n"                                                               // 20
    "    kind: non_state\n"                                                   // 21
    "    home: B\n"                                                           // 22
    "    control: {B: 0.5}\n"                                                 // 23
    "    support: {B: 0.2}\n"                                                 // 24
    "    forces:\n"                                                           // 25
    "      - {type: inf, region: B, strength: 300}\n"                         // 26
    "relations:\n"                                                            // 27
    "  - {a: red, b: blue, value: -0.5}\n"                                    // 28
    "events:\n"                                                               // 29
    "  - {type: drawdown, actor: red, day: 1, scope: 0.5, pace_days: 30}\n";  // 30

inline const char* const kLabel = "mini.yaml";

// kMini with the one occurrence of `from` replaced by `to` (the test fails if `from` is not there
// exactly once, so a typo in a test cannot silently load the unmodified scenario).
inline std::string with(const std::string& from, const std::string& to,
                        const std::string& base = kMini) {
  const auto pos = base.find(from);
  EXPECT_NE(pos, std::string::npos) << "'" << from << "' not in the scenario";
  if (pos == std::string::npos) return base;
  EXPECT_EQ(base.find(from, pos + 1), std::string::npos) << "'" << from << "' is not unique";
  std::string out = base;
  out.replace(pos, from.size(), to);
  return out;
}

}  // namespace powershift::test
