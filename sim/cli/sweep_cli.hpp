#pragma once
// `powershift sweep expand|run|status|merge|slurm`: the sweep front end.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace powershift::cli {

class SweepCli {
 public:
  explicit SweepCli(CLI::App& app);
  SweepCli(const SweepCli&) = delete;
  SweepCli& operator=(const SweepCli&) = delete;
  ~SweepCli();
  [[nodiscard]] bool selected() const;
  // Runs the chosen subcommand; throws InputError / OutputError like the other commands.
  int run(const std::string& command_line);

  struct Options;  // the parsed options (sweep_cli.cpp)

 private:
  std::unique_ptr<Options> o_;
};

}  // namespace powershift::cli
