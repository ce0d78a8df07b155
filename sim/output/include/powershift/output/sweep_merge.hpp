#pragma once
// Merging a sweep's member files into one file with a `member` dimension and the parameters as
// coordinates along it (docs/output-format.md "Merged sweeps"). Copies the chosen variables, so
// the merged file stands alone once the member files are gone from scratch space.
#include <cstdint>
#include <string>
#include <vector>

namespace powershift::io {

struct MergeParameter {
  std::string name, path, distribution;  // distribution: "values", "uniform [0, 1]", ...
  bool numeric = true;  // values as float64 coordinates; otherwise the labels as strings
};

struct MergeMember {
  long long index = 0;
  std::string file;
  std::uint64_t seed = 0;
  // The member's design row as its file records it (`seed` and `command_line` attributes, the
  // command line naming the parameter values): a file that does not match is refused.
  std::string command_line;
  std::vector<double> numbers;      // per parameter (numeric ones)
  std::vector<std::string> labels;  // per parameter (the others)
  std::vector<double> unit;         // design coordinates in [0, 1]
};

struct MergeInput {
  std::string output;
  bool force = false;
  std::vector<std::string> inputs;  // the spec and scenario: never the output (nor any member)
  std::string command_line;
  std::string sweep_name, sweep_spec_text, design;
  long long design_members = 0;  // members the design has (all of them, not only these)
  long long samples = 0;
  bool second_order = false;
  int levels = 0;
  std::vector<long long> missing;  // members of the design not merged (refused unless allowed)
  std::vector<MergeParameter> parameters;
  std::vector<std::string> variables;  // variables of the member files to keep
  std::vector<MergeMember> members;    // in index order
  int deflate_level = 1;
};

// Writes the merged file atomically. Throws InputError for an unreadable or inconsistent member
// file (naming it), OutputError when writing fails.
void merge_sweep(const MergeInput& input);

}  // namespace powershift::io
