#include "powershift/sweep/slurm.hpp"

#include <algorithm>
#include <string>

#include "powershift/model/error.hpp"

namespace powershift::sweep {
namespace {

// Values written into #SBATCH lines and comments: a newline (or any control character) would
// start a line of its own in the script, so it is refused rather than written.
void check_script_value(const std::string& option, const std::string& value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      throw InputError(option + ": '" + printable(value) +
                       "' contains a newline or control character, which cannot go into an "
                       "sbatch script");
    }
  }
}

std::string header(const SweepSpec& spec, const SlurmOptions& o, const std::string& job,
                   const std::string& what) {
  std::string s = "#!/bin/bash\n";
  s += "#SBATCH --job-name=" + job + "\n";
  s += "#SBATCH --output=" + o.dir + "/logs/%x-%A_%a.out\n";
  s += "#SBATCH --time=" + o.time + "\n";
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.account.empty()) s += "#SBATCH --account=" + o.account + "\n";
  s += "# " + what + " of powershift sweep '" + spec.name + "' (" + o.spec_path + "),\n";
  s += "# written by `powershift sweep slurm`; the sweep directory is " + o.dir + ".\n";
  return s;
}

}  // namespace

SlurmScripts slurm_scripts(const SweepSpec& spec, const SlurmOptions& o) {
  check_script_value("--time", o.time);
  check_script_value("--partition", o.partition);
  check_script_value("--account", o.account);
  check_script_value("--dir", o.dir);
  check_script_value("the spec path", o.spec_path);
  check_script_value("the program path", o.program);
  check_script_value("the sweep name", spec.name);
  SlurmScripts out;
  const long long cap = std::max(1LL, o.max_array_size);
  for (long long offset = 0; offset < o.shards; offset += cap) {
    const long long tasks = std::min(cap, o.shards - offset);
    std::string range = "0-" + std::to_string(tasks - 1);
    if (o.max_running > 0) range += "%" + std::to_string(o.max_running);
    std::string s =
        header(spec, o, "ps-" + spec.name,
               "Array tasks " + std::to_string(offset) + "-" + std::to_string(offset + tasks - 1));
    s.insert(s.find("#SBATCH --time"),
             "#SBATCH --array=" + range +
                 "\n#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) +
                 "\n#SBATCH --signal=B:USR1@" + std::to_string(o.signal_lead) + "\n");
    s +=
        "# Task i runs shard (i + " + std::to_string(offset) + ") of " + std::to_string(o.shards) +
        ". Before the time limit Slurm sends SIGUSR1: running members\n"
        "# stop at a step boundary and checkpoint, and the task exits 75. Rerun what is left with\n"
        "# `powershift sweep status` (it prints the --array list) and sbatch --array=LIST this "
        "script.\n";
    s += "set -euo pipefail\n";
    s += "exec " + shell_quote(o.program) + " sweep run " + shell_quote(o.spec_path) + " --dir " +
         shell_quote(o.dir) + " --shard-count " + std::to_string(o.shards) + " --shard-offset " +
         std::to_string(offset) + " --threads \"${SLURM_CPUS_PER_TASK:-1}\" --quiet\n";
    out.arrays.push_back(std::move(s));
    out.array_ranges.push_back(range);
  }
  std::string m = header(spec, o, "ps-" + spec.name + "-merge", "Merge job");
  // %a is empty for a job that is not an array task; keep the log name readable.
  const auto pos = m.find("%x-%A_%a.out");
  m.replace(pos, 12, "%x-%j.out");
  m += "set -euo pipefail\n";
  m += "exec " + shell_quote(o.program) + " sweep merge " + shell_quote(o.spec_path) + " --dir " +
       shell_quote(o.dir) + " --force\n";
  out.merge = std::move(m);
  return out;
}

std::string shell_quote(const std::string& word) {
  constexpr const char* kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%";
  if (!word.empty() && word.find_first_not_of(kPlain) == std::string::npos) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace powershift::sweep
