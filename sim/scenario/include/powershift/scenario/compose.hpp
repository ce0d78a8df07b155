#pragma once
// Composing the document the loader validates: a file, the files it `extends`, and the
// `--set` overrides on top. Private to the scenario library.
#include <string>
#include <vector>

#include "powershift/scenario/document.hpp"
#include "powershift/scenario/loader.hpp"

namespace powershift::scenario::detail {

// A diagnostic at `at`: its file (a value inherited through `extends` or given by `--set` names
// where it came from), else `fallback_file`; its line and column.
Diagnostic located(const doc::Node& at, const std::string& fallback_file, const std::string& path,
                   const std::string& message);

// Names: the closest of `options` to `key` within a small edit distance, or "".
std::string nearest(const std::string& key, const std::vector<std::string>& options);
std::string join_names(const std::vector<std::string>& names, const char* sep = ", ");
bool is_identifier(const std::string& s);

// Reads a whole file (pipes included), refusing more than limits.max_file_bytes. Throws
// ScenarioError labelled `label` (default: the path).
std::string read_text(const std::string& path, const Limits& limits, const std::string& label = "");

struct Composed {
  doc::Node root;
  // The files merged, the extending one first; more than one when `extends` was used.
  std::vector<std::string> files;
};

// Parses `text` (from `file`) and resolves its `extends` chain: paths relative to `dir` (the
// file's directory; empty when unknown, which refuses `extends`), cycles and chains longer than
// limits.max_extends refused with the chain of files. `file_path` (may be empty) is the real
// path of the text, for cycle detection.
Composed compose(const std::string& text, const doc::File& file, const std::string& file_path,
                 const std::string& dir, bool dir_known, const Limits& limits);

// Applies overrides in order. Every bad path or unparsable value is reported (ScenarioError,
// every problem at once) before anything is validated.
doc::Node apply_overrides(const doc::Node& root, const std::vector<Override>& overrides,
                          const Limits& limits);

// How an override is named in diagnostics.
std::string label_of(const Override& o);

}  // namespace powershift::scenario::detail
