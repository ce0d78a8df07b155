// HDF5 trajectory writer (docs/output-format.md). netCDF-4 layout: every axis has a dimension
// scale, every variable `units` and `long_name`, provenance in global attributes.
#include "powershift/output/hdf5_writer.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "h5util.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/target.hpp"

namespace powershift::io {

namespace fs = std::filesystem;
using h5::check;
using h5::checked;
using h5::Handle;
using h5::numeric_attribute;
using h5::string_attribute;

namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

hid_t native(schema::DType type) {
  switch (type) {
    case schema::DType::Float32:
      return H5T_NATIVE_FLOAT;
    case schema::DType::Float64:
      return H5T_NATIVE_DOUBLE;
    case schema::DType::Int32:
      return H5T_NATIVE_INT32;
    case schema::DType::String:
      break;
  }
  throw OutputError("HDF5: no native type for strings");
}

std::vector<std::string> dim_names(const std::vector<schema::Dim>& dims) {
  std::vector<std::string> out;
  out.reserve(dims.size());
  for (const auto d : dims) out.emplace_back(schema::dim_name(d));
  return out;
}

}  // namespace

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
    h5::silence();
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
      // Last in the pipeline, as encode() appends it: damaged chunks are detected at read.
      check(H5Pset_fletcher32(dcpl), "checksum");
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
    ptrs.reserve(values.size());
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
    scales["replicate"] =
        write_vector("replicate", H5T_NATIVE_INT32, reps, "", "replicate index (random key)");
    std::vector<double> days;
    for (int s : steps) days.push_back(s * world.dt);
    scales["time"] =
        write_vector("time", H5T_NATIVE_DOUBLE, days,
                     "days since " + spec.run.start_date + " 00:00:00", "simulated time");
    string_attribute(scales["time"].get(), "calendar", "proleptic_gregorian");
    std::vector<std::string> region_names, actor_names;
    for (const auto& r : spec.regions) region_names.push_back(r.name);
    for (const auto& a : spec.actors) actor_names.push_back(a.name);
    write_strings("region", region_names, "region name");
    write_strings("actor", actor_names, "actor name");
    for (const auto& [dim, ds] : scales) {
      check(H5DSset_scale(ds.get(), dim.c_str()), "set dimension scale");
    }
    // Auxiliary coordinates (the schema's list, in its order).
    for (const auto& aux : schema::aux_coordinates()) {
      const std::string name(aux.name);
      const auto values = aux.values(world, steps);
      Handle ds;
      if (aux.dtype == schema::DType::String) {
        Handle type(checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
        check(H5Tset_size(type.get(), H5T_VARIABLE), "vlen string");
        check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "utf8");
        ds = make_dataset(name, type.get(), {values.str.size()});
        std::vector<const char*> ptrs;
        for (const auto& k : values.str) ptrs.push_back(k.c_str());
        write_all(ds.get(), type.get(), ptrs.data());
        string_attribute(ds.get(), "long_name", std::string(aux.long_name));
      } else if (aux.dtype == schema::DType::Int32) {
        ds = write_vector(name, H5T_NATIVE_INT32, values.i32, std::string(aux.units),
                          std::string(aux.long_name));
      } else {
        ds = write_vector(name, H5T_NATIVE_DOUBLE, values.f64, std::string(aux.units),
                          std::string(aux.long_name));
      }
      attach(std::move(ds), {std::string(schema::dim_name(aux.dim))});
    }
  }

  void attach(Handle ds, const std::vector<std::string>& dims) {
    for (std::size_t i = 0; i < dims.size(); ++i) {
      check(H5DSattach_scale(ds.get(), scales.at(dims[i]).get(), static_cast<unsigned>(i)),
            "attach dimension scale");
    }
  }

  // The schema's variables this file holds: the selected fields, every step metric and final,
  // and the counterfactual's with a counterfactual arm.
  [[nodiscard]] std::vector<const schema::Variable*> variables() const {
    std::vector<const schema::Variable*> out;
    const auto& f = options.fields;
    for (const auto& v : schema::variables()) {
      if (v.is_field() && std::find(f.begin(), f.end(), v.name) == f.end()) continue;
      if (v.group == schema::Group::Counterfactual && !options.counterfactual) continue;
      out.push_back(&v);
    }
    return out;
  }

  void create_variables() {
    for (const auto* vs : variables()) {
      const std::string name(vs->name);
      const auto dims = dim_names(vs->dims);
      std::vector<hsize_t> shape;
      shape.reserve(dims.size());
      for (const auto& d : dims) shape.push_back(dim_size.at(d));
      Handle ds = make_dataset(name, native(vs->dtype), shape);
      var_shape[name] = shape;
      string_attribute(ds.get(), "units", std::string(vs->units));
      string_attribute(ds.get(), "long_name", std::string(vs->long_name));
      for (std::size_t i = 0; i < dims.size(); ++i) {
        check(H5DSattach_scale(ds.get(), scales.at(dims[i]).get(), static_cast<unsigned>(i)),
              "attach dimension scale");
      }
      vars[name] = std::move(ds);
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
    string_attribute(root, "scenario_hash", schema::scenario_hash(spec));
    numeric_attribute<std::uint64_t>(root, "seed", options.seed);
    numeric_attribute<std::int32_t>(root, "replicates", options.replicates);
    numeric_attribute<std::int32_t>(root, "steps", steps.empty() ? 0 : steps.back());
    numeric_attribute<double>(root, "dt_days", world.dt);
    string_attribute(root, "start_date", spec.run.start_date);
    string_attribute(root, "powershift_version", std::string(schema::version()));
    string_attribute(root, "powershift_build", std::string(schema::build_id()));
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
    std::vector<std::int32_t> index;
    const auto& columns = schema::event_columns();
    std::vector<std::vector<double>> values(columns.size());
    for (const auto& [r, list] : events) {
      for (const auto& e : list) {
        index.push_back(static_cast<std::int32_t>(index.size()));
        for (std::size_t c = 0; c < columns.size(); ++c) {
          values[c].push_back(columns[c].get(r, e, world.dt));
        }
      }
    }
    scales["event"] = write_vector("event", H5T_NATIVE_INT32, index, "", "event index");
    check(H5DSset_scale(scales["event"].get(), "event"), "set dimension scale");
    const std::string time_units = "days since " + world.spec().run.start_date + " 00:00:00";
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& col = columns[c];
      const std::string name(col.name);
      const std::string units = col.units == "time" ? time_units : std::string(col.units);
      Handle ds;
      if (col.dtype == schema::DType::Int32) {
        const std::vector<std::int32_t> ints(values[c].begin(), values[c].end());
        ds = write_vector(name, H5T_NATIVE_INT32, ints, units, std::string(col.long_name));
      } else {
        ds = write_vector(name, H5T_NATIVE_DOUBLE, values[c], units, std::string(col.long_name));
      }
      if (name == "event_kind") {
        std::vector<std::int32_t> flags;
        std::string meanings;
        for (const auto& [code, kind] : schema::event_kinds()) {
          flags.push_back(code);
          meanings += (meanings.empty() ? "" : " ") + std::string(kind);
        }
        const hsize_t n = flags.size();
        Handle space(checked(H5Screate_simple(1, &n, nullptr), "space"), H5Sclose);
        Handle attr(checked(H5Acreate2(ds.get(), "flag_values", H5T_NATIVE_INT32, space.get(),
                                       H5P_DEFAULT, H5P_DEFAULT),
                            "attribute"),
                    H5Aclose);
        check(H5Awrite(attr.get(), H5T_NATIVE_INT32, flags.data()), "write flag_values");
        string_attribute(ds.get(), "flag_meanings", meanings);
      }
      attach(std::move(ds), {"event"});
    }
  }
};

Target output_target(const OutputOptions& options) {
  Target t;
  t.path = options.path;
  t.force = options.force;
  t.inputs = options.inputs;
  return t;
}

void check_output_target(const OutputOptions& options) {
  check_target(output_target(options));
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

const std::string& TrajectoryFile::temporary_path() const {
  return impl_->temp_path;
}

namespace {

// HDF5's shuffle filter: byte j of element i goes to position j * n + i.
void shuffle_bytes(const unsigned char* in, unsigned char* out, std::size_t n, std::size_t size) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < size; ++j) out[j * n + i] = in[i * size + j];
  }
}

}  // namespace

// A replicate's chunks, filtered (shuffle, deflate, Fletcher-32) exactly as HDF5's pipeline would,
// ready for H5Dwrite_chunk. Encoding needs no lock, so ensembles compress in parallel.
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

std::shared_ptr<const EncodedReplicate> TrajectoryFile::encode(
    const ReplicateResult& result) const {
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
        const int z = compress2(c.bytes.data(), &size, shuffled.data(),
                                static_cast<uLong>(shuffled.size()), im.options.deflate_level);
        if (z != Z_OK) {
          throw OutputError("zlib failed to compress a chunk of " + name +
                            (z == Z_MEM_ERROR ? ": out of memory" : ": " + std::to_string(z)));
        }
        c.bytes.resize(size);
      } else {
        c.bytes = std::move(raw);
      }
      h5::append_fletcher32(c.bytes);
      enc->chunks.push_back(std::move(c));
    }
  };
  const auto finals = schema::replicate_finals(im.world, result);
  if (im.options.counterfactual && !finals.has_counterfactual) {
    throw OutputError("counterfactual arm missing");
  }
  for (const auto* var : im.variables()) {
    const auto values = var->values(tr, finals);
    add(std::string(var->name), values.data, schema::dtype_size(var->dtype));
  }
  return enc;
}

void TrajectoryFile::write_encoded(const EncodedReplicate& encoded) {
  h5::silence();
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
  h5::silence();
  auto& im = *impl_;
  const hid_t root = im.file.get();
  numeric_attribute<double>(root, "summary_vacuum_share_final", summary.vacuum_pop_final);
}

void TrajectoryFile::commit() {
  h5::silence();
  auto& im = *impl_;
  im.write_events();
  check(H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL), "flush file");
  im.vars.clear();
  im.scales.clear();
  check(im.file.close(), "close file");  // a failed close leaves no file to move into place
  place(im.temp_path, output_target(im.options));
  im.committed = true;
}

}  // namespace powershift::io
