// HDF5 trajectory writer (docs/output-format.md). netCDF-4 layout: every axis has a dimension
// scale, every variable `units` and `long_name`, provenance in global attributes.
#include "powershift/io/hdf5_writer.hpp"
#include "powershift/io/sweep_merge.hpp"
#include "powershift/io/checkpoint.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "powershift/error.hpp"
#include "powershift/metrics.hpp"
#include "powershift/phases.hpp"
#include "h5util.hpp"

#ifndef POWERSHIFT_VERSION
#define POWERSHIFT_VERSION "0.0.0"
#endif
#ifndef POWERSHIFT_BUILD
#define POWERSHIFT_BUILD "unknown"
#endif

namespace powershift::io {

namespace fs = std::filesystem;
using h5::check;
using h5::checked;
using h5::Handle;
using h5::numeric_attribute;
using h5::string_attribute;

std::string version_string() { return POWERSHIFT_VERSION; }


namespace {


std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct VariableSpec {
  std::string name;
  std::vector<std::string> dims;
  hid_t type;  // H5T_NATIVE_FLOAT / DOUBLE / INT32
  std::string units;
  std::string long_name;
};

// Every per-replicate variable a run's file can hold (the counterfactual's aside): the fields
// (replicate, time, region, actor) first, then metrics per step and final tables.
const std::vector<VariableSpec>& trajectory_variables() {
  static const std::vector<VariableSpec> table = {
      {"control", {"replicate", "time", "region", "actor"}, H5T_NATIVE_FLOAT, "1", "control share C[r,a]"},
      {"support", {"replicate", "time", "region", "actor"}, H5T_NATIVE_FLOAT, "1", "popular support S[r,a]"},
      {"power", {"replicate", "time", "region", "actor"}, H5T_NATIVE_FLOAT, "strength", "projected power P[r,a]"},
      {"forces", {"replicate", "time", "region", "actor"}, H5T_NATIVE_FLOAT, "strength", "strength of units present"},
      {"control_share_pop", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "1", "population-weighted control share"},
      {"control_share_value", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "1", "value-weighted control share"},
      {"forces_total", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "strength", "strength alive, in theatre or in transit"},
      {"casualties", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "strength", "cumulative combat losses"},
      {"withdrawn", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "strength", "cumulative strength withdrawn through exits"},
      {"exit_queue", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "strength", "withdrawing strength waiting at an exit"},
      {"budget", {"replicate", "time", "actor"}, H5T_NATIVE_DOUBLE, "budget units", "actor budget"},
      {"vacuum_share", {"replicate", "time"}, H5T_NATIVE_DOUBLE, "1", "population-weighted vacuum share"},
      {"hhi", {"replicate", "time"}, H5T_NATIVE_DOUBLE, "1", "Herfindahl index of controlled population"},
      {"effective_actors", {"replicate", "time"}, H5T_NATIVE_DOUBLE, "1", "effective number of actors (1/HHI)"},
      {"vacuum_days", {"replicate", "region"}, H5T_NATIVE_DOUBLE, "days", "days with vacuum above one half"},
      {"attribution_net", {"replicate", "region", "actor"}, H5T_NATIVE_DOUBLE, "1", "net vacuum attribution A[r,b]: control the withdrawing actor lost, gained by b"},
      {"attribution_lost", {"replicate", "region"}, H5T_NATIVE_DOUBLE, "1", "control the withdrawing actor lost, L_r"},
      {"attribution_unfilled", {"replicate", "region"}, H5T_NATIVE_DOUBLE, "1", "part of L_r still vacuum"},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& v : trajectory_variables()) {
      if (v.dims.size() == 4) out.push_back(v.name);
    }
    return out;
  }();
  return names;
}

const std::vector<std::string>& mergeable_variables() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& v : trajectory_variables()) out.push_back(v.name);
    return out;
  }();
  return names;
}

struct TrajectoryFile::Impl {
  const World& world;
  OutputOptions options;
  std::string final_path;
  std::string temp_path;
  Handle file;
  bool committed = false;
  std::map<std::string, std::size_t> dim_size;
  std::map<std::string, Handle> scales;
  std::map<std::string, Handle> vars;
  std::map<std::string, std::vector<hsize_t>> var_shape;
  std::vector<int> steps;
  std::map<int, std::vector<LoggedEvent>> events;  // written at commit, in replicate order

  Impl(const World& w, OutputOptions opt) : world(w), options(std::move(opt)) {}

  void create() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr noise
    final_path = options.path;
    temp_path = h5::partial_path(final_path);
    file = h5::create_netcdf_file(temp_path);
    steps = options.recorded_steps;
    dim_size = {{"replicate", static_cast<std::size_t>(options.replicates)},
                {"time", steps.size()},
                {"region", static_cast<std::size_t>(world.R)},
                {"actor", static_cast<std::size_t>(world.A)}};
    write_coordinates();
    create_variables();
    write_provenance();
  }

  // One chunk per replicate along the whole time axis, halved along time until under 4 MiB.
  static std::vector<hsize_t> chunk_shape(const std::vector<hsize_t>& shape) {
    std::vector<hsize_t> chunk = shape;
    chunk[0] = 1;
    hsize_t bytes = 8;
    for (std::size_t i = 1; i < chunk.size(); ++i) bytes *= std::max<hsize_t>(chunk[i], 1);
    while (bytes > (4u << 20) && chunk.size() > 1 && chunk[1] > 1) {
      chunk[1] = (chunk[1] + 1) / 2;
      bytes /= 2;
    }
    for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
    return chunk;
  }

  hid_t dataset_create_list(const std::vector<hsize_t>& shape) const {
    const hid_t dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), "create dataset list");
    check(H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "order");
    if (shape.size() >= 2 && shape[0] > 0) {
      const auto chunk = chunk_shape(shape);
      check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunk");
      if (options.deflate_level > 0) {
        check(H5Pset_shuffle(dcpl), "shuffle");
        check(H5Pset_deflate(dcpl, static_cast<unsigned>(options.deflate_level)), "deflate");
      }
    }
    return dcpl;
  }

  Handle make_dataset(const std::string& name, hid_t type, const std::vector<hsize_t>& shape) {
    Handle space(checked(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                         "create dataspace"),
                 H5Sclose);
    Handle dcpl(dataset_create_list(shape), H5Pclose);
    const hid_t ds = H5Dcreate2(file.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT);
    if (ds < 0) throw OutputError("HDF5: cannot create dataset " + name);
    return Handle(ds, H5Dclose);
  }

  void write_all(hid_t ds, hid_t type, const void* data) {
    check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write dataset");
  }

  void write_strings(const std::string& name, const std::vector<std::string>& values,
                     const std::string& long_name) {
    Handle type(checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(type.get(), H5T_VARIABLE), "vlen string");
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "utf8");
    const std::vector<hsize_t> shape{values.size()};
    Handle ds = make_dataset(name, type.get(), shape);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    write_all(ds.get(), type.get(), ptrs.data());
    string_attribute(ds.get(), "long_name", long_name);
    scales[name] = std::move(ds);
  }

  template <class T>
  Handle write_vector(const std::string& name, hid_t type, const std::vector<T>& values,
                      const std::string& units, const std::string& long_name) {
    Handle ds = make_dataset(name, type, {values.size()});
    write_all(ds.get(), type, values.data());
    if (!units.empty()) string_attribute(ds.get(), "units", units);
    string_attribute(ds.get(), "long_name", long_name);
    return ds;
  }

  void write_coordinates() {
    const auto& spec = world.spec();
    std::vector<std::int32_t> reps(options.replicates);
    for (int i = 0; i < options.replicates; ++i) reps[i] = i;
    scales["replicate"] = write_vector("replicate", H5T_NATIVE_INT32, reps, "", "replicate index (random key)");
    std::vector<double> days;
    for (int s : steps) days.push_back(s * world.dt);
    scales["time"] = write_vector("time", H5T_NATIVE_DOUBLE, days,
                                  "days since " + spec.run.start_date + " 00:00:00",
                                  "simulated time");
    string_attribute(scales["time"].get(), "calendar", "proleptic_gregorian");
    std::vector<std::string> region_names, actor_names;
    for (const auto& r : spec.regions) region_names.push_back(r.name);
    for (const auto& a : spec.actors) actor_names.push_back(a.name);
    write_strings("region", region_names, "region name");
    write_strings("actor", actor_names, "actor name");
    for (const auto& [dim, ds] : scales) {
      check(H5DSset_scale(ds.get(), dim.c_str()), "set dimension scale");
    }
    // Auxiliary coordinates.
    std::vector<double> lat, lon;
    std::vector<std::int32_t> offmap, is_state;
    std::vector<std::string> kinds;
    for (const auto& r : spec.regions) {
      lat.push_back(r.lat);
      lon.push_back(r.lon);
      offmap.push_back(r.offmap ? 1 : 0);
    }
    for (const auto& a : spec.actors) kinds.push_back(a.is_state ? "state" : "non_state");
    std::vector<std::int32_t> step_values(steps.begin(), steps.end());
    attach(write_vector("step", H5T_NATIVE_INT32, step_values, "1", "step index"), {"time"});
    attach(write_vector("region_lat", H5T_NATIVE_DOUBLE, lat, "degrees_north", "region latitude"), {"region"});
    attach(write_vector("region_lon", H5T_NATIVE_DOUBLE, lon, "degrees_east", "region longitude"), {"region"});
    attach(write_vector("region_population", H5T_NATIVE_DOUBLE, world.population, "people", "region population"), {"region"});
    attach(write_vector("region_value", H5T_NATIVE_DOUBLE, world.value, "1", "strategic value v_r"), {"region"});
    attach(write_vector("region_offmap", H5T_NATIVE_INT32, offmap, "1", "1 for off-map regions"), {"region"});
    {
      Handle type(checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
      check(H5Tset_size(type.get(), H5T_VARIABLE), "vlen string");
      check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "utf8");
      Handle ds = make_dataset("actor_kind", type.get(), {kinds.size()});
      std::vector<const char*> ptrs;
      for (const auto& k : kinds) ptrs.push_back(k.c_str());
      write_all(ds.get(), type.get(), ptrs.data());
      string_attribute(ds.get(), "long_name", "actor kind (state or non_state)");
      attach(std::move(ds), {"actor"});
    }
  }

  void attach(Handle ds, const std::vector<std::string>& dims) {
    for (std::size_t i = 0; i < dims.size(); ++i) {
      check(H5DSattach_scale(ds.get(), scales.at(dims[i]).get(), static_cast<unsigned>(i)),
            "attach dimension scale");
    }
  }

  std::vector<VariableSpec> variable_specs() const {
    std::vector<VariableSpec> v = trajectory_variables();
    // Region x actor fields not selected are left out (summary-only: all of them).
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const VariableSpec& spec) {
                             const auto& f = options.fields;
                             return spec.dims.size() == 4 &&
                                    std::find(f.begin(), f.end(), spec.name) == f.end();
                           }),
            v.end());
    if (options.counterfactual) {
      v.push_back({"counterfactual_effect", {"replicate", "region", "actor"}, H5T_NATIVE_DOUBLE, "1",
                   "paired counterfactual: final control with drawdown minus without, same random keys"});
      v.push_back({"counterfactual_control", {"replicate", "region", "actor"}, H5T_NATIVE_DOUBLE, "1",
                   "final control in the arm without the drawdown"});
    }
    return v;
  }

  void create_variables() {
    for (const auto& vs : variable_specs()) {
      std::vector<hsize_t> shape;
      for (const auto& d : vs.dims) shape.push_back(dim_size.at(d));
      Handle ds = make_dataset(vs.name, vs.type, shape);
      var_shape[vs.name] = shape;
      string_attribute(ds.get(), "units", vs.units);
      string_attribute(ds.get(), "long_name", vs.long_name);
      for (std::size_t i = 0; i < vs.dims.size(); ++i) {
        check(H5DSattach_scale(ds.get(), scales.at(vs.dims[i]).get(), static_cast<unsigned>(i)),
              "attach dimension scale");
      }
      vars[vs.name] = std::move(ds);
    }
  }

  void write_provenance() {
    const auto& spec = world.spec();
    const hid_t root = file.get();
    string_attribute(root, "title", "powershift trajectories: " + spec.name);
    string_attribute(root, "Conventions", "CF-1.8");
    string_attribute(root, "scenario_name", spec.name);
    string_attribute(root, "scenario_path", spec.source_path);
    string_attribute(root, "scenario_text", spec.source_text);
    string_attribute(root, "scenario_hash", scenario_hash(spec));
    numeric_attribute<std::int64_t>(root, "seed", static_cast<std::int64_t>(options.seed));
    numeric_attribute<std::int32_t>(root, "replicates", options.replicates);
    numeric_attribute<std::int32_t>(root, "steps", steps.empty() ? 0 : steps.back());
    numeric_attribute<double>(root, "dt_days", world.dt);
    string_attribute(root, "start_date", spec.run.start_date);
    string_attribute(root, "powershift_version", POWERSHIFT_VERSION);
    string_attribute(root, "powershift_build", POWERSHIFT_BUILD);
    string_attribute(root, "command_line", options.command_line);
    std::string fields;
    for (const auto& f : options.fields) fields += (fields.empty() ? "" : " ") + f;
    string_attribute(root, "recorded_fields", fields);
    string_attribute(root, "created", utc_now());
    const int wd = withdrawing_actor(spec);
    string_attribute(root, "withdrawing_actor", wd >= 0 ? spec.actors[wd].name : "");
  }

  // The event table: one row per event, along the `event` dimension, replicates in order.
  void write_events() {
    std::vector<std::int32_t> index, rep, step, kind, region, actor, other;
    std::vector<double> time, value;
    for (const auto& [r, list] : events) {
      for (const auto& e : list) {
        index.push_back(static_cast<std::int32_t>(index.size()));
        rep.push_back(r);
        step.push_back(e.step);
        time.push_back(e.step * world.dt);
        kind.push_back(static_cast<std::int32_t>(e.kind));
        region.push_back(e.region);
        actor.push_back(e.actor);
        other.push_back(e.other);
        value.push_back(e.value);
      }
    }
    scales["event"] = write_vector("event", H5T_NATIVE_INT32, index, "", "event index");
    check(H5DSset_scale(scales["event"].get(), "event"), "set dimension scale");
    const auto& spec = world.spec();
    auto var = [&](const char* name, hid_t type, const auto& v, const std::string& units,
                   const std::string& long_name) {
      Handle ds = write_vector(name, type, v, units, long_name);
      attach(std::move(ds), {"event"});
    };
    var("event_replicate", H5T_NATIVE_INT32, rep, "", "replicate of the event");
    var("event_step", H5T_NATIVE_INT32, step, "1", "step at whose end the event is seen");
    var("event_time", H5T_NATIVE_DOUBLE, time, "days since " + spec.run.start_date + " 00:00:00",
        "time of the event");
    {
      Handle ds = write_vector("event_kind", H5T_NATIVE_INT32, kind, "",
                               "kind of event: 1 control_change, 2 withdrawal, 3 engagement, 4 collapse");
      const std::int32_t flags[4] = {1, 2, 3, 4};
      const hsize_t four = 4;
      Handle space(checked(H5Screate_simple(1, &four, nullptr), "space"), H5Sclose);
      Handle attr(checked(H5Acreate2(ds.get(), "flag_values", H5T_NATIVE_INT32, space.get(),
                                     H5P_DEFAULT, H5P_DEFAULT), "attribute"), H5Aclose);
      check(H5Awrite(attr.get(), H5T_NATIVE_INT32, flags), "write flag_values");
      string_attribute(ds.get(), "flag_meanings", "control_change withdrawal engagement collapse");
      attach(std::move(ds), {"event"});
    }
    var("event_region", H5T_NATIVE_INT32, region, "", "region index (-1: none)");
    var("event_actor", H5T_NATIVE_INT32, actor, "",
        "actor index: new controller (-1 none), withdrawing actor, biggest loser, collapsing actor");
    var("event_other", H5T_NATIVE_INT32, other, "",
        "actor index: previous controller, or the biggest inflicter of an engagement (-1: none)");
    var("event_value", H5T_NATIVE_DOUBLE, value, "1 or strength",
        "control share of the new controller, strength withdrawn, total losses, strength left");
  }

};

void check_output_target(const OutputOptions& options) {
  const fs::path target(options.path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError("output directory does not exist: " + dir.string());
  }
  if (fs::exists(target, ec) && !options.force) {
    throw InputError("output file exists: " + options.path + " (use --force to replace it)");
  }
}

TrajectoryFile::TrajectoryFile(const World& world, const OutputOptions& options)
    : impl_(std::make_unique<Impl>(world, options)) {
  try {
    impl_->create();
  } catch (...) {
    impl_->vars.clear();
    impl_->scales.clear();
    impl_->file.reset();
    std::error_code ec;
    fs::remove(impl_->temp_path, ec);
    throw;
  }
}

TrajectoryFile::~TrajectoryFile() {
  if (!impl_ || impl_->committed) return;
  impl_->vars.clear();
  impl_->scales.clear();
  impl_->file.reset();
  std::error_code ec;
  fs::remove(impl_->temp_path, ec);
}

const std::string& TrajectoryFile::temporary_path() const { return impl_->temp_path; }

namespace {

// HDF5's shuffle filter: byte j of element i goes to position j * n + i.
void shuffle_bytes(const unsigned char* in, unsigned char* out, std::size_t n, std::size_t size) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < size; ++j) out[j * n + i] = in[i * size + j];
  }
}

}  // namespace

// A replicate's chunks, filtered (shuffle, deflate) exactly as HDF5's pipeline would, ready for
// H5Dwrite_chunk. Encoding needs no lock, so ensembles compress in parallel.
struct EncodedReplicate {
  struct Chunk {
    std::string variable;
    std::vector<hsize_t> offset;
    std::vector<unsigned char> bytes;
  };
  int replicate = 0;
  std::vector<Chunk> chunks;
  std::vector<LoggedEvent> events;
};

std::shared_ptr<const EncodedReplicate> TrajectoryFile::encode(const ReplicateResult& result) const {
  const auto& im = *impl_;
  const auto& tr = result.trajectory;
  const int rep = result.replicate;
  if (tr.records() != static_cast<int>(im.steps.size())) {
    throw OutputError("replicate " + std::to_string(rep) + " recorded " +
                      std::to_string(tr.records()) + " steps, the file expects " +
                      std::to_string(im.steps.size()));
  }
  auto enc = std::make_shared<EncodedReplicate>();
  enc->replicate = rep;
  enc->events = tr.events;
  auto add = [&](const std::string& name, const void* data, std::size_t elem) {
    const auto& shape = im.var_shape.at(name);
    const auto chunk = Impl::chunk_shape(shape);
    // Elements of one replicate's slab and of one chunk.
    std::size_t inner = 1;
    for (std::size_t i = 2; i < shape.size(); ++i) inner *= shape[i];
    const std::size_t length = shape.size() > 1 ? shape[1] : 1;
    const std::size_t step = chunk.size() > 1 ? chunk[1] : 1;
    const auto* src = static_cast<const unsigned char*>(data);
    for (std::size_t start = 0; start < length; start += step) {
      EncodedReplicate::Chunk c;
      c.variable = name;
      c.offset.assign(shape.size(), 0);
      c.offset[0] = static_cast<hsize_t>(rep);
      if (shape.size() > 1) c.offset[1] = start;
      const std::size_t n = step * inner;  // a full chunk; past the end it is fill (zeros)
      std::vector<unsigned char> raw(n * elem, 0);
      const std::size_t rows = std::min(step, length - start);
      std::memcpy(raw.data(), src + start * inner * elem, rows * inner * elem);
      if (im.options.deflate_level > 0) {
        std::vector<unsigned char> shuffled(raw.size());
        shuffle_bytes(raw.data(), shuffled.data(), n, elem);
        uLongf size = compressBound(static_cast<uLong>(shuffled.size()));
        c.bytes.resize(size);
        if (compress2(c.bytes.data(), &size, shuffled.data(), static_cast<uLong>(shuffled.size()),
                      im.options.deflate_level) != Z_OK) {
          throw OutputError("zlib failed to compress a chunk of " + name);
        }
        c.bytes.resize(size);
      } else {
        c.bytes = std::move(raw);
      }
      enc->chunks.push_back(std::move(c));
    }
  };
  const std::pair<const char*, const std::vector<float>*> fields[] = {
      {"control", &tr.control}, {"support", &tr.support}, {"power", &tr.power}, {"forces", &tr.forces}};
  for (const auto& [name, data] : fields) {
    if (im.var_shape.count(name)) add(name, data->data(), sizeof(float));
  }
  add("control_share_pop", tr.control_pop.data(), sizeof(double));
  add("control_share_value", tr.control_value.data(), sizeof(double));
  add("forces_total", tr.forces_actor.data(), sizeof(double));
  add("casualties", tr.casualties.data(), sizeof(double));
  add("withdrawn", tr.withdrawn.data(), sizeof(double));
  add("exit_queue", tr.exit_queue.data(), sizeof(double));
  add("budget", tr.budget.data(), sizeof(double));
  add("vacuum_share", tr.vacuum_pop.data(), sizeof(double));
  add("hhi", tr.hhi.data(), sizeof(double));
  add("effective_actors", tr.effective_actors.data(), sizeof(double));
  add("vacuum_days", tr.vacuum_days.data(), sizeof(double));
  const World& w = im.world;
  const Field c0 = Eigen::Map<const Field>(w.control0.data(), w.R, w.A);
  const auto na = net_attribution(c0, tr.final_control, withdrawing_actor(w.spec()));
  add("attribution_net", na.gained.data(), sizeof(double));
  add("attribution_lost", na.lost.data(), sizeof(double));
  add("attribution_unfilled", na.unfilled.data(), sizeof(double));
  if (im.options.counterfactual) {
    if (!result.counterfactual) throw OutputError("counterfactual arm missing");
    const Field diff = tr.final_control - result.counterfactual->final_control;
    add("counterfactual_effect", diff.data(), sizeof(double));
    add("counterfactual_control", result.counterfactual->final_control.data(), sizeof(double));
  }
  return enc;
}

void TrajectoryFile::write_encoded(const EncodedReplicate& encoded) {
  auto& im = *impl_;
  im.events[encoded.replicate] = encoded.events;
  for (const auto& c : encoded.chunks) {
    check(H5Dwrite_chunk(im.vars.at(c.variable).get(), H5P_DEFAULT, 0, c.offset.data(),
                         c.bytes.size(), c.bytes.data()),
          "write a chunk");
  }
}

void TrajectoryFile::write_replicate(const ReplicateResult& result) {
  write_encoded(*encode(result));
}

void TrajectoryFile::write_summary(const EnsembleSummary& summary) {
  auto& im = *impl_;
  const hid_t root = im.file.get();
  numeric_attribute<double>(root, "summary_vacuum_share_final", summary.vacuum_pop_final);
}

void TrajectoryFile::commit() {
  auto& im = *impl_;
  im.write_events();
  check(H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL), "flush file");
  im.vars.clear();
  im.scales.clear();
  im.file.reset();
  std::error_code ec;
  fs::rename(im.temp_path, im.final_path, ec);
  if (ec) {
    fs::remove(im.temp_path, ec);
    throw OutputError("cannot move the output into place at " + im.final_path);
  }
  im.committed = true;
}

}  // namespace powershift::io
