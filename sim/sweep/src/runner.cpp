#include "powershift/sweep/runner.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "powershift/engine/schema.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/hdf5_writer.hpp"
#include "powershift/output/sweep_merge.hpp"
#include "powershift/output/target.hpp"
#include "powershift/sweep/run_job.hpp"
#include "powershift/sweep/slurm.hpp"

namespace powershift::sweep {
namespace fs = std::filesystem;

namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  return schema::fnv1a64(s, h) ^ 0xffULL;  // a separator: ("ab", "c") and ("a", "bc") differ
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// Writes `text` to `path` atomically (a temporary name in the same directory, then rename).
void write_atomically(const std::string& path, const std::string& text) {
  io::Target target;
  target.path = path;
  target.force = true;  // the sweep's own bookkeeping files, replaced as members finish
  target.role = "sweep file";
  io::write_text(target, text);
}

// key: value lines of a marker file.
std::map<std::string, std::string> read_marker(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return out;
}

bool is_done(const SweepDir& dir, const MemberKeys& keys, const Member& m) {
  std::error_code ec;
  if (!fs::exists(dir.marker(m.index), ec)) return false;
  const auto marker = read_marker(dir.marker(m.index));
  const auto it = marker.find("key");
  if (it == marker.end() || it->second != keys.key(m)) return false;
  const auto size = fs::file_size(dir.file(m.index), ec);
  if (ec) return false;
  const auto bytes = marker.find("bytes");
  return bytes != marker.end() && bytes->second == std::to_string(size);
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace

SweepDir::SweepDir(std::string dir, long long member_count) : dir_(std::move(dir)), width_(6) {
  for (long long n = 1000000; n < member_count; n *= 10) ++width_;
}
std::string SweepDir::members_dir() const {
  return (fs::path(dir_) / "members").string();
}
std::string SweepDir::stem(long long member) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "member-%0*lld", width_, member);
  return buf;
}
std::string SweepDir::file(long long member) const {
  return (fs::path(members_dir()) / (stem(member) + ".h5")).string();
}
std::string SweepDir::marker(long long member) const {
  return (fs::path(members_dir()) / (stem(member) + ".done")).string();
}
std::string SweepDir::failure(long long member) const {
  return (fs::path(members_dir()) / (stem(member) + ".failed")).string();
}
std::string SweepDir::checkpoint(long long member) const {
  return (fs::path(members_dir()) / (stem(member) + ".ckpt")).string();
}

MemberKeys::MemberKeys(const SweepSpec& spec) : spec_(spec), base_(0xcbf29ce484222325ULL) {
  // The base scenario as composed (its `extends` chain resolved), so that editing a file it
  // extends also makes finished members stale; the raw text when it does not load.
  std::string base_text;
  try {
    base_text = scenario::load_file(spec.scenario).spec.source_text;
  } catch (const InputError&) {
    base_text = read_file(spec.scenario);
  }
  base_ = fnv1a(base_, base_text);
  base_ = fnv1a(base_, schema::version());
  for (const auto& o : spec.fixed) base_ = fnv1a(fnv1a(base_, o.path), o.value);
  base_ = fnv1a(base_, std::to_string(spec.replicates) + "/" + std::to_string(spec.steps) + "/" +
                           std::to_string(spec.interval) + "/" + std::to_string(spec.deflate));
  for (const auto& f : spec.fields) base_ = fnv1a(base_, f);
}

std::string MemberKeys::key(const Member& m) const {
  std::uint64_t h = fnv1a(base_, std::to_string(m.seed));
  for (const auto& o : member_overrides(spec_, m)) h = fnv1a(fnv1a(h, o.path), o.value);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string equivalent_command(const SweepSpec& spec, const Member& m, const std::string& output) {
  std::string cmd = "powershift run " + shell_quote(spec.scenario) + " --seed " +
                    std::to_string(m.seed) + " --replicates " + std::to_string(spec.replicates);
  if (spec.steps > 0) cmd += " --steps " + std::to_string(spec.steps);
  cmd += " --interval " + std::to_string(spec.interval);
  if (spec.fields.empty()) {
    cmd += " --summary-only";
  } else {
    std::string f;
    for (const auto& x : spec.fields) f += (f.empty() ? "" : ",") + x;
    cmd += " --fields " + f;
  }
  cmd += " --deflate " + std::to_string(spec.deflate);
  for (const auto& o : member_overrides(spec, m))
    cmd += " --set " + shell_quote(o.path + "=" + o.value);
  cmd += " -o " + shell_quote(output);
  return cmd;
}

MemberOutcome run_member(const SweepSpec& spec, const MemberKeys& keys, const SweepDir& dir,
                         const Member& m, const MemberRunOptions& options, std::string* message) {
  if (is_done(dir, keys, m)) return MemberOutcome::Skipped;
  std::error_code ec;
  fs::remove(dir.marker(m.index), ec);
  // Partial files a killed run left behind (their names end in the pid that wrote them).
  const std::string partial_prefix = "." + dir.stem(m.index) + ".h5.partial.";
  for (const auto& entry : fs::directory_iterator(dir.members_dir(), ec)) {
    if (entry.path().filename().string().rfind(partial_prefix, 0) == 0)
      fs::remove(entry.path(), ec);
  }
  try {
    RunSettings settings;
    settings.seed = m.seed;
    settings.replicates = spec.replicates;
    settings.steps = spec.steps;
    settings.interval = spec.interval;
    auto loaded = load_for_run(spec.scenario, member_overrides(spec, m), settings);
    auto world = std::make_shared<const World>(loaded.spec);
    RunJob job;
    job.output.path = dir.file(m.index);
    job.output.force = true;
    job.output.deflate_level = spec.deflate;
    job.output.fields = spec.fields;
    job.output.command_line = equivalent_command(spec, m, dir.file(m.index));
    job.stop = options.stop;
    job.inputs = loaded.files;
    job.output.inputs = {spec.file};
    job.checkpoint = dir.checkpoint(m.index);
    job.checkpoint_every = options.checkpoint_every;
    if (fs::exists(job.checkpoint, ec)) job.resume = job.checkpoint;
    RunOutcome outcome;
    try {
      outcome = run_job(world, job);
    } catch (const std::exception&) {
      if (job.resume.empty()) throw;
      // A checkpoint that does not fit this member (written for another spec, or damaged) is
      // discarded: the member is recomputed from the start, which gives the same result.
      fs::remove(job.checkpoint, ec);
      job.resume.clear();
      outcome = run_job(world, job);
    }
    if (!outcome.complete) return MemberOutcome::Stopped;
    const auto bytes = fs::file_size(dir.file(m.index));
    write_atomically(dir.marker(m.index),
                     "member: " + std::to_string(m.index) + "\nseed: " + std::to_string(m.seed) +
                         "\nkey: " + keys.key(m) + "\nfile: " + dir.stem(m.index) +
                         ".h5\nbytes: " + std::to_string(bytes) + "\n");
    fs::remove(dir.failure(m.index), ec);
    return MemberOutcome::Done;
  } catch (const InputError& e) {
    std::string text;
    for (const auto& d : e.diagnostics()) text += d.format() + "\n";
    if (text.empty()) text = std::string(e.what()) + "\n";
    if (message) *message = first_line(text);
    write_atomically(dir.failure(m.index), text);
  } catch (const std::exception& e) {
    if (message) *message = e.what();
    write_atomically(dir.failure(m.index), std::string(e.what()) + "\n");
  }
  return MemberOutcome::Failed;
}

void prepare_dir(const SweepSpec& spec, const std::vector<Member>& members,
                 const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "members", ec);
  if (ec) throw OutputError("cannot create the sweep directory " + dir + ": " + ec.message());
  const std::string csv = design_csv(spec, members);
  const std::string path = (fs::path(dir) / "design.csv").string();
  if (read_file(path) != csv) write_atomically(path, csv);
}

SweepStatus sweep_status(const SweepSpec& spec, const std::vector<Member>& members,
                         const std::string& dir) {
  const MemberKeys keys(spec);
  const SweepDir sd(dir, static_cast<long long>(members.size()));
  SweepStatus st;
  std::error_code ec;
  for (const auto& m : members) {
    if (is_done(sd, keys, m)) {
      st.done.push_back(m.index);
    } else if (fs::exists(sd.failure(m.index), ec)) {
      st.failed.push_back(m.index);
      st.failures[m.index] = first_line(read_file(sd.failure(m.index)));
    } else {
      st.missing.push_back(m.index);
    }
  }
  return st;
}

SweepStatus sweep_status(const SweepSpec& spec, long long member_count, const std::string& dir) {
  const SweepDir sd(dir, member_count);
  // One listing of DIR/members: the work is in the files there, not in the number of members
  // the design states (a 10,000,000-member spec with nothing run is answered at once).
  std::vector<long long> marked, failed;
  std::error_code ec;
  const std::string prefix = "member-";
  for (fs::directory_iterator it(sd.members_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto dot = name.rfind('.');
    if (name.rfind(prefix, 0) != 0 || dot == std::string::npos) continue;
    const std::string digits = name.substr(prefix.size(), dot - prefix.size());
    const std::string suffix = name.substr(dot);
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const long long index = std::stoll(digits);
    if (index >= member_count || sd.stem(index) != name.substr(0, dot)) continue;
    if (suffix == ".done") marked.push_back(index);
    if (suffix == ".failed") failed.push_back(index);
  }
  std::vector<std::uint8_t> state(static_cast<std::size_t>(member_count), 0);  // 1 done, 2 failed
  if (!marked.empty()) {
    const MemberKeys keys(spec);
    for (const auto& m : expand_selected(spec, marked)) {
      if (is_done(sd, keys, m)) state[static_cast<std::size_t>(m.index)] = 1;
    }
  } else {
    expand_selected(spec, {});  // the design's own checks, as expand() makes them
  }
  SweepStatus st;
  for (long long m : failed) {
    if (state[static_cast<std::size_t>(m)] == 1) continue;
    state[static_cast<std::size_t>(m)] = 2;
    st.failures[m] = first_line(read_file(sd.failure(m)));
  }
  for (long long m = 0; m < member_count; ++m) {
    const auto s = state[static_cast<std::size_t>(m)];
    (s == 1 ? st.done : s == 2 ? st.failed : st.missing).push_back(m);
  }
  return st;
}

std::pair<long long, long long> shard_range(long long shard, long long shards, long long members) {
  const long long per = (members + shards - 1) / shards;
  const long long first = std::min(members, shard * per);
  return {first, std::min(members, first + per)};
}

long long shard_of(long long member, long long shards, long long members) {
  const long long per = (members + shards - 1) / shards;
  return member / std::max(1LL, per);
}

long long default_shards(const SweepSpec& spec, long long members) {
  return std::max(1LL, (members + spec.members_per_task - 1) / spec.members_per_task);
}

std::string index_ranges(const std::vector<long long>& sorted) {
  std::string out;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(sorted[i]);
    if (j > i) out += "-" + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

namespace {
// The overrides parameter p makes with its value number `level` (a list) or value text.
std::vector<scenario::Override> parameter_overrides(const Parameter& p, int level,
                                                    const std::string& value,
                                                    const std::string& label) {
  if (!p.value_sets.empty()) {
    auto set = p.value_sets[static_cast<std::size_t>(level)];
    for (auto& o : set)
      o.label = label.empty() ? std::string() : label + " = {" + o.path + ": " + o.value + "}";
    return set;
  }
  scenario::Override o;
  o.path = p.path;
  o.value = value;
  o.label = label.empty() ? std::string() : label + " = " + value;
  return {o};
}

}  // namespace

void check_against_scenario(const SweepSpec& spec) {
  // The scenario with the spec's `set:` alone must load; then each parameter is tried alone on
  // top of it, with every listed value (up to 64) or the 0.1%, 50% and 99.9% quantiles of its
  // distribution, so that a problem is put down to the parameter that causes it. (Combinations
  // are not tried: a member that fails on one is reported by `sweep status`.)
  try {
    (void)scenario::load_file(spec.scenario, {}, spec.fixed);
  } catch (const InputError& e) {
    throw InputError(e.diagnostics());
  }
  std::vector<Diagnostic> errors;
  for (const auto& p : spec.parameters) {
    std::vector<std::pair<int, std::string>> tries;
    if (p.kind == ValueKind::List) {
      for (std::size_t k = 0; k < p.values.size() && k < 64; ++k)
        tries.emplace_back(static_cast<int>(k), p.values[k]);
    } else {
      for (double u : {0.001, 0.5, 0.999}) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", quantile(p, u));
        tries.emplace_back(0, buf);
      }
    }
    const std::string label = spec.file + ":" + std::to_string(p.line) + ":" +
                              std::to_string(p.column) + ": parameters." + p.name;
    std::set<std::string> seen;
    for (const auto& [level, value] : tries) {
      std::vector<scenario::Override> overrides = spec.fixed;
      const auto set = parameter_overrides(p, level, value, label);
      overrides.insert(overrides.end(), set.begin(), set.end());
      try {
        (void)scenario::load_file(spec.scenario, {}, overrides);
      } catch (const InputError& e) {
        for (auto d : e.diagnostics()) {
          if (!seen.insert(d.path + d.message).second) continue;
          if (d.file.rfind(label, 0) != 0) {
            // Found in the scenario, not at the override: say which value led there.
            d.message += " (with parameter '" + p.name + "' = " + value + ")";
          }
          errors.push_back(std::move(d));
        }
      }
    }
  }
  if (!errors.empty()) throw InputError(errors);
}

}  // namespace powershift::sweep

namespace powershift::sweep {

void BatchResult::add(MemberOutcome outcome, long long member, const std::string& message) {
  switch (outcome) {
    case MemberOutcome::Done:
      ++done;
      break;
    case MemberOutcome::Skipped:
      ++skipped;
      break;
    case MemberOutcome::Failed:
      ++failed;
      failures.push_back("member " + std::to_string(member) + ": " + message);
      break;
    case MemberOutcome::Stopped:
      ++stopped;
      break;
  }
}

void check_outputs(const SweepSpec& spec) {
  std::vector<Diagnostic> errors;
  const auto& known = schema::mergeable_variables();
  const auto& fields = schema::field_names();
  for (std::size_t i = 0; i < spec.outputs.size(); ++i) {
    const auto& o = spec.outputs[i];
    Diagnostic d;
    d.file = spec.file;
    d.line = o.line;
    d.column = o.column;
    d.path = "outputs[" + std::to_string(i) + "]";
    if (std::find(known.begin(), known.end(), o.text) == known.end()) {
      d.message = "unknown output variable '" + o.text + "'; variables: ";
      for (std::size_t k = 0; k < known.size(); ++k) d.message += (k ? ", " : "") + known[k];
      errors.push_back(d);
    } else if (std::find(fields.begin(), fields.end(), o.text) != fields.end() &&
               std::find(spec.fields.begin(), spec.fields.end(), o.text) == spec.fields.end()) {
      d.message = "'" + o.text + "' is a field the members do not record; add it to record.fields";
      errors.push_back(d);
    }
  }
  if (!errors.empty()) throw InputError(errors);
}

BatchResult run_members(const SweepSpec& spec, const std::vector<Member>& members,
                        const std::vector<long long>& which, const MemberRunOptions& options,
                        const std::function<void(long long, long long)>& progress) {
  const MemberKeys keys(spec);
  const SweepDir dir(options.dir, static_cast<long long>(members.size()));
  BatchResult result;
  std::mutex mutex;
  long long finished = 0;
  const auto total = static_cast<long long>(which.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, which.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t k = r.begin(); k != r.end(); ++k) {
                        if (options.stop != nullptr && options.stop->load()) return;
                        const long long i = which[k];
                        std::string message;
                        const auto outcome =
                            run_member(spec, keys, dir, members[static_cast<std::size_t>(i)],
                                       options, &message);
                        const std::lock_guard<std::mutex> lock(mutex);
                        result.add(outcome, i, message);
                        ++finished;
                        if (progress) progress(finished, total);
                      }
                    });
  std::sort(result.failures.begin(), result.failures.end());
  return result;
}

namespace {
// How a parameter's values are drawn, for the merged file: "values", "uniform 0.1 1", ...
std::string distribution_text(const Parameter& p) {
  std::string out;
  switch (p.kind) {
    case ValueKind::List:
      return p.labelled ? "values (labelled)" : "values";
    case ValueKind::Uniform:
      out = "uniform " + format_number(p.a) + " " + format_number(p.b);
      break;
    case ValueKind::LogUniform:
      out = "loguniform " + format_number(p.a) + " " + format_number(p.b);
      break;
    case ValueKind::Normal:
      out = "normal " + format_number(p.a) + " " + format_number(p.b);
      break;
    case ValueKind::Triangular:
      out =
          "triangular " + format_number(p.a) + " " + format_number(p.c) + " " + format_number(p.b);
      break;
  }
  return out + (p.integer ? " integer" : "");
}
}  // namespace

std::string merge(const SweepSpec& spec, const std::vector<Member>& members, const std::string& dir,
                  const MergeOptions& options) {
  const auto status = sweep_status(spec, members, dir);
  std::vector<long long> absent = status.missing;
  absent.insert(absent.end(), status.failed.begin(), status.failed.end());
  std::sort(absent.begin(), absent.end());
  if (status.done.empty()) {
    throw InputError(dir + ": no member of sweep '" + spec.name +
                     "' is done; nothing to merge (run `powershift sweep run` first)");
  }
  if (!absent.empty() && !options.allow_missing) {
    std::string text =
        dir + ": cannot merge sweep '" + spec.name + "': " + std::to_string(absent.size()) +
        " of " + std::to_string(members.size()) + " members are not done: " + index_ranges(absent);
    if (!status.failed.empty()) text += " (failed: " + index_ranges(status.failed) + ")";
    text += "; run them (`powershift sweep status` lists them) or merge with --allow-missing";
    throw InputError(text);
  }
  io::MergeInput in;
  in.output =
      options.output.empty() ? (fs::path(dir) / (spec.name + ".h5")).string() : options.output;
  in.force = options.force;
  in.inputs = {spec.file, spec.scenario};
  in.command_line = options.command_line;
  in.sweep_name = spec.name;
  in.sweep_spec_text = spec.source_text;
  in.design = design_name(spec.design);
  in.design_members = static_cast<long long>(members.size());
  in.samples = spec.samples;
  in.second_order = spec.second_order;
  in.levels = spec.design == DesignType::Morris ? spec.levels : 0;
  in.missing = absent;
  in.deflate_level = spec.deflate;
  for (const auto& o : spec.outputs) in.variables.push_back(o.text);
  for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
    io::MergeParameter mp;
    mp.name = spec.parameters[p].name;
    mp.path = spec.parameters[p].path;
    if (mp.path.empty()) {
      std::set<std::string> paths;
      for (const auto& set : spec.parameters[p].value_sets) {
        for (const auto& o : set) paths.insert(o.path);
      }
      for (const auto& x : paths) mp.path += (mp.path.empty() ? "" : " ") + x;
    }
    mp.distribution = distribution_text(spec.parameters[p]);
    mp.numeric = !spec.parameters[p].labelled;
    for (const auto& m : members) mp.numeric = mp.numeric && !std::isnan(m.numbers[p]);
    in.parameters.push_back(mp);
  }
  const SweepDir sd(dir, static_cast<long long>(members.size()));
  for (long long i : status.done) {
    const auto& m = members[static_cast<std::size_t>(i)];
    io::MergeMember mm;
    mm.index = m.index;
    mm.file = sd.file(m.index);
    mm.seed = m.seed;
    mm.command_line = equivalent_command(spec, m, mm.file);
    mm.numbers = m.numbers;
    mm.unit = m.unit;
    for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
      const auto& par = spec.parameters[p];
      mm.labels.push_back(m.levels[p] >= 0 ? par.labels[static_cast<std::size_t>(m.levels[p])]
                                           : m.values[p]);
    }
    in.members.push_back(std::move(mm));
  }
  io::merge_sweep(in);
  return in.output;
}

}  // namespace powershift::sweep
