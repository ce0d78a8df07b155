#pragma once
// Seeds are unsigned 64-bit integers everywhere: scenario `run.seed`, `--seed`, a sweep spec's
// `seed` and `design.seed`, the design table, output and checkpoint attributes.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace powershift {

// How messages state the range.
inline constexpr const char* kSeedRange =
    "an integer from 0 to 18446744073709551615 (unsigned 64-bit)";

// The seed `text` spells in decimal digits, or nullopt (a sign, other characters, or out of range).
inline std::optional<std::uint64_t> parse_seed(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace powershift
