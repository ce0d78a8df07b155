#pragma once
// The control contest (docs/model.md §4.7): coalitions compete against the region's holding
// requirement; within a coalition the sticky split keeps members' holdings, and no member holds
// more than its presence covers. One module, used by Control, Decide (an actor's own share as a
// function of its strength) and the day-0 setup (the income balance and the warnings).
#include <cmath>
#include <vector>

namespace powershift {

class World;
struct State;

// x^gamma with the common exponents computed exactly and fast.
inline double contest_power(double x, double gamma) {
  if (gamma == 2.0) return x * x;
  if (gamma == 1.0) return x;
  if (gamma == 4.0) {
    const double x2 = x * x;
    return x2 * x2;
  }
  return std::pow(x, gamma);
}

// Presence cap: the largest share a member with legitimacy-weighted holding power `gh` covers in
// a region whose holding requirement is `need` (docs/model.md §4.7): cap = gh / need.
inline double presence_cap(double gh, double need) {
  if (gh <= 0.0) return 0.0;
  return need > 0.0 ? gh / need : 1.0;
}

// One coalition's split of its target `tc` among `n` members with legitimacy-weighted holding
// power gh[i] and current control ctrl[i]: the sticky split, then water-filling under the presence
// caps. Writes out[i]. Members' shares sum to at most tc.
void split_coalition(double tc, int n, const double* gh, const double* ctrl, double need,
                     double* out);

// Coalition contest with the sticky split and presence caps, for one region. Writes T[r, ·];
// `holding` is H[r, ·].
void contest_region(const World& w, const State& s, int region, const double* holding,
                    double* target_row);

// Per-region contest terms shared by every deciding actor of a step: Q[r, c] (sum of g H over
// c's members) and den[r] = need_r^gamma + sum_c Q[r, c]^gamma.
struct ContestTerms {
  int coalitions = 0;
  std::vector<double> q;    // R x coalitions
  std::vector<double> den;  // R
};
ContestTerms contest_terms(const World& w, const State& s, const double* holding);

// An actor's own control target in each region as a function of its ground-holding strength
// there, everything else fixed (the contest seen by one member, for Decide).
class OwnShare {
 public:
  // `holding`/`present` are H and X of the step; `fixed[r]`: the actor's strength in r that its
  // decision does not move (garrisons, units withdrawing); it counts whatever the target.
  OwnShare(const World& w, const State& s, const ContestTerms& ct, const double* holding,
           const double* present, int actor, std::vector<double> fixed);
  // The actor's share of region r with `free_strength` of free units there, plus the fixed ones.
  [[nodiscard]] double operator()(int r, double free_strength) const;

 private:
  double gamma_;
  int members_ = 0;  // coalition size; the actor is member 0
  int R_;
  std::vector<double> fixed_;
  std::vector<double> rest_;          // R: den - Q_c^gamma (other coalitions and the requirement)
  std::vector<double> others_gh_;     // R x members: partners' g H (slot 0 unused)
  std::vector<double> ctrl_;          // R x members: current control (slot 0: the actor)
  std::vector<double> per_strength_;  // R: g x holding power per strength of the actor
  std::vector<double> need_;          // R
  mutable std::vector<double> gh_buf_, out_buf_;
};

}  // namespace powershift
