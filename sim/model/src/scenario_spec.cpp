#include "powershift/model/scenario_spec.hpp"

#include <algorithm>

#include "powershift/model/error.hpp"

namespace powershift {

ScenarioSpec ScenarioSpec::without_events(const std::vector<int>& removed) const {
  ScenarioSpec copy = *this;
  copy.events.clear();
  for (int i = 0; i < static_cast<int>(events.size()); ++i) {
    if (std::find(removed.begin(), removed.end(), i) == removed.end()) {
      copy.events.push_back(events[i]);
    }
  }
  return copy;
}

std::vector<int> ScenarioSpec::drawdown_events() const {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(events.size()); ++i) {
    if (events[i].type == EventType::Drawdown) out.push_back(i);
  }
  return out;
}

ScenarioSpec ScenarioSpec::without_drawdowns() const {
  return without_events(drawdown_events());
}

bool ScenarioSpec::has_drawdown() const {
  return std::any_of(events.begin(), events.end(),
                     [](const EventSpec& e) { return e.type == EventType::Drawdown; });
}

std::string Diagnostic::format() const {
  std::string out = file.empty() ? std::string("powershift") : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += warning ? ": warning: " : ": error: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

namespace {
std::string join(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) {
    if (d.warning) continue;
    if (!out.empty()) out += "\n";
    out += d.format();
  }
  return out;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(const std::string& message) : std::runtime_error(message) {
  Diagnostic d;
  d.message = message;
  diagnostics_.push_back(d);
}

}  // namespace powershift
