#pragma once
// Running sweep members into a sweep directory, and reading its state back. Layout:
//   DIR/design.csv                  the design table (written by every `sweep run`)
//   DIR/members/member-000042.h5    member 42's output: the file `powershift run` writes
//   DIR/members/member-000042.done  its completion marker (written after the file is in place)
//   DIR/members/member-000042.failed   why it failed (removed when it succeeds)
//   DIR/members/member-000042.ckpt  its checkpoint while stopped part-way (SIGTERM/SIGUSR1)
// A member is done when its marker matches what the spec now asks of it (scenario text,
// overrides, seed, replicates, recording) and its file is there with the size the marker gives.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "powershift/sweep/design.hpp"
#include "powershift/sweep/spec.hpp"

namespace powershift::sweep {

class SweepDir {
 public:
  SweepDir(std::string dir, long long member_count);
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string members_dir() const;
  [[nodiscard]] std::string stem(long long member) const;  // member-000042
  [[nodiscard]] std::string file(long long member) const;
  [[nodiscard]] std::string marker(long long member) const;
  [[nodiscard]] std::string failure(long long member) const;
  [[nodiscard]] std::string checkpoint(long long member) const;

 private:
  std::string dir_;
  int width_;
};

// What identifies the work of a member: a hash over the base scenario's text (with the files it
// extends), the overrides,
// seed, replicates, steps and recording options, and the powershift version.
class MemberKeys {
 public:
  explicit MemberKeys(const SweepSpec& spec);
  [[nodiscard]] std::string key(const Member& m) const;

 private:
  const SweepSpec& spec_;
  std::uint64_t base_;
};

// The `powershift run` command that writes the same file as member m (its provenance).
std::string equivalent_command(const SweepSpec& spec, const Member& m, const std::string& output);

enum class MemberOutcome { Done, Skipped, Failed, Stopped };

struct MemberRunOptions {
  std::string dir;
  const std::atomic<bool>* stop = nullptr;
  int checkpoint_every = 0;  // steps between member checkpoints; 0: only when stopped
};

// Runs member m unless it is done. Never throws for a member's own failure: that is recorded in
// its .failed file and returned as Failed (with the message in *message).
MemberOutcome run_member(const SweepSpec& spec, const MemberKeys& keys, const SweepDir& dir,
                         const Member& m, const MemberRunOptions& options,
                         std::string* message = nullptr);

// Creates DIR and DIR/members and writes DIR/design.csv.
void prepare_dir(const SweepSpec& spec, const std::vector<Member>& members, const std::string& dir);

struct SweepStatus {
  std::vector<long long> done, failed, missing;
  std::map<long long, std::string> failures;  // member -> first line of its .failed
};
SweepStatus sweep_status(const SweepSpec& spec, const std::vector<Member>& members,
                         const std::string& dir);
// The same for the spec's member_count members without expanding the design: one listing of
// DIR/members, and only the members with a completion marker expanded and checked.
SweepStatus sweep_status(const SweepSpec& spec, long long member_count, const std::string& dir);

// Members [first, last) of shard `shard` of `shards` (contiguous blocks of ceil(M / shards)).
std::pair<long long, long long> shard_range(long long shard, long long shards, long long members);
// The shard (array task) that runs member m.
long long shard_of(long long member, long long shards, long long members);
// The default number of shards: ceil(M / members_per_task).
long long default_shards(const SweepSpec& spec, long long members);
// "0-3,7,9-12": a Slurm --array list of sorted indices.
std::string index_ranges(const std::vector<long long>& sorted);

// Checks every parameter path and value against the base scenario by loading it with each
// list value (and the ends of each distribution); errors are located at the parameter.
void check_against_scenario(const SweepSpec& spec);

// Checks `outputs:` against the variables a member file has (located at the spec's entries).
void check_outputs(const SweepSpec& spec);

struct BatchResult {
  long long done = 0, skipped = 0, failed = 0, stopped = 0;
  std::vector<std::string> failures;  // "member N: message"
  void add(MemberOutcome outcome, long long member, const std::string& message);
};

// Runs the members with indices `which` on TBB, members in parallel (and each member's
// replicates), in the caller's arena; `progress(finished, total)` is called serially after each.
BatchResult run_members(const SweepSpec& spec, const std::vector<Member>& members,
                        const std::vector<long long>& which, const MemberRunOptions& options,
                        const std::function<void(long long, long long)>& progress = {});

struct MergeOptions {
  std::string output;  // default: DIR/<sweep name>.h5
  bool force = false;
  bool allow_missing = false;  // merge what is done and name the rest in the file
  std::string command_line;
};
// Merges the done members. Throws InputError naming the missing and failed members unless
// allow_missing. Returns the path written.
std::string merge(const SweepSpec& spec, const std::vector<Member>& members, const std::string& dir,
                  const MergeOptions& options);

}  // namespace powershift::sweep
