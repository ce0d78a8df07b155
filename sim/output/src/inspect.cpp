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

std::vector<std::string> read_names(hid_t file, const char* name) {
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) throw InputError(std::string("missing the coordinate variable '") + name + "'");
  Handle ds(d, H5Dclose);
  Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 10000000) throw InputError(std::string("bad size of '") + name + "'");
  Handle type(h5::checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (n > 0 && H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
    throw InputError(std::string("cannot read '") + name + "'");
  }
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

std::vector<hsize_t> dims_of(hid_t file, const char* name) {
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) throw InputError(std::string("missing the variable '") + name + "'");
  Handle ds(d, H5Dclose);
  Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) throw InputError(std::string("bad rank of '") + name + "'");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
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
    const auto cdims = dims_of(file.get(), "control");
    if (cdims.size() != 4 || cdims[2] != regions.size() || cdims[3] != actors.size()) {
      throw InputError(
          "the variable 'control' does not have the layout replicate x time x region x actor");
    }
    const hsize_t reps = cdims[0], times = cdims[1];
    os << "file: " << path << "\n";
    os << "dimensions: replicate = " << reps << ", time = " << times
       << ", region = " << regions.size() << ", actor = " << actors.size() << "\n";
    os << "provenance:\n";
    for (const char* attr :
         {"scenario_name", "scenario_path", "scenario_hash", "start_date", "powershift_version",
          "powershift_build", "command_line", "created", "withdrawing_actor"}) {
      if (H5Aexists(file.get(), attr) > 0) {
        os << "  " << attr << ": " << h5::read_string_attribute(file.get(), attr) << "\n";
      }
    }
    for (const char* attr : {"seed", "replicates", "steps"}) {
      if (H5Aexists(file.get(), attr) > 0) {
        os << "  " << attr << ": " << h5::read_numeric_attribute<std::int64_t>(file.get(), attr)
           << "\n";
      }
    }
    if (reps == 0 || times == 0) return os.str();
    // Final control, averaged over replicates: read the last time slice of each replicate.
    const hid_t d = H5Dopen2(file.get(), "control", H5P_DEFAULT);
    Handle ds(d, H5Dclose);
    Handle space(h5::checked(H5Dget_space(ds.get()), "dataspace"), H5Sclose);
    const hsize_t R = regions.size(), A = actors.size();
    std::vector<double> mean(R * A, 0.0);
    std::vector<float> slab(R * A);
    for (hsize_t r = 0; r < reps; ++r) {
      const hsize_t start[4] = {r, times - 1, 0, 0};
      const hsize_t count[4] = {1, 1, R, A};
      H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
      Handle mem(H5Screate_simple(4, count, nullptr), H5Sclose);
      if (H5Dread(ds.get(), H5T_NATIVE_FLOAT, mem.get(), space.get(), H5P_DEFAULT, slab.data()) <
          0) {
        throw InputError("cannot read 'control' (truncated or corrupt data)");
      }
      for (hsize_t i = 0; i < R * A; ++i)
        mean[i] += static_cast<double>(slab[i]) / static_cast<double>(reps);
    }
    os << "final control (mean over " << reps << " replicate" << (reps == 1 ? "" : "s") << "):\n";
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
  }
  return os.str();
}

}  // namespace powershift::io
