#include "cli_common.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

namespace powershift::cli {

std::atomic<bool> g_stop{false};

namespace {
extern "C" void request_stop(int /*signal*/) {
  g_stop.store(true);
}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = request_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  for (int sig : {SIGTERM, SIGUSR1, SIGINT}) sigaction(sig, &sa, nullptr);
}

int thread_count(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

Progress::Progress(bool enabled, std::string unit)
    : enabled_(enabled), unit_(std::move(unit)), start_(std::chrono::steady_clock::now()) {}

void Progress::update(long long done, long long total) {
  if (!enabled_) return;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta =
      done > 0 ? secs / static_cast<double>(done) * static_cast<double>(total - done) : 0.0;
  const int width = 30;
  const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r  [%.*s%*s] %lld/%lld %s  %.1fs elapsed, ETA %.1fs ", filled,
               "##############################", width - filled, "", done, total, unit_.c_str(),
               secs, eta);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace powershift::cli
