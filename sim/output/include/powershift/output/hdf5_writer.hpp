#pragma once
// The HDF5 trajectory writer: the only code that includes HDF5. It writes one file per run, with
// every replicate, in the netCDF-4 layout (dimension scales on every axis) so that xarray, h5py
// and ncdump read it without a custom reader. Written under a temporary name and renamed when
// complete, so a killed run never leaves a file that looks complete.
#include <memory>
#include <string>
#include <vector>

#include "powershift/engine/ensemble.hpp"
#include "powershift/model/world.hpp"

namespace powershift::io {

struct OutputOptions {
  std::string path;
  bool force = false;               // replace an existing regular file
  std::vector<std::string> inputs;  // files the run reads (scenario, extends chain): never replaced
  std::string command_line;         // stored as provenance
  int deflate_level = 1;
  int replicates = 1;
  std::vector<int> recorded_steps;
  bool counterfactual = false;
  std::uint64_t seed = 1;
  // Region x actor fields to record per step: any of control, support, power, forces. Empty:
  // summary only (metrics per step, final tables, events).
  std::vector<std::string> fields = {"control", "support", "power", "forces"};
};

// The output-target policy (target.hpp) for this output: throws InputError (a directory, a
// device, an input of the run, an existing file without force, a missing directory) or
// OutputError (an unwritable directory, a name too long) before any work starts.
void check_output_target(const OutputOptions& options);

struct EncodedReplicate;

class TrajectoryFile {
 public:
  TrajectoryFile(const World& world, const OutputOptions& options);
  TrajectoryFile(const TrajectoryFile&) = delete;
  TrajectoryFile& operator=(const TrajectoryFile&) = delete;
  TrajectoryFile(TrajectoryFile&&) = delete;
  TrajectoryFile& operator=(TrajectoryFile&&) = delete;
  ~TrajectoryFile();  // removes the temporary file unless commit() succeeded

  void write_replicate(const ReplicateResult& result);  // any order; call serially
  // The same in two halves: encode (filter and compress; thread-safe, run it in parallel), then
  // write (serially).
  [[nodiscard]] std::shared_ptr<const EncodedReplicate> encode(const ReplicateResult& result) const;
  void write_encoded(const EncodedReplicate& encoded);
  void write_summary(const EnsembleSummary& summary);
  void commit();  // close, then rename to the final path

  [[nodiscard]] const std::string& temporary_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace powershift::io
