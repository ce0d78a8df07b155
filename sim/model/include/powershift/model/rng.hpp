#pragma once
// Counter-based random numbers (Random123 Philox 4x64, docs/model.md "Randomness"). A draw is a
// pure function of (seed, replicate) and (step, phase, entity, index): no generator state is
// shared between threads, so results never depend on scheduling.
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace powershift {

enum class RngPhase : std::uint64_t {
  DecideNoise = 1,
  EngageNoise = 2,
  MoraleBreak = 3,
};

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t replicate) : key_{{seed, replicate}} {}

  // Four independent 64-bit words for one (step, phase, entity, index) counter.
  [[nodiscard]] r123::Philox4x64::ctr_type words(std::uint64_t step, RngPhase phase,
                                                 std::uint64_t entity,
                                                 std::uint64_t index = 0) const {
    const r123::Philox4x64::ctr_type ctr{{step, static_cast<std::uint64_t>(phase), entity, index}};
    return r123::Philox4x64{}(ctr, key_);
  }

  // Uniform in the open interval (0, 1).
  [[nodiscard]] static double to_open01(std::uint64_t word) {
    return (static_cast<double>(word >> 11) + 0.5) * 0x1.0p-53;
  }

  [[nodiscard]] double uniform(std::uint64_t step, RngPhase phase, std::uint64_t entity,
                               std::uint64_t index = 0) const {
    return to_open01(words(step, phase, entity, index)[0]);
  }

  // Standard normal by Box-Muller on the first two words.
  [[nodiscard]] double normal(std::uint64_t step, RngPhase phase, std::uint64_t entity,
                              std::uint64_t index = 0) const {
    const auto w = words(step, phase, entity, index);
    const double u1 = to_open01(w[0]);
    const double u2 = to_open01(w[1]);
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
  }

  // Standard Gumbel: the logit (bounded rationality) noise.
  [[nodiscard]] double gumbel(std::uint64_t step, RngPhase phase, std::uint64_t entity,
                              std::uint64_t index = 0) const {
    return -std::log(-std::log(uniform(step, phase, entity, index)));
  }

 private:
  r123::Philox4x64::key_type key_;
};

}  // namespace powershift
