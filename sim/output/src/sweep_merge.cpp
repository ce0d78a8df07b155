#include "powershift/output/sweep_merge.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <filesystem>
#include <map>

#include "h5util.hpp"
#include "powershift/engine/schema.hpp"
#include "powershift/model/error.hpp"
#include "powershift/output/hdf5_writer.hpp"
#include "powershift/output/target.hpp"

namespace powershift::io {
namespace fs = std::filesystem;
using h5::check;
using h5::checked;
using h5::Handle;
using h5::string_attribute;

namespace {

herr_t scale_name(hid_t /*did*/, unsigned /*dim*/, hid_t dsid, void* out) {
  char buf[256] = {0};
  if (H5DSget_scale_name(dsid, buf, sizeof buf) < 0) return -1;
  *static_cast<std::string*>(out) = buf;
  return 1;  // stop: the first scale names the dimension
}

struct Source {
  Handle file;
  std::string path;
};

Source open_member(const std::string& path) {
  Source s;
  s.path = path;
  // The signature first, as inspect and checkpoints do: H5Fopen on a file that is not HDF5
  // leaks inside libhdf5 1.10 (LeakSanitizer sees it).
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw InputError(path + ": is not an HDF5 file (corrupt or truncated?)");
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw InputError(path + ": cannot be opened as an HDF5 file (corrupt or truncated?)");
  s.file = Handle(f, H5Fclose);
  return s;
}

// A member file must be the file of its design row: its seed and command line (which names the
// parameter values and the member's own file) as the design gives them. A file swapped in from
// another member, or from another sweep, is refused.
void check_member(const Source& s, const MergeMember& m) {
  const hid_t f = s.file.get();
  if (H5Aexists(f, "seed") <= 0 || H5Aexists(f, "command_line") <= 0) {
    throw InputError(s.path + ": not a powershift output (no seed or command_line attribute)");
  }
  const auto seed = h5::read_numeric_attribute<std::uint64_t>(f, "seed");
  if (seed != m.seed) {
    throw InputError(s.path + ": member " + std::to_string(m.index) + "'s file has seed " +
                     std::to_string(seed) + ", its design row has " + std::to_string(m.seed) +
                     " (a file from another member or sweep?); rerun the member");
  }
  if (!m.command_line.empty() && h5::read_string_attribute(f, "command_line") != m.command_line) {
    throw InputError(s.path + ": member " + std::to_string(m.index) +
                     "'s file was written with other parameter values than its design row (a "
                     "file from another member or sweep?); rerun the member");
  }
}

struct VariableInfo {
  std::vector<std::string> dims;
  std::vector<hsize_t> shape;
  Handle native;  // memory type
  std::size_t element = 0;
  std::map<std::string, std::string> text_attrs;
};

VariableInfo describe(const Source& src, const std::string& name) {
  if (H5Lexists(src.file.get(), name.c_str(), H5P_DEFAULT) <= 0) {
    throw InputError(src.path + ": has no variable '" + name +
                     "' (was it recorded? see record.fields)");
  }
  Handle ds(checked(H5Dopen2(src.file.get(), name.c_str(), H5P_DEFAULT), "open dataset"), H5Dclose);
  VariableInfo v;
  Handle space(checked(H5Dget_space(ds.get()), "get dataspace"), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  v.shape.resize(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), v.shape.data(), nullptr);
  const bool is_scale = H5DSis_scale(ds.get()) > 0;
  for (int i = 0; i < rank; ++i) {
    std::string dim;
    if (is_scale) dim = name;  // a dimension's own coordinate
    if (!is_scale && H5DSget_num_scales(ds.get(), static_cast<unsigned>(i)) > 0) {
      H5DSiterate_scales(ds.get(), static_cast<unsigned>(i), nullptr, scale_name, &dim);
    }
    if (dim.empty())
      throw InputError(src.path + ": variable '" + name + "' has an unnamed dimension");
    v.dims.push_back(dim);
  }
  Handle ftype(checked(H5Dget_type(ds.get()), "get type"), H5Tclose);
  v.native =
      Handle(checked(H5Tget_native_type(ftype.get(), H5T_DIR_ASCEND), "native type"), H5Tclose);
  v.element = H5Tget_size(v.native.get());
  for (const char* a : {"units", "long_name", "calendar", "flag_values", "flag_meanings"}) {
    if (H5Aexists(ds.get(), a) > 0) {
      try {
        v.text_attrs[a] = h5::read_string_attribute(ds.get(), a);
      } catch (const InputError&) {
      }
    }
  }
  return v;
}

// A dataset's values in memory. Variable-length strings point into memory HDF5 allocated; it is
// released when the Values go, whichever way the merge ends.
class Values {
 public:
  Values(const VariableInfo& v, std::size_t count)
      : bytes_(count * v.element), count_(count), vlen_(H5Tis_variable_str(v.native.get()) > 0) {
    if (vlen_) type_ = Handle(checked(H5Tcopy(v.native.get()), "copy type"), H5Tclose);
  }
  Values(const Values&) = delete;
  Values& operator=(const Values&) = delete;
  Values(Values&& o) noexcept
      : bytes_(std::move(o.bytes_)),
        type_(std::move(o.type_)),
        count_(o.count_),
        vlen_(o.vlen_),
        filled_(o.filled_) {
    o.filled_ = false;
  }
  Values& operator=(Values&&) = delete;
  ~Values() {
    if (!vlen_ || !filled_ || count_ == 0) return;
    const hsize_t n = count_;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    if (space >= 0) {
      H5Dvlen_reclaim(type_.get(), space, H5P_DEFAULT, bytes_.data());
      H5Sclose(space);
    }
  }
  [[nodiscard]] char* data() { return bytes_.data(); }
  [[nodiscard]] const char* data() const { return bytes_.data(); }
  void filled() { filled_ = true; }
  // Byte equality: meaningful for numbers, not for variable-length strings (pointers).
  [[nodiscard]] bool same_bytes(const Values& o) const { return bytes_ == o.bytes_; }

 private:
  std::vector<char> bytes_;
  Handle type_;
  std::size_t count_;
  bool vlen_;
  bool filled_ = false;
};

Values read_all(const Source& src, const std::string& name, const VariableInfo& v) {
  Handle ds(checked(H5Dopen2(src.file.get(), name.c_str(), H5P_DEFAULT), "open dataset"), H5Dclose);
  std::size_t n = 1;
  for (auto s : v.shape) n *= s;
  Values values(v, n);
  if (n > 0 &&
      H5Dread(ds.get(), v.native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    throw InputError(src.path + ": variable '" + name + "' cannot be read (corrupt file?)" +
                     h5::error_cause());
  }
  values.filled();
  return values;
}

class MergedFile {
 public:
  explicit MergedFile(io::Target target) : target_(std::move(target)) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    check_target(target_);  // the same policy as a run's output
    temp_ = h5::partial_path(target_.path);
    file_ = h5::create_netcdf_file(temp_);
  }
  MergedFile(const MergedFile&) = delete;
  MergedFile& operator=(const MergedFile&) = delete;
  ~MergedFile() {
    if (committed_) return;
    scales_.clear();
    file_.reset();
    std::error_code ec;
    fs::remove(temp_, ec);
  }
  [[nodiscard]] hid_t id() const { return file_.get(); }

  Handle create(const std::string& name, hid_t type, const std::vector<hsize_t>& shape,
                int deflate) {
    Handle space(checked(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                         "dataspace"),
                 H5Sclose);
    Handle dcpl(checked(H5Pcreate(H5P_DATASET_CREATE), "dataset list"), H5Pclose);
    check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "order");
    bool empty = false;
    for (auto s : shape) empty = empty || s == 0;
    if (shape.size() >= 2 && !empty) {
      std::vector<hsize_t> chunk = shape;
      chunk[0] = 1;
      check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "chunk");
      if (deflate > 0) {
        check(H5Pset_shuffle(dcpl.get()), "shuffle");
        check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate)), "deflate");
      }
      check(H5Pset_fletcher32(dcpl.get()), "checksum");  // damaged chunks detected at read
    }
    const hid_t ds = H5Dcreate2(file_.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT);
    if (ds < 0) throw OutputError("HDF5: cannot create dataset " + name);
    return Handle(ds, H5Dclose);
  }

  void scale(const std::string& dim, Handle ds) {
    check(H5DSset_scale(ds.get(), dim.c_str()), "set dimension scale");
    scales_[dim] = std::move(ds);
  }
  void attach(hid_t ds, const std::vector<std::string>& dims) {
    for (std::size_t i = 0; i < dims.size(); ++i) {
      check(H5DSattach_scale(ds, scales_.at(dims[i]).get(), static_cast<unsigned>(i)),
            "attach dimension scale");
    }
  }
  [[nodiscard]] bool has_scale(const std::string& dim) const { return scales_.count(dim) > 0; }

  void commit() {
    check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush");
    scales_.clear();
    check(file_.close(), "close the merged file");
    place(temp_, target_);
    committed_ = true;
  }

 private:
  io::Target target_;
  std::string temp_;
  Handle file_;
  std::map<std::string, Handle> scales_;
  bool committed_ = false;
};

Handle vlen_string_type() {
  Handle type(checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "vlen string");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "utf8");
  return type;
}

void write_strings(MergedFile& out, const std::string& name, const std::vector<std::string>& values,
                   Handle* keep) {
  Handle type = vlen_string_type();
  Handle ds = out.create(name, type.get(), {values.size()}, 0);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (!values.empty())
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
          "write strings");
  *keep = std::move(ds);
}

}  // namespace

void merge_sweep(const MergeInput& in) {
  if (in.members.empty()) throw InputError("no members to merge");
  if (!in.missing.empty()) {
    // Callers decide whether a partial merge is allowed; the file says what is missing.
  }
  const Source first = open_member(in.members.front().file);
  std::map<std::string, VariableInfo> info;
  for (const auto& name : in.variables) info.emplace(name, describe(first, name));

  io::Target merged;
  merged.path = in.output;
  merged.force = in.force;
  merged.inputs = in.inputs;
  merged.role = "merged file";
  for (const auto& m : in.members) merged.inputs.push_back(m.file);
  MergedFile out(merged);
  const hsize_t m_count = in.members.size();
  {
    std::vector<std::int64_t> idx;
    for (const auto& m : in.members) idx.push_back(m.index);
    Handle ds = out.create("member", H5T_NATIVE_INT64, {m_count}, 0);
    check(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx.data()),
          "write member");
    string_attribute(ds.get(), "long_name", "sweep member index (row of the design table)");
    out.scale("member", std::move(ds));
  }
  {
    std::vector<std::string> names;
    for (const auto& p : in.parameters) names.push_back(p.name);
    Handle ds;
    write_strings(out, "parameter", names, &ds);
    string_attribute(ds.get(), "long_name", "sweep parameter name");
    out.scale("parameter", std::move(ds));
  }
  // The member files' coordinates for every dimension the kept variables use.
  for (const auto& [name, v] : info) {
    for (const auto& dim : v.dims) {
      if (out.has_scale(dim)) continue;
      const VariableInfo dv = describe(first, dim);
      const auto data = read_all(first, dim, dv);
      Handle ds = out.create(dim, dv.native.get(), dv.shape, 0);
      if (!dv.shape.empty() && dv.shape[0] > 0) {
        check(H5Dwrite(ds.get(), dv.native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
              "write coordinate");
      }
      for (const auto& [k, t] : dv.text_attrs) string_attribute(ds.get(), k.c_str(), t);
      out.scale(dim, std::move(ds));
    }
  }
  // The member files' auxiliary coordinates of those dimensions (region population, value,
  // position; actor kind; step), so that a merged file can be weighted like a run's.
  std::map<std::string, std::string> aux_of_dim;  // dim -> space-separated names
  std::string varying;  // auxiliary coordinates that differ between members, left out
  struct Aux {
    std::string name, dim;
    VariableInfo info;
    Values data;
    bool same = true;
  };
  std::vector<Aux> aux;
  for (const auto& coordinate : schema::aux_coordinates()) {
    const std::string name(coordinate.name);
    const std::string dim(schema::dim_name(coordinate.dim));
    if (!out.has_scale(dim) || H5Lexists(first.file.get(), name.c_str(), H5P_DEFAULT) <= 0)
      continue;
    VariableInfo av = describe(first, name);
    if (av.dims != std::vector<std::string>{dim}) continue;
    auto data = read_all(first, name, av);
    aux.push_back({name, dim, std::move(av), std::move(data), true});
  }
  // A parameter may change them (a region's population): then one value per region would be
  // wrong for some members, and such a coordinate is left out (the member files keep theirs).
  // Each member file is opened once; strings (actor kinds) are not compared.
  for (std::size_t i = 1; i < in.members.size(); ++i) {
    bool open_needed = false;
    for (const auto& x : aux)
      open_needed = open_needed || (x.same && H5Tis_variable_str(x.info.native.get()) <= 0);
    if (!open_needed) break;
    const Source src = open_member(in.members[i].file);
    for (auto& x : aux) {
      if (!x.same || H5Tis_variable_str(x.info.native.get()) > 0) continue;
      if (H5Lexists(src.file.get(), x.name.c_str(), H5P_DEFAULT) <= 0) {
        x.same = false;
        continue;
      }
      const VariableInfo mv = describe(src, x.name);
      x.same = mv.shape == x.info.shape && read_all(src, x.name, mv).same_bytes(x.data);
    }
  }
  for (auto& x : aux) {
    if (!x.same) {
      varying += (varying.empty() ? "" : " ") + x.name;
      continue;
    }
    const auto& av = x.info;
    Handle ds = out.create(x.name, av.native.get(), av.shape, 0);
    if (!av.shape.empty() && av.shape[0] > 0) {
      check(H5Dwrite(ds.get(), av.native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, x.data.data()),
            "write coordinate");
    }
    for (const auto& [k, t] : av.text_attrs) string_attribute(ds.get(), k.c_str(), t);
    out.attach(ds.get(), {x.dim});
    auto& names = aux_of_dim[x.dim];
    names += (names.empty() ? "" : " ") + x.name;
  }
  // Parameters and seeds as coordinates along `member`.
  std::string coordinates = "seed";
  {
    std::vector<std::uint64_t> seeds;
    for (const auto& m : in.members) seeds.push_back(m.seed);
    Handle ds = out.create("seed", H5T_NATIVE_UINT64, {m_count}, 0);
    check(H5Dwrite(ds.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, seeds.data()),
          "write seed");
    string_attribute(ds.get(), "long_name",
                     "the member's random seed (its replicates use keys (seed, r))");
    out.attach(ds.get(), {"member"});
  }
  for (std::size_t p = 0; p < in.parameters.size(); ++p) {
    const auto& par = in.parameters[p];
    Handle ds;
    if (par.numeric) {
      std::vector<double> values;
      for (const auto& m : in.members) values.push_back(m.numbers[p]);
      ds = out.create(par.name, H5T_NATIVE_DOUBLE, {m_count}, 0);
      check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
            "write parameter");
    } else {
      std::vector<std::string> labels;
      for (const auto& m : in.members) labels.push_back(m.labels[p]);
      write_strings(out, par.name, labels, &ds);
    }
    string_attribute(ds.get(), "long_name",
                     "sweep parameter " + par.name + " (scenario path " + par.path + ")");
    string_attribute(ds.get(), "scenario_path", par.path);
    string_attribute(ds.get(), "distribution", par.distribution);
    out.attach(ds.get(), {"member"});
    coordinates += " " + par.name;
  }
  {
    std::vector<double> unit;
    for (const auto& m : in.members) unit.insert(unit.end(), m.unit.begin(), m.unit.end());
    Handle ds = out.create("design_unit", H5T_NATIVE_DOUBLE, {m_count, in.parameters.size()}, 0);
    check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, unit.data()),
          "write design");
    string_attribute(
        ds.get(), "long_name",
        "the member's design coordinates in [0, 1] (the sample before values are mapped)");
    string_attribute(ds.get(), "coordinates", coordinates);
    out.attach(ds.get(), {"member", "parameter"});
  }
  // The variables: created first, then filled member by member, each member file opened once.
  struct Copy {
    std::string name;
    const VariableInfo* info;
    Handle ds, fspace, mspace;
  };
  std::vector<Copy> targets;
  for (const auto& name : in.variables) {
    const auto& v = info.at(name);
    std::vector<hsize_t> shape{m_count};
    shape.insert(shape.end(), v.shape.begin(), v.shape.end());
    std::vector<std::string> dims{"member"};
    dims.insert(dims.end(), v.dims.begin(), v.dims.end());
    Handle ds = out.create(name, v.native.get(), shape, in.deflate_level);
    for (const auto& [k, t] : v.text_attrs) string_attribute(ds.get(), k.c_str(), t);
    std::string coords = coordinates;
    for (const auto& dim : v.dims) {
      if (const auto it = aux_of_dim.find(dim); it != aux_of_dim.end()) coords += " " + it->second;
    }
    string_attribute(ds.get(), "coordinates", coords);
    out.attach(ds.get(), dims);
    Handle fspace(checked(H5Dget_space(ds.get()), "space"), H5Sclose);
    Handle mspace(
        checked(H5Screate_simple(static_cast<int>(v.shape.size()), v.shape.data(), nullptr),
                "space"),
        H5Sclose);
    targets.push_back({name, &v, std::move(ds), std::move(fspace), std::move(mspace)});
  }
  for (hsize_t i = 0; i < m_count; ++i) {
    const auto& member = in.members[i];
    const Source src = i == 0 ? Source{} : open_member(member.file);
    const Source& s = i == 0 ? first : src;
    check_member(s, member);
    for (auto& t : targets) {
      const VariableInfo mv = describe(s, t.name);
      if (mv.shape != t.info->shape || mv.dims != t.info->dims) {
        throw InputError(member.file + ": variable '" + t.name + "' has another shape than in " +
                         first.path + " (do parameters change the regions, actors or steps?)");
      }
      const auto data = read_all(s, t.name, mv);
      std::vector<hsize_t> start(t.info->shape.size() + 1, 0);
      std::vector<hsize_t> count{1};
      count.insert(count.end(), t.info->shape.begin(), t.info->shape.end());
      start[0] = i;
      check(H5Sselect_hyperslab(t.fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                nullptr),
            "select");
      check(H5Dwrite(t.ds.get(), t.info->native.get(), t.mspace.get(), t.fspace.get(), H5P_DEFAULT,
                     data.data()),
            "write member");
    }
  }
  const hid_t root = out.id();
  string_attribute(root, "title", "powershift sweep: " + in.sweep_name);
  string_attribute(root, "Conventions", "CF-1.8");
  string_attribute(root, "sweep_name", in.sweep_name);
  string_attribute(root, "sweep_spec", in.sweep_spec_text);
  string_attribute(root, "design", in.design);
  h5::numeric_attribute<std::int64_t>(root, "design_members", in.design_members);
  h5::numeric_attribute<std::int64_t>(root, "design_samples", in.samples);
  h5::numeric_attribute<std::int32_t>(root, "design_second_order", in.second_order ? 1 : 0);
  h5::numeric_attribute<std::int32_t>(root, "design_levels", in.levels);
  std::string missing;
  for (auto m : in.missing) missing += (missing.empty() ? "" : " ") + std::to_string(m);
  string_attribute(root, "missing_members", missing);
  string_attribute(root, "varying_coordinates", varying);
  string_attribute(root, "command_line", in.command_line);
  for (const char* a : {"scenario_name", "start_date", "powershift_version", "withdrawing_actor",
                        "recorded_fields"}) {
    if (H5Aexists(first.file.get(), a) > 0)
      string_attribute(root, a, h5::read_string_attribute(first.file.get(), a));
  }
  for (const char* a : {"replicates", "steps"}) {
    if (H5Aexists(first.file.get(), a) > 0)
      h5::numeric_attribute<std::int32_t>(
          root, a, h5::read_numeric_attribute<std::int32_t>(first.file.get(), a));
  }
  if (H5Aexists(first.file.get(), "dt_days") > 0)
    h5::numeric_attribute<double>(root, "dt_days",
                                  h5::read_numeric_attribute<double>(first.file.get(), "dt_days"));
  out.commit();
}

}  // namespace powershift::io
