#pragma once
// Checkpoints (docs/output-format.md §Checkpoints): an interrupted run's finished replicates
// (whole, so the checkpoint does not depend on a half-written output file) and the State and
// trajectory so far of every replicate that was running. Random numbers are counter-based and need
// no state, so a resumed run is bit-identical to an uninterrupted one.
#include <map>
#include <string>
#include <vector>

#include "powershift/engine/ensemble.hpp"
#include "powershift/model/world.hpp"

namespace powershift::io {

struct CheckpointData {
  // What the checkpoint belongs to: a resume must match all of it.
  std::string scenario_hash;
  std::string version;
  std::uint64_t seed = 1;
  int replicates = 1;
  int steps = 0;
  int interval = 0;  // recording interval (0: unknown, a checkpoint without the attribute)
  bool counterfactual = false;
  std::vector<int> counterfactual_events;  // removed in the counterfactual arm; empty: drawdowns
  std::string output_path;                 // final name of the output being written
  // Progress.
  std::map<int, ReplicateResult> finished;
  std::map<int, ReplicateSnapshot> running;
};

// Written to a temporary name and renamed, so a checkpoint on disk is always whole.
void write_checkpoint(const std::string& path, const World& world, const CheckpointData& data);

// True when `path` is a file powershift wrote as a checkpoint (of any format version): the only
// kind of existing file a checkpoint may replace, and the only kind a completed run removes.
bool is_checkpoint_file(const std::string& path);

// Throws InputError for a missing, corrupt or foreign file, or one from another scenario or
// version than `world`, or one holding a value out of range (naming it). A checkpoint of other
// settings (steps, replicates, interval) is returned without its replicates, for the caller to
// refuse naming the setting.
CheckpointData read_checkpoint(const std::string& path, const World& world);

}  // namespace powershift::io
