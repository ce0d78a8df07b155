#include "h5util.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "powershift/output/target.hpp"

namespace powershift::io::h5 {

std::string partial_path(const std::string& final_path) {
  return temporary_path(final_path, "partial");
}

namespace {

// HDF5 1.10 frees a file's structure when H5Fclose fails (a full disk: the close's flush cannot
// write) but keeps its identifier; the library's exit-time teardown then closes that identifier
// again and crashes (SIGSEGV in H5F__close_cb). powershift closes every identifier itself and
// removes a file whose close failed, so the teardown has nothing left to do: it is not
// registered. (H5dont_atexit must precede every other HDF5 call: a static initialiser.)
// The library is initialised here too, while the process holds little memory: libhdf5 1.10
// crashes (SIGSEGV in H5T_close) when an allocation fails during its lazy initialisation, which
// otherwise comes with the first output file, after the scenario and the threads' stacks.
const bool kNoTeardown = [] {
  H5dont_atexit();
  H5open();
  return true;
}();

struct Causes {
  std::string os;         // the driver's "error message = '...'"
  std::string innermost;  // the first description
  bool memory = false;    // an allocation failed somewhere down the stack
  std::string checksum;   // a filter's "data error detected by Fletcher32 checksum"
};

herr_t collect_cause(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* causes = static_cast<Causes*>(data);
  if (err == nullptr || err->desc == nullptr) return 0;
  const std::string desc = err->desc;
  if (causes->innermost.empty()) causes->innermost = desc;
  if (err->min_num == H5E_CANTALLOC || err->min_num == H5E_NOSPACE) causes->memory = true;
  if (desc.find("checksum") != std::string::npos && causes->checksum.empty())
    causes->checksum = desc + " (the file is damaged)";
  const std::string key = "error message = '";
  if (const auto at = desc.find(key); at != std::string::npos && causes->os.empty()) {
    const auto start = at + key.size();
    const auto end = desc.find('\'', start);
    causes->os = desc.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return 0;
}

}  // namespace

void silence() {
  thread_local bool done = false;
  if (!done) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    done = kNoTeardown;
  }
}

void append_fletcher32(std::vector<unsigned char>& chunk) {
  const unsigned char* data = chunk.data();
  std::size_t words = chunk.size() / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  while (words > 0) {
    std::size_t block = std::min<std::size_t>(words, 360);  // no overflow before reducing
    words -= block;
    do {
      sum1 += static_cast<std::uint32_t>((data[0] << 8) | data[1]);
      data += 2;
      sum2 += sum1;
    } while (--block > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (chunk.size() % 2 != 0) {
    sum1 += static_cast<std::uint32_t>(*data << 8);
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  const std::uint32_t sum = (sum2 << 16) | sum1;
  for (int k = 0; k < 4; ++k) chunk.push_back(static_cast<unsigned char>(sum >> (8 * k)));
}

std::string error_cause() {
  Causes causes;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_cause, &causes);
  if (!causes.os.empty()) return ": " + causes.os;
  if (causes.memory) return ": out of memory (" + causes.innermost + ")";
  if (!causes.checksum.empty()) return ": " + causes.checksum;
  if (!causes.innermost.empty()) return ": " + causes.innermost;
  return "";
}

Handle create_netcdf_file(const std::string& path) {
  Handle fapl(checked(H5Pcreate(H5P_FILE_ACCESS), "create file access list"), H5Pclose);
  // netCDF-4 readers need creation order tracked; the 1.8 format keeps files readable widely.
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), "set format");
  Handle fcpl(checked(H5Pcreate(H5P_FILE_CREATE), "create file creation list"), H5Pclose);
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "track creation order");
  check(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "track attribute order");
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (f < 0) throw OutputError("cannot create output file " + path + error_cause());
  return Handle(f, H5Fclose);
}

void string_attribute(hid_t obj, const char* name, const std::string& value) {
  Handle type(checked(H5Tcopy(H5T_C_S1), "create string type"), H5Tclose);
  check(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), "size string type");
  // Null-padded, not null-terminated: the attribute keeps its real length, NUL bytes inside it
  // included (a UTF-16 scenario's text is not cut at its first NUL).
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "pad string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set UTF-8");
  Handle space(checked(H5Screate(H5S_SCALAR), "create scalar space"), H5Sclose);
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  Handle attr(checked(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      "create attribute"),
              H5Aclose);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr.get(), type.get(), padded.data()), "write attribute");
}

std::string read_string_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw InputError(std::string("missing attribute '") + name + "'");
  Handle attr(checked(H5Aopen(obj, name, H5P_DEFAULT), "open attribute"), H5Aclose);
  Handle type(checked(H5Aget_type(attr.get()), "attribute type"), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw InputError(std::string("attribute '") + name + "' is not a string");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    char* buf = nullptr;
    Handle mem(checked(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
    check(H5Tset_size(mem.get(), H5T_VARIABLE), "vlen");
    if (H5Aread(attr.get(), mem.get(), &buf) < 0)
      throw InputError(std::string("cannot read '") + name + "'");
    std::string out = buf ? buf : "";
    H5free_memory(buf);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  std::string out(size, '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) {
    throw InputError(std::string("cannot read attribute '") + name + "'");
  }
  if (H5Tget_strpad(type.get()) == H5T_STR_NULLTERM) {
    const auto end = out.find('\0');
    if (end != std::string::npos) out.resize(end);
  } else {
    // Null padding: only the trailing NULs are padding.
    const auto last = out.find_last_not_of('\0');
    out.resize(last == std::string::npos ? 0 : last + 1);
  }
  return out;
}

}  // namespace powershift::io::h5
