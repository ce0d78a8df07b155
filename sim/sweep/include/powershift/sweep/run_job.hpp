#pragma once
// One run of a scenario to an HDF5 file, with optional checkpoints: what `powershift run` does,
// shared with the sweep runner so that a sweep member's file is the file `powershift run` writes
// with the same overrides and seed. A front-end helper: it joins the engine, the scenario loader
// and the HDF5 writer, and holds no model logic.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "powershift/engine/ensemble.hpp"
#include "powershift/model/world.hpp"
#include "powershift/output/hdf5_writer.hpp"
#include "powershift/scenario/loader.hpp"

namespace powershift {

// Settings a command line gives over the scenario's own (0 or none: keep the scenario's).
struct RunSettings {
  std::optional<std::uint64_t> seed;
  int replicates = 0;
  int steps = 0;
  int interval = 0;
};

// Loads a scenario with overrides and applies the settings, as `powershift run` does.
scenario::LoadResult load_for_run(const std::string& path,
                                  const std::vector<scenario::Override>& overrides,
                                  const RunSettings& settings);

struct RunJob {
  // The file to write; empty path: none. replicates, recorded steps, seed and counterfactual
  // are filled in from the scenario.
  io::OutputOptions output;
  bool write_output = true;
  bool counterfactual = false;
  std::vector<int>
      counterfactual_events;        // events the counterfactual arm removes; empty: drawdowns
  std::string checkpoint;           // written when `stop` ends the run early (and periodically)
  int checkpoint_every = 0;         // steps between snapshots; 0: only when stopped
  std::string resume;               // a checkpoint to continue from
  std::vector<std::string> inputs;  // the files the run reads: never written or removed
  const std::atomic<bool>* stop = nullptr;
  std::function<void(int, int)> progress;
};

struct RunOutcome {
  bool complete = false;
  EnsembleSummary summary;                // when complete
  std::size_t finished = 0, running = 0;  // replicates in the checkpoint, when stopped
};

// The output options `job` gives for this scenario.
io::OutputOptions output_options(const ScenarioSpec& spec, const RunJob& job);

// The output-target policy for every file `job` writes (docs/cli.md "Output files"): the output,
// and the checkpoint, which must be none of the run's inputs, not the output, and either absent
// or a powershift checkpoint (it is replaced as the run goes and removed when it completes).
// Throws InputError or OutputError before any work starts.
void check_targets(const RunJob& job);

// Runs the ensemble (in the caller's TBB arena) into the output file. Throws InputError when
// `resume` does not fit the run, OutputError when writing fails. When stopped early, the partial
// output is removed and the checkpoint (if any) written; nothing half-written is left behind.
RunOutcome run_job(const std::shared_ptr<const World>& world, const RunJob& job);

}  // namespace powershift
