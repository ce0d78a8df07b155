#pragma once
// Small RAII and typed helpers over the HDF5 C API, shared by the io layer's files.
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "powershift/model/error.hpp"
#include "powershift/model/state.hpp"

namespace powershift::io::h5 {

// Errors become exceptions, not stderr noise: HDF5's automatic error printing is per thread, so
// every entry point that may run on a worker thread calls this first.
void silence();

// ": CAUSE" for HDF5's last failure on this thread: the OS error its file driver recorded
// ("No space left on device", "Read-only file system"), else the innermost message; "" if none.
std::string error_cause();

inline void check(herr_t status, const char* what) {
  if (status < 0) throw OutputError(std::string("HDF5: failed to ") + what + error_cause());
}
// HDF5's Fletcher-32 checksum (H5_checksum_fletcher32: 16-bit big-endian words, a trailing odd
// byte as the high half of a word), appended little-endian to a chunk written with
// H5Dwrite_chunk on a dataset whose pipeline ends with H5Pset_fletcher32, exactly as the filter
// itself would append it: readers (HDF5, h5py, netCDF) then detect a damaged chunk.
void append_fletcher32(std::vector<unsigned char>& chunk);

inline hid_t checked(hid_t id, const char* what) {
  if (id < 0) throw OutputError(std::string("HDF5: failed to ") + what + error_cause());
  return id;
}

// Owns an HDF5 identifier.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
  ~Handle() { reset(); }
  void reset() { (void)close(); }
  // Closes now; the status of the close (a file's close flushes, and fails on a full disk).
  herr_t close() {
    herr_t status = 0;
    if (id_ >= 0 && close_) status = close_(id_);
    id_ = -1;
    return status;
  }
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, int>)
    return H5T_NATIVE_INT32;
  else
    static_assert(sizeof(T) == 0, "unsupported HDF5 element type");
}

inline Handle create_group(hid_t parent, const std::string& name) {
  return Handle(checked(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "create group"),
                H5Gclose);
}

inline Handle open_group(hid_t parent, const std::string& name) {
  const hid_t g = H5Gopen2(parent, name.c_str(), H5P_DEFAULT);
  if (g < 0) throw InputError("checkpoint is missing the group '" + name + "'");
  return Handle(g, H5Gclose);
}

inline bool exists(hid_t parent, const std::string& name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

// Writes a 1-D (rows = 0) or 2-D dataset of T.
template <class T>
void write(hid_t parent, const std::string& name, const T* data, hsize_t n, hsize_t rows = 0) {
  const hsize_t dims2[2] = {rows, rows ? n / rows : 0};
  const hsize_t dims1[1] = {n};
  Handle space(
      checked(rows ? H5Screate_simple(2, dims2, nullptr) : H5Screate_simple(1, dims1, nullptr),
              "create dataspace"),
      H5Sclose);
  // Chunked with a Fletcher-32 checksum (a damaged checkpoint is refused, not resumed): chunks
  // of whole rows, about 1 MiB each.
  Handle dcpl(checked(H5Pcreate(H5P_DATASET_CREATE), "create dataset list"), H5Pclose);
  if (n > 0) {
    const hsize_t per_row = rows ? n / rows : 1;
    const hsize_t length = rows ? rows : n;
    const hsize_t fit = std::max<hsize_t>(1, (hsize_t{1} << 20) / (sizeof(T) * per_row));
    const hsize_t chunk2[2] = {std::min(length, fit), per_row};
    const hsize_t chunk1[1] = {std::min(length, fit)};
    check(H5Pset_chunk(dcpl.get(), rows ? 2 : 1, rows ? chunk2 : chunk1), "chunk");
    check(H5Pset_fletcher32(dcpl.get()), "checksum");
  }
  Handle ds(checked(H5Dcreate2(parent, name.c_str(), native_type<T>(), space.get(), H5P_DEFAULT,
                               dcpl.get(), H5P_DEFAULT),
                    "create dataset"),
            H5Dclose);
  if (n > 0)
    check(H5Dwrite(ds.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write");
}

template <class T>
void write(hid_t parent, const std::string& name, const std::vector<T>& v) {
  write(parent, name, v.data(), v.size());
}

inline void write(hid_t parent, const std::string& name, const Field& f) {
  write(parent, name, f.data(), static_cast<hsize_t>(f.size()), static_cast<hsize_t>(f.rows()));
}

// Reads a dataset of T; its element count must be `expect` unless expect < 0.
template <class T>
std::vector<T> read(hid_t parent, const std::string& name, long long expect = -1) {
  const hid_t d = H5Dopen2(parent, name.c_str(), H5P_DEFAULT);
  if (d < 0) throw InputError("checkpoint is missing the dataset '" + name + "'");
  Handle ds(d, H5Dclose);
  Handle space(checked(H5Dget_space(ds.get()), "get dataspace"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || (expect >= 0 && n != expect)) {
    throw InputError("checkpoint dataset '" + name + "' has " + std::to_string(n) +
                     " elements, expected " + std::to_string(expect));
  }
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(ds.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
    throw InputError("checkpoint dataset '" + name + "' cannot be read" + error_cause());
  }
  return out;
}

inline Field read_field(hid_t parent, const std::string& name, int rows, int cols) {
  const auto v = read<double>(parent, name, static_cast<long long>(rows) * cols);
  Field f(rows, cols);
  std::copy(v.begin(), v.end(), f.data());
  return f;
}

// The temporary name an output is written under before it is renamed into place:
// DIR/.NAME.partial.PID, so that a killed writer never leaves a file that looks complete.
std::string partial_path(const std::string& final_path);

// Creates (truncates) an HDF5 file for netCDF-4 readers: link and attribute creation order
// tracked, the 1.8 format for wide readability. Throws OutputError naming the path.
Handle create_netcdf_file(const std::string& path);

void string_attribute(hid_t obj, const char* name, const std::string& value);
std::string read_string_attribute(hid_t obj, const char* name);

template <class T>
void numeric_attribute(hid_t obj, const char* name, T value) {
  Handle space(checked(H5Screate(H5S_SCALAR), "create scalar space"), H5Sclose);
  Handle attr(
      checked(H5Acreate2(obj, name, native_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              "create attribute"),
      H5Aclose);
  check(H5Awrite(attr.get(), native_type<T>(), &value), "write attribute");
}

template <class T>
T read_numeric_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw InputError(std::string("missing attribute '") + name + "'");
  Handle attr(checked(H5Aopen(obj, name, H5P_DEFAULT), "open attribute"), H5Aclose);
  T value{};
  if (H5Aread(attr.get(), native_type<T>(), &value) < 0) {
    throw InputError(std::string("cannot read attribute '") + name + "'");
  }
  return value;
}

}  // namespace powershift::io::h5
