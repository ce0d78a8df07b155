// The `powershift` command line (CLI11). A front end: it builds Worlds, runs ensembles and
// attaches the HDF5 writer; no model logic lives here. Exit codes: 0 success, 1 runtime failure,
// 2 bad input.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <system_error>

#include "cli_common.hpp"
#include "powershift/engine/ensemble.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/error.hpp"
#include "powershift/model/seed.hpp"
#include "powershift/model/world.hpp"
#include "powershift/output/hdf5_writer.hpp"
#include "powershift/output/inspect.hpp"
#include "powershift/scenario/language.hpp"
#include "powershift/scenario/loader.hpp"
#include "powershift/sweep/run_job.hpp"
#include "sweep_cli.hpp"

namespace ps = powershift;
using powershift::cli::g_stop;
using powershift::cli::install_stop_handlers;
using powershift::cli::kExitBadInput;
using powershift::cli::kExitCheckpointed;
using powershift::cli::kExitOk;
using powershift::cli::kExitRuntime;
using powershift::cli::Progress;
using powershift::cli::thread_count;

namespace {

struct RunOptions {
  std::string scenario;
  std::string output;
  std::string seed;  // parsed as an unsigned 64-bit integer
  bool seed_given = false;
  int replicates = 0;
  int threads = 0;
  int steps = 0;
  bool counterfactual = false;
  std::vector<std::string> counterfactual_events;  // --counterfactual EVENT (name or index)
  bool force = false;
  bool quiet = false;
  bool no_output = false;
  std::string checkpoint;
  int checkpoint_every = 0;
  std::string resume;
  std::vector<std::string> sets;  // --set PATH=VALUE
  int deflate = 1;  // chosen by bench/bench_hdf5.sh: 4x smaller than 0, twice the speed of 4
  std::vector<std::string> fields;
  bool summary_only = false;
  int interval = 0;
};

// --set PATH=VALUE options as scenario overrides; malformed ones are bad input (exit 2).
std::vector<ps::scenario::Override> overrides_of(const std::vector<std::string>& sets) {
  std::vector<ps::scenario::Override> out;
  std::vector<ps::Diagnostic> errors;
  for (const auto& s : sets) {
    try {
      out.push_back(ps::scenario::parse_override(s));
    } catch (const ps::InputError& e) {
      errors.insert(errors.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!errors.empty()) throw ps::InputError(errors);
  return out;
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i) out += ' ';
    out += argv[i];
  }
  return out;
}

std::string default_output_name(const ps::ScenarioSpec& spec) {
  return spec.name + ".h5";
}

// The bundled scenario: $POWERSHIFT_SCENARIO_DIR, else the directory compiled in (the source
// tree), else <exe dir>/../share/powershift/scenarios, where an installed command finds it
// (`pip install .`, `cmake --install`) once the source tree is gone.
std::string bundled_scenario_path() {
  std::string compiled = ps::scenario::default_scenario_path();
  if (const char* env = std::getenv("POWERSHIFT_SCENARIO_DIR"); env && *env) return compiled;
  std::error_code ec;
  if (std::filesystem::exists(compiled, ec)) return compiled;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "powershift" / "scenarios" /
                           std::filesystem::path(compiled).filename();
    if (std::filesystem::exists(installed, ec)) return installed.string();
  }
  return compiled;  // the loader's error names the path the build expected
}

void print_warnings(const std::vector<ps::Diagnostic>& warnings) {
  for (const auto& w : warnings) std::cerr << w.format() << "\n";
}

void print_engine_warnings(const ps::World& world, const std::string& file) {
  const auto warnings = ps::engine_warnings(world);
  constexpr std::size_t kShown = 10;  // a big generated scenario can have thousands
  for (std::size_t i = 0; i < std::min(warnings.size(), kShown); ++i) {
    ps::Diagnostic d;
    d.file = file;
    d.path = warnings[i].path;
    d.message = warnings[i].message;
    d.warning = true;
    std::cerr << d.format() << "\n";
  }
  if (warnings.size() > kShown) {
    std::cerr << file << ": warning: ... and " << warnings.size() - kShown
              << " more warnings of the same kinds\n";
  }
}

void print_summary(const ps::World& w, const ps::EnsembleSummary& s, const std::string& output) {
  const auto& spec = w.spec();
  std::printf("\npowershift: %s, %d replicate%s, %d steps of %g day%s\n", spec.name.c_str(),
              s.replicates, s.replicates == 1 ? "" : "s", spec.run.steps, w.dt,
              w.dt == 1.0 ? "" : "s");
  std::printf("\n%-16s %9s %9s %9s %10s %10s %10s\n", "actor", "pop-ctrl", "value-ctrl", "pop@day0",
              "forces@0", "forces@end", "casualties");
  for (int a = 0; a < w.A; ++a) {
    double pop0 = 0.0;
    for (int r = 0; r < w.R; ++r)
      pop0 += w.pop_weight[r] * w.control0[static_cast<std::size_t>(r) * w.A + a];
    std::printf("%-16s %9.3f %9.3f %9.3f %10.0f %10.0f %10.0f\n", spec.actors[a].name.c_str(),
                s.control_pop_final[a], s.control_value_final[a], pop0, s.forces_initial[a],
                s.forces_final[a], s.casualties[a]);
  }
  std::printf("%-16s %9.3f\n", "(vacuum)", s.vacuum_pop_final);
  std::vector<std::string> actor_names;
  for (const auto& a : spec.actors) actor_names.push_back(a.name);
  std::printf("\n%-14s %-16s %8s %8s", "region", "controller", "share", "vacuum");
  const bool attr = s.withdrawing_actor >= 0;
  if (attr)
    std::printf("  %-34s",
                ("net gain from " + spec.actors[s.withdrawing_actor].name + "'s loss").c_str());
  if (s.has_counterfactual) std::printf("  %s", "counterfactual effect (largest)");
  std::printf("\n");
  for (int r = 0; r < w.R; ++r) {
    if (w.offmap[r]) continue;
    const auto holder = ps::schema::region_holder(&s.control_final_mean(r, 0), w.A);
    const double share = holder.share;
    const std::string controller = ps::schema::holder_label(holder, actor_names);
    std::printf("%-14s %-16s %8.2f %8.2f", spec.regions[r].name.c_str(), controller.c_str(), share,
                s.vacuum_final[r]);
    if (attr) {
      std::string gains;
      if (s.attribution_lost_mean[r] > 0.005) {
        std::ostringstream os;
        os.precision(2);
        os << std::fixed << "lost " << s.attribution_lost_mean[r] << ":";
        for (int b = 0; b < w.A; ++b) {
          if (s.attribution_net_mean(r, b) > 0.005)
            os << " " << spec.actors[b].name << " " << s.attribution_net_mean(r, b);
        }
        gains = os.str();
      }
      std::printf("  %-34s", gains.c_str());
    }
    if (s.has_counterfactual) {
      int bi = 0;
      for (int a = 1; a < w.A; ++a) {
        if (std::abs(s.counterfactual_mean(r, a)) > std::abs(s.counterfactual_mean(r, bi))) bi = a;
      }
      if (std::abs(s.counterfactual_mean(r, bi)) > 0.005) {
        std::printf("  %s %+.2f (sd %.2f)", spec.actors[bi].name.c_str(),
                    s.counterfactual_mean(r, bi), s.counterfactual_sd(r, bi));
      }
    }
    std::printf("\n");
  }
  if (!output.empty()) std::printf("\nwrote %s\n", output.c_str());
}

// --counterfactual EVENT: an event's index in the scenario or its `name`; bad input otherwise.
int event_index(const ps::ScenarioSpec& spec, const std::string& path, const std::string& key) {
  const int n = static_cast<int>(spec.events.size());
  for (int i = 0; i < n; ++i) {
    if (!spec.events[i].name.empty() && spec.events[i].name == key) return i;
  }
  if (!key.empty() &&
      std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const long i = key.size() < 9 ? std::stol(key) : -1;
    if (i >= 0 && i < n) return static_cast<int>(i);
  }
  std::string names;
  for (int i = 0; i < n; ++i) {
    names += (names.empty() ? "" : ", ") + std::to_string(i);
    if (!spec.events[i].name.empty()) names += " (" + spec.events[i].name + ")";
  }
  throw ps::InputError(path + ": --counterfactual " + key +
                       ": no such event (the scenario's events: " +
                       (names.empty() ? std::string("none") : names) + ")");
}

int cmd_run(const RunOptions& opt, const std::string& cmdline) {
  const std::string path = opt.scenario.empty() ? bundled_scenario_path() : opt.scenario;
  ps::RunSettings settings;
  if (opt.seed_given) {
    settings.seed = ps::parse_seed(opt.seed);
    if (!settings.seed) {
      throw ps::InputError("--seed " + opt.seed + ": expected " + ps::kSeedRange);
    }
  }
  settings.replicates = opt.replicates;
  settings.steps = opt.steps;
  settings.interval = opt.interval;
  auto loaded = ps::load_for_run(path, overrides_of(opt.sets), settings);
  print_warnings(loaded.warnings);
  const auto& spec = loaded.spec;
  ps::RunJob job;
  job.counterfactual = opt.counterfactual;
  for (const auto& name : opt.counterfactual_events) {
    if (name.empty()) continue;  // bare --counterfactual: every drawdown
    job.counterfactual_events.push_back(event_index(spec, path, name));
  }
  if (opt.counterfactual && job.counterfactual_events.empty() && !spec.has_drawdown()) {
    throw ps::InputError(path +
                         ": --counterfactual needs a scenario with a drawdown event (or "
                         "--counterfactual EVENT naming the events to remove)");
  }
  std::sort(job.counterfactual_events.begin(), job.counterfactual_events.end());
  job.counterfactual_events.erase(
      std::unique(job.counterfactual_events.begin(), job.counterfactual_events.end()),
      job.counterfactual_events.end());
  job.write_output = !opt.no_output;
  if (job.write_output) {
    job.output.path = opt.output.empty() ? default_output_name(spec) : opt.output;
    job.output.force = opt.force;
    job.output.command_line = cmdline;
    job.output.deflate_level = opt.deflate;
    if (opt.summary_only) {
      job.output.fields.clear();
    } else if (!opt.fields.empty()) {
      job.output.fields = opt.fields;
    }
    job.output.inputs = loaded.files;
  }
  job.checkpoint = opt.checkpoint;
  job.checkpoint_every = opt.checkpoint_every;
  job.resume = opt.resume;
  job.inputs = loaded.files;
  // Every file this run writes is checked before any work (docs/cli.md "Output files").
  ps::check_targets(job);
  const int threads = thread_count(opt.threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));

  auto world = std::make_shared<const ps::World>(spec);
  // From here on a signal means "stop at the next step boundary" (and checkpoint).
  install_stop_handlers();
  if (!opt.quiet) print_engine_warnings(*world, path);
  Progress progress(!opt.quiet && isatty(STDERR_FILENO), "replicates");
  job.progress = [&](int done, int total) { progress.update(done, total); };
  job.stop = &g_stop;
  // An arena of exactly `threads` slots: --threads 4 means four threads even on two cores.
  tbb::task_arena arena(threads);
  ps::RunOutcome outcome;
  arena.execute([&] { outcome = ps::run_job(world, job); });
  if (!outcome.complete) {
    if (!opt.checkpoint.empty()) {
      std::cerr << "powershift: interrupted; checkpoint written to " << opt.checkpoint << " ("
                << outcome.finished << " replicates finished, " << outcome.running
                << " in progress). Resume with the same command and --resume " << opt.checkpoint
                << "\n";
    } else {
      std::cerr << "powershift: interrupted; no output written (give --checkpoint FILE to be able "
                   "to resume)\n";
    }
    return kExitCheckpointed;
  }
  if (!opt.quiet)
    print_summary(*world, outcome.summary, opt.no_output ? std::string() : job.output.path);
  return kExitOk;
}

int cmd_inspect(const std::vector<std::string>& files) {
  int status = kExitOk;
  for (const auto& f : files) {
    try {
      std::cout << ps::io::describe_output(f);
    } catch (const ps::InputError& e) {
      std::cerr << "powershift: error: " << e.what() << "\n";
      status = kExitBadInput;
    }
  }
  return status;
}

int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  int status = kExitOk;
  const auto overrides = overrides_of(sets);
  for (const auto& f : files) {
    try {
      const auto loaded = ps::scenario::load_file(f, {}, overrides);
      print_warnings(loaded.warnings);
      // Building the world checks what only the engine can (graph distances, kernels).
      const ps::World world(loaded.spec);
      print_engine_warnings(world, f);
      std::cout << f << ": ok (" << world.R << " regions, " << world.A << " actors, "
                << ps::State::initial(world).units.size() << " units)\n";
    } catch (const ps::InputError& e) {
      for (const auto& d : e.diagnostics()) std::cerr << d.format() << "\n";
      status = kExitBadInput;
    } catch (const std::bad_alloc&) {
      std::cerr << f
                << ": error: the scenario needs more memory than is available (sizes too large)\n";
      status = kExitBadInput;
    }
  }
  return status;
}

}  // namespace

// Standard output written in full, or exit 1 naming the cause: a full disk (/dev/full), a closed
// descriptor, a reader that went away (EPIPE: SIGPIPE is ignored so that it is reported rather
// than killing the process silently).
int finish_stdout(int status) {
  std::cout.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    // The failing write may have been an earlier buffer flush, its errno since overwritten: one
    // probe byte names the cause (only ever written to an output that already failed).
    int err = EIO;
    if (::write(STDOUT_FILENO, "\n", 1) < 0) err = errno;
    std::fprintf(stderr, "powershift: error: cannot write to standard output: %s\n",
                 std::strerror(err));
    return status == kExitOk ? kExitRuntime : status;
  }
  return status;
}

int dispatch(int argc, char** argv);

// `powershift score` and `powershift calibrate` are the Python package's (`python3 -m powershift
// score ...`): this replaces the process with that interpreter, passing the arguments unchanged.
// $POWERSHIFT_PYTHON names the interpreter (default python3 on PATH).
static int exec_python(const char* command, const std::vector<std::string>& args) {
  const char* env = std::getenv("POWERSHIFT_PYTHON");
  const std::string python = env != nullptr && *env != '\0' ? env : "python3";
  std::vector<std::string> words{python, "-m", "powershift", command};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  ::execvp(argv[0], argv.data());
  std::cerr << "powershift " << command << ": error: cannot run " << python << ": "
            << std::strerror(errno)
            << " (install the Python package, or set POWERSHIFT_PYTHON to its interpreter)\n";
  return kExitRuntime;
}

// Whatever escapes (the set-up of the command line itself, say): a message and exit 1, not
// std::terminate.
int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return finish_stdout(dispatch(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "powershift: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "powershift: internal error\n";
  }
  return kExitRuntime;
}

int dispatch(int argc, char** argv) {
  CLI::App app{"powershift: agent-based regional power-balance simulator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ps::schema::version()));
  RunOptions run;
  const char* set_help =
      "Override a scenario value: PATH=VALUE, VALUE in YAML (e.g. actors.russia.budget=0, "
      "events[0].leave=[Hmeimim]); repeatable, applied in order after extends";
  auto* run_cmd = app.add_subcommand("run", "Run a scenario (default: the bundled Syria drawdown)");
  run_cmd->add_option("scenario", run.scenario, "Scenario YAML file");
  run_cmd->add_option("-o,--output", run.output, "HDF5 output file (default: <scenario name>.h5)");
  run_cmd->add_option("--seed", run.seed, "Random seed, 0 to 2^64-1 (overrides run.seed)")
      ->type_name("UINT64");
  run_cmd->add_option("--replicates", run.replicates, "Replicates (overrides run.replicates)")
      ->check(CLI::Range(1, 1000000));
  run_cmd->add_option("--threads", run.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_option("--steps", run.steps, "Steps to run (overrides run.steps)")
      ->check(CLI::Range(1, 100000));
  run_cmd
      ->add_option("--counterfactual", run.counterfactual_events,
                   "Also run each replicate without EVENT (--counterfactual=EVENT: an event's "
                   "index in the scenario, or its `name`) on the same random keys and record the "
                   "paired effect; repeatable; bare: without every drawdown event")
      ->type_size(0, 1)
      ->expected(0, CLI::detail::expected_max_vector_size)
      ->allow_extra_args(false)
      ->type_name("[=EVENT]");
  run_cmd->add_flag("--force", run.force, "Replace an existing output file");
  run_cmd->add_flag("-q,--quiet", run.quiet, "Print nothing but errors");
  run_cmd->add_flag("--no-output", run.no_output, "Write no HDF5 file (summary only)");
  run_cmd->add_option("--set", run.sets, set_help)
      ->allow_extra_args(false)
      ->type_name("PATH=VALUE");
  run_cmd->add_option("--checkpoint", run.checkpoint,
                      "Checkpoint file: written when SIGTERM, SIGUSR1 or SIGINT stops the run "
                      "(exit 75), and periodically with --checkpoint-every");
  run_cmd
      ->add_option("--checkpoint-every", run.checkpoint_every,
                   "Snapshot running replicates every N steps into the checkpoint")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--resume", run.resume, "Continue an interrupted run from its checkpoint");
  run_cmd
      ->add_option(
          "--fields", run.fields,
          "Region x actor fields to record per step (default: control,support,power,forces)")
      ->delimiter(',')
      ->check(CLI::IsMember(ps::schema::field_names()));
  run_cmd->add_flag(
      "--summary-only", run.summary_only,
      "Record no region x actor fields: per-step metrics, final tables and events only");
  run_cmd
      ->add_option("--interval", run.interval, "Record every N steps (overrides outputs.interval)")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--deflate", run.deflate, "Deflate level of the output (0: none; default 1)")
      ->check(CLI::Range(0, 9));

  std::vector<std::string> inspect_files;
  auto* inspect_cmd =
      app.add_subcommand("inspect", "Describe output files: dimensions, provenance, final control");
  inspect_cmd->add_option("files", inspect_files, "HDF5 output files")->required();

  std::vector<std::string> validate_files;
  auto* validate_cmd =
      app.add_subcommand("validate", "Check scenario files and report every problem");
  validate_cmd->add_option("scenarios", validate_files, "Scenario YAML files")->required();
  std::vector<std::string> validate_sets;
  validate_cmd->add_option("--set", validate_sets, set_help)
      ->allow_extra_args(false)
      ->type_name("PATH=VALUE");

  ps::cli::SweepCli sweep_cli(app);

  auto* score_cmd = app.add_subcommand(
      "score",
      "Score a run against observations, next to baselines (python3 -m powershift score; "
      "docs/observations.md)");
  score_cmd->prefix_command();
  score_cmd->set_help_flag();
  auto* calibrate_cmd = app.add_subcommand(
      "calibrate",
      "Calibrate parameters by history matching (python3 -m powershift calibrate; "
      "docs/calibration.md)");
  calibrate_cmd->prefix_command();
  calibrate_cmd->set_help_flag();

  auto* schema_cmd = app.add_subcommand(
      "schema", "Print the JSON Schema (draft 2020-12) of the scenario language");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  run.seed_given = run_cmd->count("--seed") > 0;
  try {
    if (*run_cmd) {
      run.counterfactual = run_cmd->count("--counterfactual") > 0;
      return cmd_run(run, command_line(argc, argv));
    }
    if (*validate_cmd) return cmd_validate(validate_files, validate_sets);
    if (*schema_cmd) {
      std::cout << ps::scenario::language::json_schema();
      return kExitOk;
    }
    if (*inspect_cmd) return cmd_inspect(inspect_files);
    if (*score_cmd) return exec_python("score", score_cmd->remaining());
    if (*calibrate_cmd) return exec_python("calibrate", calibrate_cmd->remaining());
    if (sweep_cli.selected()) return sweep_cli.run(command_line(argc, argv));
  } catch (const ps::InputError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << "\n";
    return kExitBadInput;
  } catch (const ps::OutputError& e) {
    std::cerr << "powershift: error: " << e.what() << "\n";
    return kExitRuntime;
  } catch (const ps::SimulationError& e) {
    std::cerr << "powershift: error: " << e.what() << "\n";
    return kExitRuntime;
  } catch (const std::bad_alloc&) {
    // The OS cause of a run past its memory (ulimit -v, cgroup or machine): a runtime failure.
    std::cerr
        << "powershift: error: out of memory (the allocation failed: the process may use "
           "less memory than this needs; see ulimit -v, or run fewer replicates or threads)\n";
    return kExitRuntime;
  } catch (const std::system_error& e) {
    std::cerr << "powershift: error: " << e.what() << " (" << e.code().message() << ")\n";
    return kExitRuntime;
  } catch (const std::exception& e) {
    // TBB reports a thread the OS refused (ulimit -v or -u) as a runtime_error naming
    // pthread_create and the OS cause: a runtime failure, not a bug.
    const std::string what = e.what();
    if (what.find("pthread_create") != std::string::npos) {
      std::cerr << "powershift: error: cannot start a worker thread: " << what
                << " (see ulimit -v and -u, or run with fewer --threads)\n";
      return kExitRuntime;
    }
    std::cerr << "powershift: internal error: " << what << "\n";
    return kExitRuntime;
  }
  return kExitOk;
}
