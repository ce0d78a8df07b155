#pragma once
// What the command line's subcommands share: exit codes, the stop signal, a progress bar.
#include <atomic>
#include <chrono>
#include <string>

namespace powershift::cli {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitCheckpointed = 75;  // EX_TEMPFAIL: interrupted, checkpoint written; resume later

// Set by SIGTERM / SIGUSR1 (what Slurm sends before a time limit) and SIGINT; runs stop at the
// next step boundary.
extern std::atomic<bool> g_stop;
void install_stop_handlers();

// --threads, or every online core when 0.
int thread_count(int requested);

// A one-line progress bar with an ETA on a terminal; nothing otherwise.
class Progress {
 public:
  Progress(bool enabled, std::string unit);
  void update(long long done, long long total);

 private:
  bool enabled_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace powershift::cli
