#include "powershift/mpi/dispatch.hpp"

#include <mpi.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <thread>

namespace powershift::sweep::mpi {
namespace {

// Messages between rank 0 and the workers. A worker asks for work with kReady (carrying the
// outcome of its last member, or -1), and gets kWork (a member index) or kDone.
constexpr int kReady = 1;
constexpr int kWork = 2;
constexpr int kDone = 3;

// The outcome codes a worker reports.
constexpr long long kNone = -1;

long long code_of(MemberOutcome o) {
  return static_cast<long long>(o);
}

}  // namespace

Session::Session(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

void Session::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; this satisfies [[noreturn]]
}

bool Session::any(bool flag) const {
  int mine = flag ? 1 : 0;
  int all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return all != 0;
}

void Session::barrier() const {
  MPI_Barrier(MPI_COMM_WORLD);
}

Session::~Session() {
  // Leaving by an exception (a run-time failure on one rank): the other ranks may be waiting
  // for it, so end them all rather than wait in MPI_Finalize.
  if (std::uncaught_exceptions() > 0 && size_ > 1) MPI_Abort(MPI_COMM_WORLD, 1);
  MPI_Finalize();
}

DispatchResult run_members(const Session& session, const SweepSpec& spec,
                           const std::vector<Member>& members, const std::vector<long long>& which,
                           const MemberRunOptions& options, int threads,
                           const std::function<void(long long, long long)>& progress) {
  DispatchResult result;
  tbb::task_arena arena(threads);
  if (session.size() == 1) {
    arena.execute(
        [&] { result.totals = sweep::run_members(spec, members, which, options, progress); });
    return result;
  }
  result.workers = session.size() - 1;
  if (session.rank() == 0) {
    std::deque<long long> queue;
    for (long long i : which) queue.push_back(i);
    const auto total = static_cast<long long>(which.size());
    int active = session.size() - 1;
    long long finished = 0;
    bool stopping = false;
    while (active > 0) {
      // Poll rather than block, and sleep between polls: a blocking receive spins a core that
      // the workers need (ranks are often oversubscribed on small machines).
      long long msg[2] = {kNone, kNone};  // outcome, member
      MPI_Request req;
      MPI_Irecv(msg, 2, MPI_LONG_LONG, MPI_ANY_SOURCE, kReady, MPI_COMM_WORLD, &req);
      MPI_Status st;
      int flag = 0;
      while (true) {
        MPI_Test(&req, &flag, &st);
        if (flag) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      // The request completed in the MPI_Test loop above; the MPI checker does not see tests.
      const int worker = st.MPI_SOURCE;  // NOLINT(clang-analyzer-optin.mpi.MPI-Checker)
      if (msg[0] != kNone) {
        // A failure's message follows as a string.
        std::string message;
        if (static_cast<MemberOutcome>(msg[0]) == MemberOutcome::Failed) {
          MPI_Status ms;
          MPI_Probe(worker, kReady + 10, MPI_COMM_WORLD, &ms);
          int len = 0;
          MPI_Get_count(&ms, MPI_CHAR, &len);
          message.resize(static_cast<std::size_t>(len));
          MPI_Recv(message.data(), len, MPI_CHAR, worker, kReady + 10, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
        }
        result.totals.add(static_cast<MemberOutcome>(msg[0]), msg[1], message);
        if (static_cast<MemberOutcome>(msg[0]) == MemberOutcome::Stopped) stopping = true;
        ++finished;
        if (progress) progress(finished, total);
      }
      if (options.stop != nullptr && options.stop->load()) stopping = true;
      if (!stopping && !queue.empty()) {
        long long next = queue.front();
        queue.pop_front();
        MPI_Send(&next, 1, MPI_LONG_LONG, worker, kWork, MPI_COMM_WORLD);
      } else {
        long long none = -1;
        MPI_Send(&none, 1, MPI_LONG_LONG, worker, kDone, MPI_COMM_WORLD);
        --active;
      }
    }
    std::sort(result.totals.failures.begin(), result.totals.failures.end());
    return result;
  }
  // A worker: the member keys (one load of the base scenario) and file names, then work.
  const MemberKeys keys(spec);
  const SweepDir dir(options.dir, static_cast<long long>(members.size()));
  long long msg[2] = {kNone, kNone};
  std::string message;
  while (true) {
    MPI_Send(msg, 2, MPI_LONG_LONG, 0, kReady, MPI_COMM_WORLD);
    if (msg[0] == code_of(MemberOutcome::Failed)) {
      MPI_Send(message.data(), static_cast<int>(message.size()), MPI_CHAR, 0, kReady + 10,
               MPI_COMM_WORLD);
    }
    long long member = -1;
    MPI_Status st;
    MPI_Recv(&member, 1, MPI_LONG_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    if (st.MPI_TAG == kDone) break;
    message.clear();
    MemberOutcome outcome = MemberOutcome::Failed;
    arena.execute([&] {
      outcome =
          run_member(spec, keys, dir, members[static_cast<std::size_t>(member)], options, &message);
    });
    msg[0] = code_of(outcome);
    msg[1] = member;
  }
  return result;
}

}  // namespace powershift::sweep::mpi
