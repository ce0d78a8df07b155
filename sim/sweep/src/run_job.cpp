#include "powershift/sweep/run_job.hpp"

#include <chrono>
#include <filesystem>

#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/checkpoint.hpp"
#include "powershift/output/target.hpp"

namespace powershift {

scenario::LoadResult load_for_run(const std::string& path,
                                  const std::vector<scenario::Override>& overrides,
                                  const RunSettings& settings) {
  auto loaded = scenario::load_file(path, {}, overrides);
  auto& spec = loaded.spec;
  if (settings.steps > 0) spec.run.steps = settings.steps;
  if (settings.replicates > 0) spec.run.replicates = settings.replicates;
  if (settings.seed) spec.run.seed = *settings.seed;
  if (settings.interval > 0) spec.outputs.interval = settings.interval;
  return loaded;
}

io::OutputOptions output_options(const ScenarioSpec& spec, const RunJob& job) {
  io::OutputOptions out = job.output;
  out.replicates = spec.run.replicates;
  out.recorded_steps = recorded_steps(spec.run.steps, spec.outputs.interval);
  out.counterfactual = job.counterfactual;
  out.seed = spec.run.seed;
  return out;
}

namespace {

bool same_path(const std::string& a, const std::string& b) {
  if (io::same_file(a, b)) return true;
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea);
  const auto cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

}  // namespace

void check_targets(const RunJob& job) {
  if (job.write_output) {
    io::OutputOptions out = job.output;
    out.inputs.insert(out.inputs.end(), job.inputs.begin(), job.inputs.end());
    if (!job.resume.empty()) out.inputs.push_back(job.resume);
    io::check_output_target(out);
  }
  if (job.checkpoint.empty()) return;
  io::Target ck;
  ck.path = job.checkpoint;
  ck.force = true;  // an existing checkpoint is replaced as the run goes (checked below)
  ck.inputs = job.inputs;
  ck.inputs.insert(ck.inputs.end(), job.output.inputs.begin(), job.output.inputs.end());
  ck.role = "checkpoint";
  if (job.write_output && same_path(job.checkpoint, job.output.path)) {
    throw InputError("--checkpoint " + job.checkpoint +
                     ": is the output file; give the checkpoint a name of its own");
  }
  for (const auto& input : ck.inputs) {
    if (same_path(job.checkpoint, input)) {
      throw InputError("--checkpoint " + job.checkpoint + ": is an input of this run (" + input +
                       "); it is never overwritten or removed");
    }
  }
  io::check_target(ck);
  std::error_code ec;
  if (std::filesystem::exists(job.checkpoint, ec) && !io::is_checkpoint_file(job.checkpoint)) {
    throw InputError("--checkpoint " + job.checkpoint +
                     ": exists and is not a powershift checkpoint; it is never replaced or "
                     "removed (give another name, or remove it)");
  }
}

RunOutcome run_job(const std::shared_ptr<const World>& world, const RunJob& job) {
  check_targets(job);
  const auto& spec = world->spec();
  const io::OutputOptions out = output_options(spec, job);
  std::unique_ptr<io::TrajectoryFile> file;
  if (job.write_output) file = std::make_unique<io::TrajectoryFile>(*world, out);
  SummaryBuilder summary(*world, spec.run.replicates);
  EnsembleOptions eo;
  eo.replicates = spec.run.replicates;
  eo.seed = spec.run.seed;
  eo.counterfactual = job.counterfactual;
  eo.counterfactual_events = job.counterfactual_events;
  eo.progress = job.progress;
  eo.stop = job.stop;

  // Checkpoints: finished replicates are kept whole and running ones snapshotted, so that the
  // checkpoint never depends on a half-written output file.
  io::CheckpointData ck;
  ck.scenario_hash = schema::scenario_hash(spec);
  ck.version = std::string(schema::version());
  ck.seed = spec.run.seed;
  ck.replicates = spec.run.replicates;
  ck.steps = spec.run.steps;
  ck.counterfactual = job.counterfactual;
  ck.counterfactual_events = job.counterfactual_events;
  ck.output_path = out.path;
  ck.interval = spec.outputs.interval;
  const bool checkpointing = !job.checkpoint.empty();
  // The checkpoint is removed when the run completes only if this run wrote it or resumed from
  // it: check_targets() made sure that anything else there is a checkpoint too, but a file this
  // run did not touch is left alone.
  bool owns_checkpoint = checkpointing && same_path(job.checkpoint, job.resume);
  auto write_ck = [&] {
    io::write_checkpoint(job.checkpoint, *world, ck);
    owns_checkpoint = true;
  };
  if (file) {
    eo.prepare = [&](ReplicateResult& r) { r.attachment = file->encode(r); };
  }
  auto deliver = [&](ReplicateResult&& r) {
    summary.add(r);
    if (file) {
      using Encoded = std::shared_ptr<const io::EncodedReplicate>;
      if (const auto* enc = std::any_cast<Encoded>(&r.attachment)) {
        file->write_encoded(**enc);
      } else {
        file->write_replicate(r);
      }
      r.attachment.reset();
    }
    if (checkpointing) {
      ck.running.erase(r.replicate);
      ck.finished[r.replicate] = std::move(r);
    }
  };
  if (!job.resume.empty()) {
    auto saved = io::read_checkpoint(job.resume, *world);
    auto differs = [&](const std::string& what) {
      throw InputError(job.resume + ": cannot resume: the checkpoint was written with another " +
                       what);
    };
    if (saved.seed != spec.run.seed) differs("seed");
    if (saved.replicates != spec.run.replicates) differs("replicate count");
    if (saved.steps != spec.run.steps) differs("number of steps");
    if (saved.counterfactual != job.counterfactual ||
        saved.counterfactual_events != job.counterfactual_events) {
      differs("--counterfactual setting");
    }
    if (saved.interval != 0 && saved.interval != spec.outputs.interval)
      differs("recording interval (--interval " + std::to_string(saved.interval) + ")");
    for (auto& [rep, snap] : saved.running) eo.resume.push_back(std::move(snap));
    for (auto& [rep, result] : saved.finished) {
      eo.skip.push_back(rep);
      deliver(std::move(result));
    }
  }
  if (checkpointing) {
    eo.snapshot_every = job.checkpoint_every;
    auto last = std::chrono::steady_clock::now();
    eo.on_snapshot = [&, last](ReplicateSnapshot&& snap) mutable {
      ck.running[snap.replicate] = std::move(snap);
      // Periodic checkpoints, at most one a second; a stop always writes one at the end.
      const auto now = std::chrono::steady_clock::now();
      const bool stopping = job.stop != nullptr && job.stop->load();
      if (!stopping && now - last >= std::chrono::seconds(1)) {
        write_ck();
        last = now;
      }
    };
  }
  RunOutcome outcome;
  outcome.complete = run_ensemble(world, eo, deliver);
  if (!outcome.complete) {
    file.reset();  // removes the partial output
    if (checkpointing) write_ck();
    outcome.finished = ck.finished.size();
    outcome.running = ck.running.size();
    return outcome;
  }
  outcome.summary = summary.finish();
  if (file) {
    file->write_summary(outcome.summary);
    file->commit();
  }
  if (owns_checkpoint) {
    std::error_code ec;
    std::filesystem::remove(job.checkpoint, ec);  // the run is complete: the checkpoint is spent
  }
  return outcome;
}

}  // namespace powershift
