// The control contest (docs/model.md §4.7), shared by Control, Decide and the day-0 setup.
#include "powershift/model/contest.hpp"

#include <algorithm>
#include <vector>

#include "powershift/model/phases.hpp"

namespace powershift {

void split_coalition(double tc, int n, const double* gh, const double* ctrl, double need,
                     double* out) {
  double q = 0.0;
  double held = 0.0;
  for (int i = 0; i < n; ++i) {
    q += gh[i];
    if (gh[i] > 0.0) held += ctrl[i];
  }
  // Sticky split: members present keep their share (scaled down only if the coalition's target
  // falls below what they hold); only ground new to the coalition is shared in proportion to gH.
  for (int i = 0; i < n; ++i) {
    const double kept = gh[i] > 0.0 ? ctrl[i] * std::min(1.0, tc / std::max(held, 1e-12)) : 0.0;
    const double fresh = std::max(0.0, tc - held) * (q > 0.0 ? gh[i] / q : 0.0);
    out[i] = kept + fresh;
  }
  // Presence: no member holds more than its gH covers (cap = gH / need). What a capped member
  // cannot hold passes to the members with room, in proportion to gH (water-filling; each round
  // caps at least one more member, so n rounds suffice). What nobody can hold stays vacuum.
  for (int round = 0; round <= n; ++round) {
    double excess = 0.0;
    for (int i = 0; i < n; ++i) {
      const double cap = presence_cap(gh[i], need);
      if (out[i] > cap) {
        excess += out[i] - cap;
        out[i] = cap;
      }
    }
    if (excess <= 0.0) return;
    double room_gh = 0.0;
    for (int i = 0; i < n; ++i) {
      if (out[i] < presence_cap(gh[i], need)) room_gh += gh[i];
    }
    if (room_gh <= 0.0) return;
    for (int i = 0; i < n; ++i) {
      if (out[i] < presence_cap(gh[i], need)) out[i] += excess * gh[i] / room_gh;
    }
  }
  for (int i = 0; i < n; ++i) out[i] = std::min(out[i], presence_cap(gh[i], need));
}

void contest_region(const World& w, const State& s, int r, const double* holding,
                    double* target_row) {
  const int A = w.A;
  if (w.offmap[r]) {
    std::fill_n(target_row, A, 0.0);
    return;
  }
  const auto& cp = w.params().control;
  const int C = s.coalitions;
  thread_local std::vector<double> gh, q, gh_members, ctrl, out;
  thread_local std::vector<int> offsets, fill, order;
  gh.assign(A, 0.0);
  q.assign(C, 0.0);
  offsets.assign(C + 1, 0);
  for (int a = 0; a < A; ++a) {
    gh[a] = (1.0 + cp.sigma * s.support(r, a)) * holding[a];
    q[s.coalition[a]] += gh[a];
    ++offsets[s.coalition[a] + 1];
  }
  const double need = w.hold_need[r];
  double den = contest_power(need, cp.gamma);
  for (int c = 0; c < C; ++c) den += contest_power(q[c], cp.gamma);
  // Actors grouped by coalition, ascending within each (counting sort).
  for (int c = 0; c < C; ++c) offsets[c + 1] += offsets[c];
  fill.assign(offsets.begin(), offsets.end() - 1);
  order.resize(A);
  for (int a = 0; a < A; ++a) order[fill[s.coalition[a]]++] = a;
  gh_members.resize(A);
  ctrl.resize(A);
  out.resize(A);
  for (int c = 0; c < C; ++c) {
    const int b = offsets[c];
    const int n = offsets[c + 1] - b;
    const double tc = den > 0.0 ? contest_power(q[c], cp.gamma) / den : 0.0;
    for (int i = 0; i < n; ++i) {
      const int a = order[b + i];
      gh_members[i] = gh[a];
      ctrl[i] = s.control(r, a);
    }
    split_coalition(tc, n, gh_members.data(), ctrl.data(), need, out.data());
    for (int i = 0; i < n; ++i) target_row[order[b + i]] = out[i];
  }
}

ContestTerms contest_terms(const World& w, const State& s, const double* holding) {
  const auto& cp = w.params().control;
  const int A = w.A;
  ContestTerms ct;
  ct.coalitions = s.coalitions;
  ct.q.assign(static_cast<std::size_t>(w.R) * s.coalitions, 0.0);
  ct.den.assign(w.R, 0.0);
  for (int r = 0; r < w.R; ++r) {
    const double* H = holding + static_cast<std::size_t>(r) * A;
    double* q = &ct.q[static_cast<std::size_t>(r) * s.coalitions];
    for (int b = 0; b < A; ++b) q[s.coalition[b]] += (1.0 + cp.sigma * s.support(r, b)) * H[b];
    double den = contest_power(w.hold_need[r], cp.gamma);
    for (int c = 0; c < s.coalitions; ++c) den += contest_power(q[c], cp.gamma);
    ct.den[r] = den;
  }
  return ct;
}

OwnShare::OwnShare(const World& w, const State& s, const ContestTerms& ct, const double* holding,
                   const double* present, int actor, std::vector<double> fixed)
    : gamma_(w.params().control.gamma), R_(w.R), fixed_(std::move(fixed)) {
  const auto& cp = w.params().control;
  const int A = w.A;
  const int c = s.coalition[actor];
  const int k = w.recruit_type[actor];
  std::vector<int> partners;
  for (int b = 0; b < A; ++b) {
    if (b != actor && s.coalition[b] == c) partners.push_back(b);
  }
  members_ = 1 + static_cast<int>(partners.size());
  rest_.resize(R_);
  per_strength_.resize(R_);
  need_.resize(R_);
  others_gh_.assign(static_cast<std::size_t>(R_) * members_, 0.0);
  ctrl_.assign(static_cast<std::size_t>(R_) * members_, 0.0);
  for (int r = 0; r < R_; ++r) {
    const double* H = holding + static_cast<std::size_t>(r) * A;
    need_[r] = w.hold_need[r];
    const double qc = ct.q[static_cast<std::size_t>(r) * ct.coalitions + c];
    rest_[r] = std::max(ct.den[r] - contest_power(qc, gamma_), 1e-300);
    const double g = 1.0 + cp.sigma * s.support(r, actor);
    const double x = present[static_cast<std::size_t>(r) * A + actor];
    const double hf =
        x > 0.0 ? H[actor] / x : w.defence[k] * (1.0 + (w.terrain[r] - 1.0) * s.control(r, actor));
    per_strength_[r] = g * hf;
    double* og = &others_gh_[static_cast<std::size_t>(r) * members_];
    double* ct_row = &ctrl_[static_cast<std::size_t>(r) * members_];
    ct_row[0] = s.control(r, actor);
    for (int i = 1; i < members_; ++i) {
      const int b = partners[i - 1];
      og[i] = (1.0 + cp.sigma * s.support(r, b)) * H[b];
      ct_row[i] = s.control(r, b);
    }
  }
  gh_buf_.resize(members_);
  out_buf_.resize(members_);
}

double OwnShare::operator()(int r, double free_strength) const {
  const double strength = free_strength + fixed_[r];
  const double* og = &others_gh_[static_cast<std::size_t>(r) * members_];
  gh_buf_[0] = per_strength_[r] * strength;
  double qq = gh_buf_[0];
  for (int i = 1; i < members_; ++i) {
    gh_buf_[i] = og[i];
    qq += og[i];
  }
  if (qq <= 0.0) return 0.0;
  const double qg = contest_power(qq, gamma_);
  const double tc = qg / (qg + rest_[r]);
  split_coalition(tc, members_, gh_buf_.data(), &ctrl_[static_cast<std::size_t>(r) * members_],
                  need_[r], out_buf_.data());
  return out_buf_[0];
}

}  // namespace powershift
