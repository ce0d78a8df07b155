#pragma once
// The members of a sweep: the design (grid, Latin hypercube, Sobol/Saltelli, Morris) expanded
// into a numbered table. Member indices are stable: the same spec always gives the same table,
// so a shard, an MPI rank or a Slurm array task that runs member m runs the same thing.
#include <cstdint>
#include <string>
#include <vector>

#include "powershift/sweep/spec.hpp"

namespace powershift::sweep {

struct Member {
  long long index = 0;
  std::uint64_t seed = 1;
  std::vector<std::string> values;  // per parameter: the YAML text set at its path
  std::vector<double> numbers;      // per parameter: the value as a number (NaN when not numeric)
  std::vector<int> levels;          // per parameter with a list of values: which one (-1 otherwise)
  std::vector<double> unit;         // per parameter: the design's coordinate in [0, 1]
};

// How many members the design has (throws InputError, located at the spec's design, when that
// is over limits.max_members).
long long member_count(const SweepSpec& spec, const SweepLimits& limits = {});

// Every member, in index order.
std::vector<Member> expand(const SweepSpec& spec, const SweepLimits& limits = {});

// The members with the given indices (any order, repeats ignored; each must be below
// member_count), in index order: the same members expand() gives, in memory proportional to the
// selection (`sweep status` of a large design).
std::vector<Member> expand_selected(const SweepSpec& spec, const std::vector<long long>& indices,
                                    const SweepLimits& limits = {});

// The value of a parameter at design coordinate u in (0, 1) (or [0, 1] for lists): the inverse
// of its distribution, a list entry, or rounded when `integer`.
double quantile(const Parameter& p, double u);

// The overrides that make member m's scenario: the spec's `set:`, then each parameter.
std::vector<scenario::Override> member_overrides(const SweepSpec& spec, const Member& m);

// The design table as CSV: member, seed, then one column per parameter (the value text, or the
// value's label where the parameter has `labels`).
std::string design_csv(const SweepSpec& spec, const std::vector<Member>& members);

}  // namespace powershift::sweep
