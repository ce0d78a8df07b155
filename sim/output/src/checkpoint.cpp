// Checkpoint files (docs/output-format.md §Checkpoints), HDF5: provenance attributes, the
// finished replicates' final values, and each running replicate's State and trajectory.
#include "powershift/output/checkpoint.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

#include "h5util.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/engine/simulation.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/hdf5_writer.hpp"
#include "powershift/output/target.hpp"

namespace powershift::io {

namespace fs = std::filesystem;
using namespace h5;  // NOLINT(google-build-using-namespace): this file is all HDF5 plumbing

namespace {

// 2: trajectory datasets named as the output schema names them; 3: the counterfactual events.
constexpr const char* kFormat = "powershift-checkpoint-3";

void write_state(hid_t g, const State& s) {
  numeric_attribute<std::int32_t>(g, "step", s.step);
  numeric_attribute<std::int32_t>(g, "coalitions", s.coalitions);
  const auto& u = s.units;
  write(g, "unit_actor", u.actor);
  write(g, "unit_type", u.type);
  write(g, "unit_region", u.region);
  write(g, "unit_strength", u.strength);
  write(g, "unit_morale", u.morale);
  write(g, "unit_eta", u.eta);
  write(g, "unit_hop", u.hop);
  write(g, "unit_dest", u.dest);
  write(g, "unit_from", u.from);
  std::vector<std::uint8_t> order(u.order.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint8_t>(u.order[i]);
  write(g, "unit_order", order);
  write(g, "unit_withdraw_event", u.withdraw_event);
  write(g, "unit_arrived_at", u.arrived_at);
  write(g, "unit_alive", u.alive);
  write(g, "control", s.control);
  write(g, "support", s.support);
  write(g, "target", s.target);
  write(g, "recruit_pool", s.recruit_pool);
  write(g, "control_target", s.control_target);
  write(g, "relations", s.relations);
  write(g, "coalition", s.coalition);
  write(g, "fights", s.fights);
  const std::pair<const char*, const std::vector<double>*> vectors[] = {
      {"budget", &s.budget},
      {"budget0", &s.budget0},
      {"upkeep0", &s.upkeep0},
      {"territory_rate", &s.territory_rate},
      {"external_income", &s.external_income},
      {"sponsor_in", &s.sponsor_in},
      {"sponsor_out", &s.sponsor_out},
      {"income_factor", &s.income_factor},
      {"casualties", &s.casualties},
      {"withdrawn", &s.withdrawn},
      {"demobilised", &s.demobilised},
      {"recruited", &s.recruited},
      {"disbanded", &s.disbanded},
      {"spent_elsewhere", &s.spent_elsewhere},
      {"initial_strength", &s.initial_strength},
      {"vacuum_days", &s.vacuum_days}};
  for (const auto& [name, v] : vectors) write(g, name, *v);
  write(g, "controller", s.controller);
  write(g, "collapsed", s.collapsed);
  std::vector<std::uint8_t> started;
  std::vector<double> base, out;
  for (const auto& d : s.drawdowns) {
    started.push_back(d.started ? 1 : 0);
    base.push_back(d.base_strength);
    out.push_back(d.withdrawn);
  }
  write(g, "drawdown_started", started);
  write(g, "drawdown_base", base);
  write(g, "drawdown_withdrawn", out);
  const auto& m = s.move_stats;
  const std::vector<std::int64_t> stats = {m.moves,        m.moves_after_30, m.reversals_within_3,
                                           m.reversals,    m.breaks_retreat, m.breaks_disband,
                                           m.breaks_defect};
  write(g, "move_stats", stats);
  numeric_attribute<double>(g, "unit_days_after_30", m.unit_days_after_30);
}

// A checkpoint's values are checked before they reach the engine or an output file: a damaged or
// hostile checkpoint is refused naming the value (running/3/state/unit_strength[5]), never run.
class Checked {
 public:
  explicit Checked(std::string where) : where_(std::move(where)) {}

  // Every element in [lo, hi] (and finite, for floating-point values).
  template <class T, class U>
  void within(const std::string& name, const std::vector<T>& v, U lo, U hi) const {
    for (std::size_t i = 0; i < v.size(); ++i) check_one(name, i, v.size(), v[i], lo, hi);
  }
  void within(const std::string& name, const Field& f, double lo, double hi) const {
    const auto n = static_cast<std::size_t>(f.size());
    for (std::size_t i = 0; i < n; ++i) check_one(name, i, n, f.data()[i], lo, hi);
  }
  template <class T, class U>
  void within(const std::string& name, T value, U lo, U hi) const {
    check_one(name, 0, 0, value, lo, hi);
  }
  [[noreturn]] void fail(const std::string& name, const std::string& why) const {
    throw InputError(where_ + "/" + name + " " + why);
  }
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  template <class T, class U>
  void check_one(const std::string& name, std::size_t i, std::size_t n, T value, U lo, U hi) const {
    const auto x = static_cast<double>(value);
    if (std::isfinite(x) && x >= static_cast<double>(lo) && x <= static_cast<double>(hi)) return;
    std::ostringstream msg;
    msg << where_ << "/" << name;
    if (n > 0) msg << "[" << i << "]";
    msg << " = " << +value << ": expected ";
    if (std::isinf(static_cast<double>(hi))) {
      msg << "a finite number";
      if (!std::isinf(static_cast<double>(lo))) msg << " >= " << +lo;
    } else {
      msg << "a " << (std::is_floating_point_v<T> ? "finite number" : "value") << " from " << +lo
          << " to " << +hi;
    }
    throw InputError(msg.str());
  }
  std::string where_;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

State read_state(hid_t g, const World& w, std::size_t event_count, const Checked& c) {
  State s;
  const int R = w.R;
  const int A = w.A;
  s.step = read_numeric_attribute<std::int32_t>(g, "step");
  s.coalitions = read_numeric_attribute<std::int32_t>(g, "coalitions");
  auto& u = s.units;
  u.actor = read<std::int32_t>(g, "unit_actor");
  const auto n = static_cast<long long>(u.actor.size());
  u.type = read<std::int32_t>(g, "unit_type", n);
  u.region = read<std::int32_t>(g, "unit_region", n);
  u.strength = read<double>(g, "unit_strength", n);
  u.morale = read<double>(g, "unit_morale", n);
  u.eta = read<double>(g, "unit_eta", n);
  u.hop = read<std::int32_t>(g, "unit_hop", n);
  u.dest = read<std::int32_t>(g, "unit_dest", n);
  u.from = read<std::int32_t>(g, "unit_from", n);
  const auto order = read<std::uint8_t>(g, "unit_order", n);
  c.within("unit_order", order, 0, 2);
  u.order.resize(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) u.order[i] = static_cast<Order>(order[i]);
  u.withdraw_event = read<std::int32_t>(g, "unit_withdraw_event", n);
  u.arrived_at = read<double>(g, "unit_arrived_at", n);
  u.alive = read<std::uint8_t>(g, "unit_alive", n);
  c.within("step", s.step, 0, w.spec().run.steps);
  c.within("unit_actor", u.actor, 0, A - 1);
  c.within("unit_type", u.type, 0, w.K - 1);
  c.within("unit_region", u.region, 0, R - 1);
  c.within("unit_hop", u.hop, 0, R - 1);
  c.within("unit_dest", u.dest, 0, R - 1);
  c.within("unit_from", u.from, -1, R - 1);
  c.within("unit_withdraw_event", u.withdraw_event, -1, static_cast<int>(event_count) - 1);
  c.within("unit_strength", u.strength, 0.0, kInf);
  c.within("unit_morale", u.morale, -kInf, kInf);
  c.within("unit_eta", u.eta, -kInf, kInf);
  c.within("unit_arrived_at", u.arrived_at, -kInf, kInf);
  c.within("unit_alive", u.alive, 0, 1);
  s.control = read_field(g, "control", R, A);
  s.support = read_field(g, "support", R, A);
  s.target = read_field(g, "target", R, A);
  s.recruit_pool = read_field(g, "recruit_pool", R, A);
  s.control_target = read_field(g, "control_target", R, A);
  s.relations = read<double>(g, "relations", static_cast<long long>(A) * A);
  s.coalition = read<std::int32_t>(g, "coalition", A);
  s.fights = read<std::uint8_t>(g, "fights", static_cast<long long>(A) * A);
  c.within("control", s.control, 0.0, 1.0);
  c.within("support", s.support, 0.0, 1.0);
  c.within("target", s.target, -kInf, kInf);
  c.within("recruit_pool", s.recruit_pool, 0.0, kInf);
  c.within("control_target", s.control_target, -kInf, kInf);
  c.within("relations", s.relations, -1.0, 1.0);
  std::pair<const char*, std::vector<double>*> vectors[] = {
      {"budget", &s.budget},
      {"budget0", &s.budget0},
      {"upkeep0", &s.upkeep0},
      {"territory_rate", &s.territory_rate},
      {"external_income", &s.external_income},
      {"sponsor_in", &s.sponsor_in},
      {"sponsor_out", &s.sponsor_out},
      {"income_factor", &s.income_factor},
      {"casualties", &s.casualties},
      {"withdrawn", &s.withdrawn},
      {"demobilised", &s.demobilised},
      {"recruited", &s.recruited},
      {"disbanded", &s.disbanded},
      {"spent_elsewhere", &s.spent_elsewhere},
      {"initial_strength", &s.initial_strength}};
  for (auto& [name, v] : vectors) {
    *v = read<double>(g, name, A);
    c.within(name, *v, -kInf, kInf);
  }
  s.vacuum_days = read<double>(g, "vacuum_days", R);
  s.controller = read<std::int32_t>(g, "controller", R);
  s.collapsed = read<std::uint8_t>(g, "collapsed", A);
  c.within("vacuum_days", s.vacuum_days, 0.0, kInf);
  c.within("controller", s.controller, -1, A - 1);
  c.within("collapsed", s.collapsed, 0, 1);
  const auto events = static_cast<long long>(event_count);
  const auto started = read<std::uint8_t>(g, "drawdown_started", events);
  const auto base = read<double>(g, "drawdown_base", events);
  const auto out = read<double>(g, "drawdown_withdrawn", events);
  c.within("drawdown_started", started, 0, 1);
  c.within("drawdown_base", base, 0.0, kInf);
  c.within("drawdown_withdrawn", out, 0.0, kInf);
  for (long long i = 0; i < events; ++i) {
    const auto k = static_cast<std::size_t>(i);
    s.drawdowns.push_back({started[k] != 0, base[k], out[k]});
  }
  const auto stats = read<std::int64_t>(g, "move_stats", 7);
  c.within("move_stats", stats, std::int64_t{0}, std::numeric_limits<std::int64_t>::max());
  auto& m = s.move_stats;
  m.moves = stats[0];
  m.moves_after_30 = stats[1];
  m.reversals_within_3 = stats[2];
  m.reversals = stats[3];
  m.breaks_retreat = stats[4];
  m.breaks_disband = stats[5];
  m.breaks_defect = stats[6];
  m.unit_days_after_30 = read_numeric_attribute<double>(g, "unit_days_after_30");
  c.within("unit_days_after_30", m.unit_days_after_30, 0.0, kInf);
  // Derived data (coalitions, who fights, the split relation matrices) is rebuilt from the
  // relations by the engine's own function rather than trusted.
  rebuild_derived(w, s);
  return s;
}

void write_trajectory(hid_t g, const Trajectory& t) {
  numeric_attribute<std::int32_t>(g, "replicate", t.replicate);
  numeric_attribute<std::int32_t>(g, "R", t.R);
  numeric_attribute<std::int32_t>(g, "A", t.A);
  write(g, "steps", t.steps);
  write(g, "days", t.days);
  // The trajectory's fields and step metrics, as the output schema names them.
  for (const auto& var : schema::variables()) {
    if (var.group == schema::Group::Field) write(g, std::string(var.name), t.*var.f32);
    if (var.group == schema::Group::StepMetric) write(g, std::string(var.name), t.*var.f64);
  }
  std::vector<std::int32_t> ev_step, ev_kind, ev_region, ev_actor, ev_other;
  std::vector<double> ev_value;
  for (const auto& e : t.events) {
    ev_step.push_back(e.step);
    ev_kind.push_back(static_cast<std::int32_t>(e.kind));
    ev_region.push_back(e.region);
    ev_actor.push_back(e.actor);
    ev_other.push_back(e.other);
    ev_value.push_back(e.value);
  }
  write(g, "event_step", ev_step);
  write(g, "event_kind", ev_kind);
  write(g, "event_region", ev_region);
  write(g, "event_actor", ev_actor);
  write(g, "event_other", ev_other);
  write(g, "event_value", ev_value);
  // Final values, present once the replicate finished.
  if (t.final_control.size() > 0) {
    write(g, "final_control", t.final_control);
    write(g, "vacuum_days", t.vacuum_days);
    write(g, "initial_strength", t.initial_strength);
    write(g, "demobilised", t.demobilised);
    write(g, "recruited", t.recruited);
  }
}

// `through`: the last step the trajectory may have recorded (the run's horizon for a finished
// replicate, the state's step for a running one); its steps must be the recorded steps up to it.
Trajectory read_trajectory(hid_t g, const World& w, int replicate, int through, bool finished,
                           const Checked& c) {
  Trajectory t;
  t.replicate = read_numeric_attribute<std::int32_t>(g, "replicate");
  t.R = read_numeric_attribute<std::int32_t>(g, "R");
  t.A = read_numeric_attribute<std::int32_t>(g, "A");
  c.within("replicate", t.replicate, replicate, replicate);
  if (t.R != w.R || t.A != w.A) throw InputError("checkpoint trajectory has other dimensions");
  t.steps = read<std::int32_t>(g, "steps");
  const auto T = static_cast<long long>(t.steps.size());
  {
    const auto recorded = recorded_steps(w.spec().run.steps, w.spec().outputs.interval);
    std::vector<int> expected;
    for (int step : recorded) {
      if (step <= through) expected.push_back(step);
    }
    // A running replicate's last record may lag its state by the steps since the snapshot.
    const bool prefix = t.steps.size() <= expected.size() &&
                        std::equal(t.steps.begin(), t.steps.end(), expected.begin());
    if (finished ? t.steps != expected : !prefix) {
      c.fail("steps", "holds " + std::to_string(T) +
                          " recorded steps that are not the run's recorded steps (every " +
                          std::to_string(w.spec().outputs.interval) + " up to " +
                          std::to_string(through) + ")");
    }
  }
  const long long field = T * t.R * t.A;
  t.days = read<double>(g, "days", T);
  c.within("days", t.days, 0.0, kInf);
  for (const auto& var : schema::variables()) {
    const std::string name(var.name);
    if (var.group == schema::Group::Field) {
      t.*var.f32 = read<float>(g, name, field);
      c.within(name, t.*var.f32, -kInf, kInf);
    }
    if (var.group == schema::Group::StepMetric) {
      t.*var.f64 = read<double>(g, name, var.metric.per_actor != nullptr ? T * t.A : T);
      c.within(name, t.*var.f64, -kInf, kInf);
    }
  }
  const auto ev_step = read<std::int32_t>(g, "event_step");
  const auto ne = static_cast<long long>(ev_step.size());
  const auto ev_kind = read<std::int32_t>(g, "event_kind", ne);
  const auto ev_region = read<std::int32_t>(g, "event_region", ne);
  const auto ev_actor = read<std::int32_t>(g, "event_actor", ne);
  const auto ev_other = read<std::int32_t>(g, "event_other", ne);
  const auto ev_value = read<double>(g, "event_value", ne);
  c.within("event_step", ev_step, 0, through);
  c.within("event_kind", ev_kind, 1, 4);
  c.within("event_region", ev_region, -1, w.R - 1);
  c.within("event_actor", ev_actor, -1, w.A - 1);
  c.within("event_other", ev_other, -1, w.A - 1);
  c.within("event_value", ev_value, -kInf, kInf);
  for (long long i = 0; i < ne; ++i) {
    const auto k = static_cast<std::size_t>(i);
    t.events.push_back({ev_step[k], static_cast<EventKind>(ev_kind[k]), ev_region[k], ev_actor[k],
                        ev_other[k], ev_value[k]});
  }
  if (exists(g, "final_control")) {
    t.final_control = read_field(g, "final_control", w.R, w.A);
    t.vacuum_days = read<double>(g, "vacuum_days", w.R);
    t.initial_strength = read<double>(g, "initial_strength", w.A);
    t.demobilised = read<double>(g, "demobilised", w.A);
    t.recruited = read<double>(g, "recruited", w.A);
    c.within("final_control", t.final_control, 0.0, 1.0);
    c.within("vacuum_days", t.vacuum_days, 0.0, kInf);
    c.within("initial_strength", t.initial_strength, 0.0, kInf);
    c.within("demobilised", t.demobilised, 0.0, kInf);
    c.within("recruited", t.recruited, 0.0, kInf);
  }
  return t;
}

}  // namespace

void write_checkpoint(const std::string& path, const World& world, const CheckpointData& data) {
  silence();
  const std::string temp = temporary_path(path, "writing");
  try {
    const hid_t f = H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) throw OutputError("cannot create checkpoint " + temp + error_cause());
    Handle file(f, H5Fclose);
    const hid_t root = file.get();
    string_attribute(root, "format", kFormat);
    string_attribute(root, "scenario_hash", data.scenario_hash);
    string_attribute(root, "scenario_text", world.spec().source_text);
    string_attribute(root, "powershift_version", data.version);
    string_attribute(root, "output_path", data.output_path);
    numeric_attribute<std::uint64_t>(root, "seed", data.seed);
    numeric_attribute<std::int32_t>(root, "replicates", data.replicates);
    numeric_attribute<std::int32_t>(root, "steps", data.steps);
    numeric_attribute<std::int32_t>(root, "interval", data.interval);
    numeric_attribute<std::int32_t>(root, "counterfactual", data.counterfactual ? 1 : 0);
    write(root, "counterfactual_events", data.counterfactual_events);
    auto finished = create_group(root, "finished");
    for (const auto& [rep, result] : data.finished) {
      auto g = create_group(finished.get(), std::to_string(rep));
      auto tr = create_group(g.get(), "trajectory");
      write_trajectory(tr.get(), result.trajectory);
      if (result.counterfactual) {
        auto ct = create_group(g.get(), "counterfactual_trajectory");
        write_trajectory(ct.get(), *result.counterfactual);
      }
    }
    auto running = create_group(root, "running");
    for (const auto& [rep, snap] : data.running) {
      auto g = create_group(running.get(), std::to_string(rep));
      auto st = create_group(g.get(), "state");
      write_state(st.get(), snap.state);
      auto tr = create_group(g.get(), "trajectory");
      write_trajectory(tr.get(), snap.trajectory);
      if (snap.counterfactual_state) {
        auto cs = create_group(g.get(), "counterfactual_state");
        write_state(cs.get(), *snap.counterfactual_state);
        auto ct = create_group(g.get(), "counterfactual_trajectory");
        write_trajectory(ct.get(), *snap.counterfactual_trajectory);
      }
    }
    check(H5Fflush(root, H5F_SCOPE_GLOBAL), "flush checkpoint");
    running.reset();
    finished.reset();
    check(file.close(), "close checkpoint");
  } catch (const OutputError& e) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw OutputError("cannot write the checkpoint " + path + ": " + e.what());
  }
  Target target;
  target.path = path;
  target.force = true;  // replaces only a regular file: the previous checkpoint
  target.role = "checkpoint";
  place(temp, target);
}

bool is_checkpoint_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) return false;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return false;
  Handle file(f, H5Fclose);
  try {
    return read_string_attribute(f, "format").rfind("powershift-checkpoint", 0) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

CheckpointData read_checkpoint(const std::string& path, const World& world) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path + ": no such checkpoint file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw InputError(path + ": not a checkpoint (not an HDF5 file)");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw InputError(path + ": cannot open the checkpoint (truncated or corrupt?)");
  Handle file(f, H5Fclose);
  const hid_t root = file.get();
  CheckpointData d;
  try {
    if (read_string_attribute(root, "format") != kFormat) {
      throw InputError("not a powershift checkpoint of this format");
    }
    d.scenario_hash = read_string_attribute(root, "scenario_hash");
    d.version = read_string_attribute(root, "powershift_version");
    d.output_path = read_string_attribute(root, "output_path");
    d.seed = read_numeric_attribute<std::uint64_t>(root, "seed");
    d.replicates = read_numeric_attribute<std::int32_t>(root, "replicates");
    d.steps = read_numeric_attribute<std::int32_t>(root, "steps");
    if (H5Aexists(root, "interval") > 0)
      d.interval = read_numeric_attribute<std::int32_t>(root, "interval");
    d.counterfactual = read_numeric_attribute<std::int32_t>(root, "counterfactual") != 0;
    d.counterfactual_events = read<std::int32_t>(root, "counterfactual_events");
    const auto& spec = world.spec();
    const std::size_t cf_events =
        (d.counterfactual_events.empty() ? spec.without_drawdowns()
                                         : spec.without_events(d.counterfactual_events))
            .events.size();
    if (d.version != std::string(schema::version())) {
      throw InputError("it was written by powershift " + d.version + ", this is " +
                       std::string(schema::version()));
    }
    if (d.scenario_hash != schema::scenario_hash(world.spec())) {
      throw InputError("it belongs to another scenario (scenario hash " + d.scenario_hash +
                       ", this scenario's is " + schema::scenario_hash(world.spec()) + ")");
    }
    // Written with other settings: the caller refuses it naming the setting; the replicates are
    // not read (their recorded steps would be checked against this run's).
    if (d.steps != spec.run.steps || d.replicates != spec.run.replicates ||
        (d.interval != 0 && d.interval != spec.outputs.interval)) {
      return d;
    }
    auto finished = open_group(root, "finished");
    auto running = open_group(root, "running");
    auto each = [](hid_t g, auto&& fn) {
      H5G_info_t info;
      check(H5Gget_info(g, &info), "list group");
      for (hsize_t i = 0; i < info.nlinks; ++i) {
        char name[64];
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0) {
          throw InputError("cannot list the checkpoint");
        }
        fn(std::string(name));
      }
    };
    auto replicate_of = [&](const std::string& name) {
      // Groups are named by replicate index: decimal digits only, below `replicates`.
      const bool digits =
          !name.empty() && name.size() <= 9 &&
          std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
      const int rep = digits ? std::stoi(name) : -1;
      if (rep < 0 || rep >= d.replicates) {
        throw InputError("checkpoint group '" + printable(name) +
                         "' is not a replicate index (0 to " + std::to_string(d.replicates - 1) +
                         "): not a checkpoint powershift wrote, or damaged");
      }
      return rep;
    };
    each(finished.get(), [&](const std::string& name) {
      auto g = open_group(finished.get(), name);
      ReplicateResult result;
      result.replicate = replicate_of(name);
      const std::string at = "finished/" + name;
      const int horizon = world.spec().run.steps;
      auto tr = open_group(g.get(), "trajectory");
      result.trajectory = read_trajectory(tr.get(), world, result.replicate, horizon, true,
                                          Checked(at + "/trajectory"));
      if (result.trajectory.final_control.size() == 0)
        throw InputError("finished replicate without final values");
      if (exists(g.get(), "counterfactual_trajectory")) {
        auto ct = open_group(g.get(), "counterfactual_trajectory");
        result.counterfactual = read_trajectory(ct.get(), world, result.replicate, horizon, true,
                                                Checked(at + "/counterfactual_trajectory"));
      }
      if (d.counterfactual != result.counterfactual.has_value()) {
        throw InputError("finished replicate without its counterfactual arm");
      }
      d.finished[result.replicate] = std::move(result);
    });
    each(running.get(), [&](const std::string& name) {
      auto g = open_group(running.get(), name);
      ReplicateSnapshot snap;
      snap.replicate = replicate_of(name);
      const std::string at = "running/" + name;
      {
        auto st = open_group(g.get(), "state");
        snap.state =
            read_state(st.get(), world, world.spec().events.size(), Checked(at + "/state"));
        auto tr = open_group(g.get(), "trajectory");
        snap.trajectory = read_trajectory(tr.get(), world, snap.replicate, snap.state.step, false,
                                          Checked(at + "/trajectory"));
      }
      if (exists(g.get(), "counterfactual_state")) {
        auto cs = open_group(g.get(), "counterfactual_state");
        // The counterfactual arm runs the scenario without the removed events.
        snap.counterfactual_state =
            read_state(cs.get(), world, cf_events, Checked(at + "/counterfactual_state"));
        auto ct = open_group(g.get(), "counterfactual_trajectory");
        snap.counterfactual_trajectory =
            read_trajectory(ct.get(), world, snap.replicate, snap.counterfactual_state->step, false,
                            Checked(at + "/counterfactual_trajectory"));
      }
      if (d.counterfactual != snap.counterfactual_state.has_value()) {
        throw InputError("running replicate without its counterfactual arm");
      }
      d.running[snap.replicate] = std::move(snap);
    });
  } catch (const InputError& e) {
    throw InputError(path + ": cannot resume from this checkpoint: " + e.what());
  } catch (const std::exception& e) {
    throw InputError(path + ": cannot resume from this checkpoint: " + e.what());
  }
  return d;
}

}  // namespace powershift::io
