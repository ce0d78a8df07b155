#include "sweep_cli.hpp"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli_common.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/target.hpp"
#include "powershift/sweep/design.hpp"
#include "powershift/sweep/runner.hpp"
#include "powershift/sweep/slurm.hpp"
#include "powershift/sweep/spec.hpp"
#ifdef POWERSHIFT_HAVE_MPI
#include "powershift/mpi/dispatch.hpp"
#endif

namespace powershift::cli {
namespace fs = std::filesystem;

struct SweepCli::Options {
  CLI::App* sweep = nullptr;
  CLI::App *expand = nullptr, *run = nullptr, *status = nullptr, *merge = nullptr, *slurm = nullptr;
  std::string spec;
  std::string dir;
  // expand
  std::string design_out;
  // run
  std::string shard;
  std::string member_list;
  bool json = false;
  long long shard_count = 0;
  long long shard_offset = -1;
  int threads = 0;
  bool mpi = false;
  bool quiet = false;
  int checkpoint_every = 0;
  // status
  long long status_shards = 0;
  // merge
  std::string merged;
  bool force = false;
  bool allow_missing = false;
  // slurm
  bool submit = false;
  std::string time = "01:00:00", partition, account;
  int max_running = 0, cpus_per_task = 1, signal_lead = 300;
  long long max_array_size = 1001;
  long long slurm_shards = 0;
};

namespace {

void add_spec(CLI::App* cmd,
              SweepCli::Options& o) {  // NOLINT: Options is private but complete here
  cmd->add_option("spec", o.spec, "Sweep spec (YAML)")->required();
}

struct Loaded {
  sweep::SweepSpec spec;
  std::vector<sweep::Member> members;
  std::string dir;
};

Loaded load(const SweepCli::Options& o, bool check_scenario) {
  Loaded l;
  l.spec = sweep::load_sweep_spec(o.spec);
  l.members = sweep::expand(l.spec);
  sweep::check_outputs(l.spec);
  if (check_scenario) sweep::check_against_scenario(l.spec);
  l.dir = o.dir.empty() ? l.spec.name : o.dir;
  return l;
}

// The shard this process runs: --shard i/N, else Slurm's array task id (+ offset) with
// --shard-count or SLURM_ARRAY_TASK_COUNT; everything when neither is given.
std::pair<long long, long long> resolve_shard(const SweepCli::Options& o, const Loaded& l) {
  auto bad = [](const std::string& what) { throw InputError(what); };
  auto parse = [&](const std::string& text, const std::string& what) -> long long {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0)
      bad(what + ": '" + text + "' is not an integer");
    return v;
  };
  long long index = -1, count = -1;
  std::string origin;
  if (!o.shard.empty()) {
    const auto slash = o.shard.find('/');
    if (slash == std::string::npos)
      bad("--shard " + o.shard + ": give it as INDEX/COUNT, e.g. --shard 3/16");
    index = parse(o.shard.substr(0, slash), "--shard " + o.shard);
    count = parse(o.shard.substr(slash + 1), "--shard " + o.shard);
    origin = "--shard " + o.shard;
  } else if (const char* task = std::getenv("SLURM_ARRAY_TASK_ID"); task && *task) {
    long long offset = o.shard_offset;
    if (offset < 0) {
      const char* env = std::getenv("POWERSHIFT_SHARD_OFFSET");
      offset = env && *env ? parse(env, "POWERSHIFT_SHARD_OFFSET") : 0;
    }
    index = parse(task, "SLURM_ARRAY_TASK_ID") + offset;
    if (o.shard_count > 0) {
      count = o.shard_count;
    } else if (const char* c = std::getenv("SLURM_ARRAY_TASK_COUNT"); c && *c) {
      count = parse(c, "SLURM_ARRAY_TASK_COUNT");
    } else {
      count = sweep::default_shards(l.spec, static_cast<long long>(l.members.size()));
    }
    origin = "SLURM_ARRAY_TASK_ID " + std::string(task) + " + offset " + std::to_string(offset) +
             " of " + std::to_string(count) + " shards";
  } else {
    return {0, 1};
  }
  if (count < 1) bad(origin + ": the shard count must be at least 1, got " + std::to_string(count));
  if (index < 0 || index >= count) {
    bad(origin + ": shard index " + std::to_string(index) +
        " is out of range: shards are numbered 0 to " + std::to_string(count - 1));
  }
  return {index, count};
}

// "0-3,7,9-12" to sorted member indices, each checked against the design.
std::vector<long long> parse_member_list(const std::string& text, long long count) {
  std::vector<long long> out;
  auto bad = [&](const std::string& why) { throw InputError("--members " + text + ": " + why); };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto comma = text.find(',', pos);
    const std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const auto dash = item.find('-', 1);
    auto number = [&](const std::string& s) {
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || errno != 0 || v < 0)
        bad("'" + s + "' is not a member index");
      if (v >= count)
        bad("member " + s + " is out of range: the design has members 0 to " +
            std::to_string(count - 1));
      return v;
    };
    const long long a = number(dash == std::string::npos ? item : item.substr(0, dash));
    const long long b = dash == std::string::npos ? a : number(item.substr(dash + 1));
    if (b < a) bad("'" + item + "' is an empty range");
    for (long long i = a; i <= b; ++i) out.push_back(i);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string self_path() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("powershift") : exe.string();
}

void write_text(const std::string& path, const std::string& text, bool executable) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw OutputError("cannot write " + path);
  }
  if (executable)
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
}

// Runs a command, returning its standard output; throws OutputError when it fails.
std::string capture(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw OutputError("cannot run: " + command);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  const int status = ::pclose(pipe);
  if (status != 0) throw OutputError("`" + command + "` failed: " + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int print_batch(const sweep::SweepSpec& spec, const sweep::BatchResult& r, const std::string& what,
                long long count, bool quiet) {
  if (!quiet || r.failed > 0 || r.stopped > 0) {
    std::fprintf(stderr, "powershift sweep %s: %s: %lld run, %lld already done, %lld failed",
                 spec.name.c_str(), what.c_str(), r.done, r.skipped, r.failed);
    if (r.stopped > 0) std::fprintf(stderr, ", %lld stopped (checkpointed)", r.stopped);
    std::fprintf(stderr, "\n");
    for (const auto& f : r.failures) std::fprintf(stderr, "  %s\n", f.c_str());
  }
  if (r.stopped > 0 || (g_stop.load() && r.done + r.skipped + r.failed < count))
    return kExitCheckpointed;
  return r.failed > 0 ? kExitRuntime : kExitOk;
}

int cmd_expand(const SweepCli::Options& o) {
  const auto l = load(o, true);
  const std::string csv = sweep::design_csv(l.spec, l.members);
  if (o.design_out.empty() || o.design_out == "-") {
    std::cout << csv;
  } else {
    io::Target target;  // the output-target policy of every file powershift writes
    target.path = o.design_out;
    target.force = o.force;
    target.inputs = {o.spec, l.spec.scenario};
    target.role = "design table";
    io::write_text(target, csv);
  }
  std::fprintf(stderr,
               "powershift sweep %s: %zu members (%s design, %zu parameters, %d replicates each)\n",
               l.spec.name.c_str(), l.members.size(), sweep::design_name(l.spec.design),
               l.spec.parameters.size(), l.spec.replicates);
  return kExitOk;
}

int cmd_run(const SweepCli::Options& o) {
#ifndef POWERSHIFT_HAVE_MPI
  if (o.mpi) {
    throw InputError(
        "--mpi: this powershift was built without MPI (install libopenmpi-dev and rebuild)");
  }
#endif
  // Everything that can be bad input is checked before MPI starts: every rank finds the same
  // problems and exits 2, and only the first says so. (After MPI_Init a rank that stops alone
  // would leave the others waiting.)
  std::vector<Diagnostic> bad_input;
  Loaded l;
  std::vector<long long> which;
  std::string what;
  try {
    l = load(o, true);
    if (!o.member_list.empty() && !o.shard.empty()) {
      throw InputError("--members and --shard: give one of them");
    }
    if (!o.member_list.empty()) {
      which = parse_member_list(o.member_list, static_cast<long long>(l.members.size()));
      what = "members " + sweep::index_ranges(which);
    } else {
      const auto shard = resolve_shard(o, l);
      const auto [first, last] =
          sweep::shard_range(shard.first, shard.second, static_cast<long long>(l.members.size()));
      for (long long i = first; i < last; ++i) which.push_back(i);
      what = "shard " + std::to_string(shard.first) + "/" + std::to_string(shard.second) +
             ", members " + (which.empty() ? std::string("(none)") : sweep::index_ranges(which));
    }
  } catch (const InputError& e) {
    if (!o.mpi) throw;
    bad_input = e.diagnostics();
  }
#ifdef POWERSHIFT_HAVE_MPI
  std::optional<sweep::mpi::Session> session;
  if (o.mpi) session.emplace(nullptr, nullptr);
  const bool root = !session || session->rank() == 0;
  if (session && session->any(!bad_input.empty())) {
    // Bad input: the first rank that found it says so (normally rank 0, as every rank reads
    // the same files), and only after the barrier does any rank exit, so that mpirun, which
    // ends the job at the first non-zero exit, cannot kill rank 0 before it has printed.
    const bool root_bad = session->any(root && !bad_input.empty());
    const bool speak = !bad_input.empty() && (root || !root_bad);
    if (speak) {
      for (const auto& d : bad_input) std::fprintf(stderr, "%s\n", d.format().c_str());
      std::fflush(stderr);
    }
    session->barrier();
    return kExitBadInput;
  }
#else
  const bool root = true;
#endif
  if (root) {
    try {
      sweep::prepare_dir(l.spec, l.members, l.dir);
    } catch (const std::exception& e) {
#ifdef POWERSHIFT_HAVE_MPI
      // The other ranks are about to wait for rank 0: say why, then end them all.
      if (session && session->size() > 1) {
        std::fprintf(stderr, "powershift: error: %s\n", e.what());
        session->abort(kExitRuntime);
      }
#endif
      throw;
    }
  }
  install_stop_handlers();
  sweep::MemberRunOptions options;
  options.dir = l.dir;
  options.stop = &g_stop;
  options.checkpoint_every = o.checkpoint_every;
  Progress progress(root && !o.quiet && isatty(STDERR_FILENO), "members");
  auto on_progress = [&](long long done, long long total) { progress.update(done, total); };
#ifdef POWERSHIFT_HAVE_MPI
  if (session) {
    // One thread per rank unless told otherwise: ranks already fill the cores.
    const int threads = o.threads > 0 ? o.threads : 1;
    std::error_code ec;
    fs::create_directories(fs::path(l.dir) / "members", ec);
    const auto r =
        sweep::mpi::run_members(*session, l.spec, l.members, which, options, threads, on_progress);
    if (!root) return kExitOk;
    if (!o.quiet)
      std::fprintf(stderr, "powershift sweep %s: %d MPI workers\n", l.spec.name.c_str(), r.workers);
    return print_batch(l.spec, r.totals, what, static_cast<long long>(which.size()), o.quiet);
  }
#endif
  const int threads = thread_count(o.threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  sweep::BatchResult r;
  arena.execute([&] { r = sweep::run_members(l.spec, l.members, which, options, on_progress); });
  return print_batch(l.spec, r, what, static_cast<long long>(which.size()), o.quiet);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_list(const std::vector<long long>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

struct ArrayScript {
  std::string path;
  long long shards = 0, offset = 0, tasks = 0;
  std::string throttle;  // "%M" or ""
};

// The array-K.sbatch files of DIR/slurm, as `sweep slurm` wrote them.
std::vector<ArrayScript> read_array_scripts(const std::string& dir) {
  std::vector<ArrayScript> out;
  std::error_code ec;
  for (int k = 0;; ++k) {
    const fs::path path = fs::path(dir) / "slurm" / ("array-" + std::to_string(k) + ".sbatch");
    if (!fs::exists(path, ec)) break;
    std::ifstream in(path);
    ArrayScript s;
    s.path = fs::absolute(path).lexically_normal().string();
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#SBATCH --array=0-", 0) == 0) {
        const std::string range = line.substr(18);
        s.tasks = std::strtoll(range.c_str(), nullptr, 10) + 1;
        if (const auto pct = range.find('%'); pct != std::string::npos)
          s.throttle = range.substr(pct);
      }
      if (const auto at = line.find(" --shard-count "); at != std::string::npos) {
        s.shards = std::strtoll(line.c_str() + at + 15, nullptr, 10);
      }
      if (const auto at = line.find(" --shard-offset "); at != std::string::npos) {
        s.offset = std::strtoll(line.c_str() + at + 16, nullptr, 10);
      }
    }
    if (s.shards > 0 && s.tasks > 0) out.push_back(s);
  }
  return out;
}

int cmd_status(const SweepCli::Options& o) {
  // Not load(): the design is not expanded, only the members whose files are there.
  Loaded l;
  l.spec = sweep::load_sweep_spec(o.spec);
  const long long total = sweep::member_count(l.spec);
  sweep::check_outputs(l.spec);
  l.dir = o.dir.empty() ? l.spec.name : o.dir;
  const auto st = sweep::sweep_status(l.spec, total, l.dir);
  if (o.json) {
    std::string failures = "{";
    for (const auto& [m, why] : st.failures)
      failures += (failures.size() > 1 ? "," : "") + json_string(std::to_string(m)) + ":" +
                  json_string(why);
    failures += "}";
    std::printf(
        "{\"sweep\": %s, \"dir\": %s, \"members\": %lld, \"members_per_task\": %d, \"done\": %s, "
        "\"failed\": %s, "
        "\"missing\": %s, \"failures\": %s}\n",
        json_string(l.spec.name).c_str(), json_string(l.dir).c_str(), total,
        l.spec.members_per_task, json_list(st.done).c_str(), json_list(st.failed).c_str(),
        json_list(st.missing).c_str(), failures.c_str());
    return st.failed.empty() && st.missing.empty() ? kExitOk : kExitRuntime;
  }
  std::printf("sweep %s: %lld members in %s\n", l.spec.name.c_str(), total, l.dir.c_str());
  std::printf("  done     %zu\n  failed   %zu\n  missing  %zu\n", st.done.size(), st.failed.size(),
              st.missing.size());
  for (const auto& [m, why] : st.failures)
    std::printf("  failed member %lld: %s\n", m, why.c_str());
  std::vector<long long> todo = st.missing;
  todo.insert(todo.end(), st.failed.begin(), st.failed.end());
  std::sort(todo.begin(), todo.end());
  if (todo.empty()) {
    std::printf("complete: merge with `powershift sweep merge %s --dir %s`\n", o.spec.c_str(),
                l.dir.c_str());
    return kExitOk;
  }
  std::printf("not done: members %s\n", sweep::index_ranges(todo).c_str());
  // The array scripts `sweep slurm` wrote, if any: their shard count and offsets map the
  // missing members to the tasks to resubmit, script by script.
  const auto scripts = read_array_scripts(l.dir);
  long long shards = o.status_shards > 0 ? o.status_shards : sweep::default_shards(l.spec, total);
  if (o.status_shards <= 0 && !scripts.empty()) shards = scripts.front().shards;
  std::vector<long long> tasks;
  for (long long m : todo) {
    const long long t = sweep::shard_of(m, shards, total);
    if (tasks.empty() || tasks.back() != t) tasks.push_back(t);
  }
  std::printf("rerun: --array=%s   (tasks of %lld)\n", sweep::index_ranges(tasks).c_str(), shards);
  bool mapped = false;
  for (const auto& script : scripts) {
    if (script.shards != shards) continue;
    std::vector<long long> local;
    for (long long t : tasks) {
      if (t >= script.offset && t < script.offset + script.tasks)
        local.push_back(t - script.offset);
    }
    if (local.empty()) continue;
    std::printf("  sbatch --array=%s%s %s\n", sweep::index_ranges(local).c_str(),
                script.throttle.c_str(), script.path.c_str());
    mapped = true;
  }
  if (!mapped && scripts.empty()) {
    std::printf(
        "  (no array scripts in %s/slurm: write them with `powershift sweep slurm %s --dir %s`)\n",
        l.dir.c_str(), o.spec.c_str(), l.dir.c_str());
  } else if (!mapped) {
    std::printf(
        "  (the array scripts in %s/slurm are for %lld tasks, not %lld: rewrite them with "
        "`powershift sweep slurm %s --dir %s --tasks %lld`, or leave out --shards)\n",
        l.dir.c_str(), scripts.front().shards, shards, o.spec.c_str(), l.dir.c_str(), shards);
  }
  return kExitRuntime;
}

int cmd_merge(const SweepCli::Options& o, const std::string& command_line) {
  const auto l = load(o, false);
  sweep::MergeOptions mo;
  mo.output = o.merged;
  mo.force = o.force;
  mo.allow_missing = o.allow_missing;
  mo.command_line = command_line;
  const auto path = sweep::merge(l.spec, l.members, l.dir, mo);
  std::printf("merged sweep %s into %s\n", l.spec.name.c_str(), path.c_str());
  return kExitOk;
}

int cmd_slurm(const SweepCli::Options& o) {
  const auto l = load(o, true);
  sweep::prepare_dir(l.spec, l.members, l.dir);
  sweep::SlurmOptions so;
  so.program = self_path();
  so.spec_path = fs::absolute(o.spec).lexically_normal().string();
  so.dir = fs::absolute(l.dir).lexically_normal().string();
  so.shards = o.slurm_shards > 0
                  ? o.slurm_shards
                  : sweep::default_shards(l.spec, static_cast<long long>(l.members.size()));
  so.max_running = o.max_running;
  so.max_array_size = o.max_array_size;
  so.cpus_per_task = o.cpus_per_task;
  so.time = o.time;
  so.signal_lead = o.signal_lead;
  so.partition = o.partition;
  so.account = o.account;
  const auto scripts = sweep::slurm_scripts(l.spec, so);
  std::error_code ec;
  fs::create_directories(fs::path(so.dir) / "slurm", ec);
  fs::create_directories(fs::path(so.dir) / "logs", ec);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < scripts.arrays.size(); ++i) {
    paths.push_back(
        (fs::path(so.dir) / "slurm" / ("array-" + std::to_string(i) + ".sbatch")).string());
    write_text(paths.back(), scripts.arrays[i], true);
  }
  const std::string merge_path = (fs::path(so.dir) / "slurm" / "merge.sbatch").string();
  write_text(merge_path, scripts.merge, true);
  std::printf("sweep %s: %zu members in %lld array tasks\n", l.spec.name.c_str(), l.members.size(),
              so.shards);
  for (std::size_t i = 0; i < paths.size(); ++i)
    std::printf("  wrote %s (--array=%s)\n", paths[i].c_str(), scripts.array_ranges[i].c_str());
  std::printf("  wrote %s\n", merge_path.c_str());
  if (!o.submit) {
    // Quoted for a POSIX shell, so the line can be pasted whatever the paths contain.
    std::printf("submit with: powershift sweep slurm %s --dir %s --submit\n",
                sweep::shell_quote(o.spec).c_str(), sweep::shell_quote(l.dir).c_str());
    return kExitOk;
  }
  std::string ids;
  for (const auto& p : paths) {
    const std::string id = capture("sbatch --parsable " + sweep::shell_quote(p));
    const std::string job = id.substr(0, id.find(';'));
    std::printf("submitted %s as job %s\n", p.c_str(), job.c_str());
    ids += ":" + job;
  }
  const std::string merge_id = capture("sbatch --parsable --dependency=afterok" + ids + " " +
                                       sweep::shell_quote(merge_path));
  std::printf("submitted %s as job %s (after%s)\n", merge_path.c_str(),
              merge_id.substr(0, merge_id.find(';')).c_str(), ("ok" + ids).c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

SweepCli::SweepCli(CLI::App& app) : o_(std::make_unique<Options>()) {
  auto& o = *o_;
  o.sweep = app.add_subcommand(
      "sweep", "Parameter sweeps: expand, run (locally, a shard, under MPI), status, merge, slurm");
  o.sweep->require_subcommand(1);
  const char* dir_help =
      "Sweep directory: member files, design table, scripts (default: ./<sweep name>)";

  o.expand = o.sweep->add_subcommand(
      "expand",
      "Check a sweep spec and write its design table (member, seed, parameter values) as CSV");
  add_spec(o.expand, o);
  o.expand->add_option("-o,--output", o.design_out, "CSV file (default: standard output)");
  o.expand->add_flag("--force", o.force, "Replace an existing CSV file");

  o.run = o.sweep->add_subcommand(
      "run", "Run the sweep's members (or one shard of them); finished members are skipped");
  add_spec(o.run, o);
  o.run->add_option("--dir", o.dir, dir_help);
  o.run
      ->add_option(
          "--shard", o.shard,
          "Run shard INDEX/COUNT of the members (default: from SLURM_ARRAY_TASK_ID, else all)")
      ->type_name("INDEX/COUNT");
  o.run
      ->add_option("--members", o.member_list,
                   "Run these members only, e.g. 0-3,7 (instead of a shard)")
      ->type_name("LIST");
  o.run
      ->add_option("--shard-count", o.shard_count,
                   "Shards in all, with SLURM_ARRAY_TASK_ID (default: SLURM_ARRAY_TASK_COUNT)")
      ->check(CLI::Range(1LL, 100000000LL));
  o.run
      ->add_option("--shard-offset", o.shard_offset,
                   "Added to SLURM_ARRAY_TASK_ID (sites that cap array sizes; default: "
                   "$POWERSHIFT_SHARD_OFFSET or 0)")
      ->check(CLI::Range(0LL, 100000000LL));
  o.run
      ->add_option("--threads", o.threads,
                   "Worker threads (default: all cores; 1 per rank with --mpi)")
      ->check(CLI::Range(1, 4096));
  o.run->add_flag("--mpi", o.mpi, "Under mpirun: rank 0 hands out members, every rank runs them");
  o.run->add_flag("-q,--quiet", o.quiet, "Print nothing but errors");
  o.run
      ->add_option("--checkpoint-every", o.checkpoint_every,
                   "Snapshot running members every N steps")
      ->check(CLI::Range(1, 100000));

  o.status = o.sweep->add_subcommand(
      "status", "Report done, failed and missing members (exit 0 when all are done, 1 otherwise)");
  add_spec(o.status, o);
  o.status->add_option("--dir", o.dir, dir_help);
  o.status
      ->add_option(
          "--shards", o.status_shards,
          "Array tasks the missing members are mapped to (default: members / members_per_task)")
      ->check(CLI::Range(1LL, 100000000LL));
  o.status->add_flag("--json", o.json,
                     "Print the state as JSON (done, failed, missing member lists)");

  o.merge =
      o.sweep->add_subcommand("merge", "Merge the members into one file with a member dimension");
  add_spec(o.merge, o);
  o.merge->add_option("--dir", o.dir, dir_help);
  o.merge->add_option("-o,--output", o.merged, "Merged file (default: DIR/<sweep name>.h5)");
  o.merge->add_flag("--force", o.force, "Replace an existing merged file");
  o.merge->add_flag(
      "--allow-missing", o.allow_missing,
      "Merge the members that are done; the file's missing_members attribute names the rest");

  o.slurm = o.sweep->add_subcommand(
      "slurm",
      "Write a Slurm job-array script and a merge job for the sweep; --submit submits them");
  add_spec(o.slurm, o);
  o.slurm->add_option("--dir", o.dir, dir_help);
  o.slurm->add_flag("--submit", o.submit,
                    "Submit with sbatch (the merge job runs after every task succeeded)");
  o.slurm
      ->add_option("--tasks", o.slurm_shards, "Array tasks (default: members / members_per_task)")
      ->check(CLI::Range(1LL, 100000000LL));
  o.slurm
      ->add_option("--max-running", o.max_running,
                   "Tasks running at once (--array=...%M; default: no limit)")
      ->check(CLI::Range(1, 1000000));
  o.slurm
      ->add_option("--max-array-size", o.max_array_size,
                   "Split into arrays of at most this many tasks (the site's MaxArraySize)")
      ->check(CLI::Range(1LL, 100000000LL));
  o.slurm->add_option("--cpus-per-task", o.cpus_per_task, "CPUs per task (its threads)")
      ->check(CLI::Range(1, 4096));
  o.slurm->add_option("--time", o.time, "Time limit per task (sbatch --time)");
  o.slurm
      ->add_option("--signal-lead", o.signal_lead,
                   "Seconds before the limit at which members checkpoint (SIGUSR1)")
      ->check(CLI::Range(1, 86400));
  o.slurm->add_option("--partition", o.partition, "Partition (default: the cluster's default)");
  o.slurm->add_option("--account", o.account, "Account to charge");
}

SweepCli::~SweepCli() = default;

bool SweepCli::selected() const {
  return o_->sweep->parsed();
}

int SweepCli::run(const std::string& command_line) {
  const auto& o = *o_;
  if (o.expand->parsed()) return cmd_expand(o);
  if (o.run->parsed()) return cmd_run(o);
  if (o.status->parsed()) return cmd_status(o);
  if (o.merge->parsed()) return cmd_merge(o, command_line);
  if (o.slurm->parsed()) return cmd_slurm(o);
  return kExitBadInput;
}

}  // namespace powershift::cli
