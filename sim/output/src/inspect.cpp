#include "powershift/output/inspect.hpp"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "h5util.hpp"
#include "powershift/engine/schema.hpp"

namespace powershift::io {

namespace fs = std::filesystem;
using h5::Handle;

namespace {

void check_read(herr_t status) {
  if (status < 0) {
    throw InputError("cannot read 'control' (truncated or corrupt data)" + h5::error_cause());
  }
}

// inspect follows no links: an external link (which could name a FIFO or a device, or another
// file) or a soft link is refused, so the work stays within the file given.
void require_hard_link(hid_t file, const char* name) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
    throw InputError(std::string("missing the variable '") + name + "'");
  }
  H5L_info_t info;
  if (H5Lget_info(file, name, &info, H5P_DEFAULT) < 0 || info.type != H5L_TYPE_HARD) {
    throw InputError(std::string("'") + name + "' is a link to elsewhere; inspect follows none");
  }
}

Handle open_dataset(hid_t file, const char* name) {
  require_hard_link(file, name);
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) throw InputError(std::string("cannot open the variable '") + name + "'");
  return Handle(d, H5Dclose);
}

// Coordinate names are capped: a file cannot make inspect allocate what it merely states.
constexpr hssize_t kMaxNames = 1000000;
// Elements of 'control' summarised at most (about 1 GiB read): beyond that inspect says so.
constexpr double kMaxElements = 268435456.0;

std::vector<std::string> read_names(hid_t file, const char* name) {
  Handle ds = open_dataset(file, name);
  Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > kMaxNames) throw InputError(std::string("bad size of '") + name + "'");
  Handle type(h5::checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (n > 0 && H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
    throw InputError(std::string("cannot read '") + name + "'" + h5::error_cause());
  }
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

std::vector<hsize_t> dims_of(hid_t file, const char* name) {
  Handle ds = open_dataset(file, name);
  Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) throw InputError(std::string("bad rank of '") + name + "'");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

hsize_t size_of(hid_t file, const char* name) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return 0;
  const auto dims = dims_of(file, name);
  return dims.size() == 1 ? dims[0] : 0;
}

// Mean over every leading axis (member, replicate) of control's last time slice, read in blocks
// of whole leading rows: memory bounded by the block, work by the elements read.
std::vector<double> final_control_mean(hid_t file, const std::vector<hsize_t>& dims, hsize_t R,
                                       hsize_t A, hsize_t* rows_out) {
  Handle ds = open_dataset(file, "control");
  Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
  const std::size_t rank = dims.size();  // leading..., time, region, actor
  hsize_t rows = 1;
  for (std::size_t i = 0; i + 3 < rank; ++i) rows *= dims[i];
  *rows_out = rows;
  std::vector<double> mean(R * A, 0.0);
  const hsize_t times = dims[rank - 3];
  if (rows == 0 || times == 0) return mean;
  if (static_cast<double>(rows) * static_cast<double>(R * A) > kMaxElements) {
    throw InputError("'control' states " + std::to_string(rows) +
                     " replicates' final slices: more than inspect summarises");
  }
  // Blocks along the first axis (replicates, or members of a merged sweep), the rest whole: the
  // memory held is about kBlock values, the work the elements read.
  constexpr hsize_t kBlock = 1u << 22;
  const hsize_t per_first = rows / dims[0] * R * A;  // values under one index of the first axis
  const hsize_t block = std::max<hsize_t>(1, kBlock / std::max<hsize_t>(per_first, 1));
  for (hsize_t o = 0; o < dims[0]; o += block) {
    std::vector<hsize_t> start(rank, 0), count(dims);
    start[0] = o;
    count[0] = std::min(block, dims[0] - o);
    start[rank - 3] = times - 1;
    count[rank - 3] = 1;
    check_read(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                   nullptr));
    Handle mem(
        h5::checked(H5Screate_simple(static_cast<int>(rank), count.data(), nullptr), "dataspace"),
        H5Sclose);
    std::vector<float> slab(count[0] * per_first);
    check_read(
        H5Dread(ds.get(), H5T_NATIVE_FLOAT, mem.get(), space.get(), H5P_DEFAULT, slab.data()));
    for (hsize_t k = 0; k < slab.size(); ++k)
      mean[k % (R * A)] += static_cast<double>(slab[k]) / static_cast<double>(rows);
  }
  return mean;
}

}  // namespace

std::string describe_output(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path + ": no such file");
  if (!fs::is_regular_file(path, ec)) throw InputError(path + ": not a regular file");
  if (fs::file_size(path, ec) == 0)
    throw InputError(path + ": empty file (0 bytes), not a powershift output");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(path + ": not an HDF5 file");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw InputError(path + ": cannot open the HDF5 file (truncated or corrupt?)");
  Handle file(f, H5Fclose);
  std::ostringstream os;
  try {
    const auto regions = read_names(file.get(), "region");
    const auto actors = read_names(file.get(), "actor");
    if (actors.empty()) throw InputError("the actor axis is empty");
    if (regions.empty()) throw InputError("the region axis is empty");
    const hsize_t R = regions.size(), A = actors.size();
    const bool has_control = H5Lexists(file.get(), "control", H5P_DEFAULT) > 0;
    std::vector<hsize_t> cdims;
    if (has_control) {
      cdims = dims_of(file.get(), "control");
      if (cdims.size() < 4 || cdims.size() > 5 || cdims[cdims.size() - 2] != R ||
          cdims.back() != A) {
        throw InputError(
            "the variable 'control' does not have the layout [member x] replicate x time x "
            "region x actor");
      }
    }
    const hsize_t members = size_of(file.get(), "member");
    const hsize_t reps = has_control ? cdims[cdims.size() - 4] : size_of(file.get(), "replicate");
    const hsize_t times = has_control ? cdims[cdims.size() - 3] : size_of(file.get(), "time");
    os << "file: " << path << "\n";
    os << "dimensions: ";
    if (members > 0) os << "member = " << members << ", ";
    os << "replicate = " << reps << ", time = " << times << ", region = " << R << ", actor = " << A
       << "\n";
    os << "provenance:\n";
    for (const char* attr :
         {"scenario_name", "scenario_path", "scenario_hash", "start_date", "powershift_version",
          "powershift_build", "command_line", "created", "withdrawing_actor", "sweep_name"}) {
      if (H5Aexists(file.get(), attr) > 0) {
        os << "  " << attr << ": " << h5::read_string_attribute(file.get(), attr) << "\n";
      }
    }
    if (H5Aexists(file.get(), "seed") > 0) {
      os << "  seed: " << h5::read_numeric_attribute<std::uint64_t>(file.get(), "seed") << "\n";
    }
    for (const char* attr : {"replicates", "steps"}) {
      if (H5Aexists(file.get(), attr) > 0) {
        os << "  " << attr << ": " << h5::read_numeric_attribute<std::int64_t>(file.get(), attr)
           << "\n";
      }
    }
    if (!has_control) {
      os << "final control: not recorded (the file holds no 'control' field)\n";
      return os.str();
    }
    hsize_t rows = 0;
    const auto mean = final_control_mean(file.get(), cdims, R, A, &rows);
    if (rows == 0 || times == 0) return os.str();
    os << "final control (mean over " << rows << (members > 0 ? " member replicate" : " replicate")
       << (rows == 1 ? "" : "s") << "):\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %-16s %-18s %6s %7s\n", "region", "controller", "share",
                  "vacuum");
    os << line;
    for (hsize_t r = 0; r < R; ++r) {
      const double* row = &mean[r * A];
      const auto holder = schema::region_holder(row, static_cast<int>(A));
      double total = 0.0;
      for (hsize_t a = 0; a < A; ++a) total += row[a];
      if (total <= 0.0 && holder.share <= 0.0) continue;  // off-map or empty
      const std::string who = schema::holder_label(holder, actors);
      std::snprintf(line, sizeof line, "  %-16s %-18s %6.2f %7.2f\n", regions[r].c_str(),
                    who.c_str(), holder.share, 1.0 - total);
      os << line;
    }
  } catch (const InputError& e) {
    throw InputError(path + ": not a readable powershift output: " + e.what());
  } catch (const OutputError& e) {
    throw InputError(path + ": not a readable powershift output: " + e.what());
  }
  return os.str();
}

}  // namespace powershift::io
