#include "powershift/model/scenario_spec.hpp"

#include <algorithm>
#include <string>

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

namespace {

bool invisible(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad || (c >= 0x200b && c <= 0x200f) ||
         (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

std::string hex(unsigned value, int digits) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4U) {
    out[static_cast<std::size_t>(i)] = kDigits[value & 0xfU];
  }
  return out;
}

}  // namespace

std::string printable(const std::string& text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    // Decode one UTF-8 sequence; a malformed one is shown byte by byte.
    int len = 1;
    char32_t c = b;
    if (b >= 0x80) {
      len = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
      if (len == 0 || i + static_cast<std::size_t>(len) > text.size()) len = 0;
      if (len > 0) {
        c = b & (0x7fU >> static_cast<unsigned>(len + 1));
        for (int k = 1; k < len; ++k) {
          const auto n = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
          if ((n & 0xc0U) != 0x80U) {
            len = 0;
            break;
          }
          c = (c << 6U) | (n & 0x3fU);
        }
      }
      if (len == 0) {
        out += "\\x" + hex(b, 2);
        ++i;
        continue;
      }
    }
    if (c == '\n' && keep_newlines) {
      out += '\n';
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x80 && invisible(c)) {
      out += "\\x" + hex(static_cast<unsigned>(c), 2);
    } else if (invisible(c)) {
      out += "\\u" + hex(static_cast<unsigned>(c), 4);
    } else {
      out.append(text, i, static_cast<std::size_t>(len));
    }
    i += static_cast<std::size_t>(len);
  }
  return out;
}

std::string Diagnostic::format() const {
  std::string out = file.empty() ? std::string("powershift") : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += warning ? ": warning: " : ": error: ";
  // Keys and values quoted in the path and message are shown escaped: a zero-width space or a
  // control character in a key is visible, not silently part of the text.
  if (!path.empty()) out += printable(path) + ": ";
  out += printable(message, true);
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
