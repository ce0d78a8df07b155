#pragma once
// The error hierarchy: thrown at the boundary, caught once at each front end.
#include <stdexcept>
#include <string>
#include <vector>

namespace powershift {

// `text` as it may be shown in a message: control characters, invisible and direction-changing
// code points (zero-width spaces, BOM, bidi controls) and bytes that are not UTF-8 escaped as
// \n, \t, \xNN or \uXXXX; everything else kept. keep_newlines leaves '\n' (multi-line messages).
std::string printable(const std::string& text, bool keep_newlines = false);

// One located problem in an input file.
struct Diagnostic {
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string path;  // field path, e.g. actors.russia.forces[0].strength
  std::string message;
  bool warning = false;

  [[nodiscard]] std::string format() const;
};

// Bad input: a scenario, spec, option or file that cannot be used. Front ends exit with 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(const std::string& message);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// The scenario language's errors.
class ScenarioError : public InputError {
 public:
  using InputError::InputError;
};

// Writing or reading an output file failed at run time. Front ends exit with 1.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The model cannot go on from valid input: a count over its limit or a state that is no longer
// finite. The message names the actor and the event or parameter. Front ends exit with 1.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace powershift
