#pragma once
// Sweep members under MPI (`mpirun -n K powershift sweep run SPEC --mpi`): rank 0 hands out
// member indices as ranks free up; every rank writes its own member files, so no file is ever
// written by two processes. Compiled only when MPI is found; the engine never sees MPI.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "powershift/sweep/design.hpp"
#include "powershift/sweep/runner.hpp"
#include "powershift/sweep/spec.hpp"

namespace powershift::sweep::mpi {

// MPI_Init / MPI_Finalize around a scope.
class Session {
 public:
  Session(int* argc, char*** argv);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  // Ends every rank (MPI_Abort): for a failure that the other ranks would otherwise wait on.
  [[noreturn]] void abort(int code) const;
  // Collective: true on every rank when `flag` is true on any rank.
  [[nodiscard]] bool any(bool flag) const;
  // Collective: returns once every rank has called it.
  void barrier() const;

 private:
  int rank_ = 0, size_ = 1;
};

struct DispatchResult {
  BatchResult totals;  // summed over every rank (valid on rank 0)
  int workers = 0;
};

// Runs the members with indices `which` over the ranks. With one rank, rank 0 runs them itself.
// `progress` is called on rank 0 as members finish. `threads` is each rank's TBB arena size.
DispatchResult run_members(const Session& session, const SweepSpec& spec,
                           const std::vector<Member>& members, const std::vector<long long>& which,
                           const MemberRunOptions& options, int threads,
                           const std::function<void(long long, long long)>& progress = {});

}  // namespace powershift::sweep::mpi
