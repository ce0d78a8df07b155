#pragma once
// Slurm job-array scripts for a sweep: one array (or several, where the site caps array sizes)
// whose task i runs shard i, and a merge job that runs after every task succeeded.
#include <string>
#include <vector>

#include "powershift/sweep/spec.hpp"

namespace powershift::sweep {

struct SlurmOptions {
  std::string program;              // absolute path of the powershift command
  std::string spec_path;            // absolute
  std::string dir;                  // absolute sweep directory
  long long shards = 1;             // array tasks in all
  int max_running = 0;              // %M throttle; 0: none
  long long max_array_size = 1001;  // Slurm's default MaxArraySize: larger sweeps are split
  int cpus_per_task = 1;
  std::string time = "01:00:00";
  int signal_lead =
      300;  // seconds before the time limit at which SIGUSR1 asks members to checkpoint
  std::string partition, account;
};

struct SlurmScripts {
  std::vector<std::string> arrays;        // one script per array job
  std::vector<std::string> array_ranges;  // "0-999%10": each array's --array
  std::string merge;
};

SlurmScripts slurm_scripts(const SweepSpec& spec, const SlurmOptions& options);

// A word for a POSIX shell: as it is when it has nothing the shell would read, else in single
// quotes.
std::string shell_quote(const std::string& word);

}  // namespace powershift::sweep
