// The output-target policy (target.hpp, docs/cli.md "Output files").
#include "powershift/output/target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "powershift/model/error.hpp"

namespace powershift::io {

namespace fs = std::filesystem;

namespace {

std::string directory_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// The longest tag temporary_path() is given, with the dot around it and a pid's digits.
constexpr std::size_t kTemporarySuffix = std::char_traits<char>::length(".partial.") + 10;

}  // namespace

std::string os_cause(int err) {
  return std::strerror(err);
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string temporary_path(const std::string& final_path, const std::string& tag) {
  const fs::path target(final_path);
  return (fs::path(directory_of(final_path)) /
          ("." + target.filename().string() + "." + tag + "." + std::to_string(::getpid())))
      .string();
}

void check_target(const Target& t) {
  const std::string& path = t.path;
  if (path.empty()) throw InputError(t.role + ": the path is empty");
  const fs::path target(path);
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw InputError(path + ": is a directory; give the " + t.role + " a file name");
  }
  if (path.size() >= PATH_MAX) throw OutputError(path + ": " + os_cause(ENAMETOOLONG));
  const std::string dir = directory_of(path);
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      throw InputError(t.role + " directory does not exist: " + dir);
    }
    throw OutputError(t.role + " " + path + ": cannot use the directory " + dir + ": " +
                      os_cause(err));
  }
  if (!S_ISDIR(ds.st_mode)) throw InputError(t.role + " directory is not a directory: " + dir);
  long name_max = ::pathconf(dir.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = NAME_MAX;
  if (name.size() > static_cast<std::size_t>(name_max)) {
    throw OutputError(path + ": " + os_cause(ENAMETOOLONG) + " (" + std::to_string(name.size()) +
                      " characters; the directory allows " + std::to_string(name_max) + ")");
  }
  if (name.size() + 1 + kTemporarySuffix > static_cast<std::size_t>(name_max)) {
    throw OutputError(path + ": " + os_cause(ENAMETOOLONG) + " (the name, " +
                      std::to_string(name.size()) +
                      " characters, leaves no room for the temporary name it is written under; "
                      "the directory allows " +
                      std::to_string(name_max) + ")");
  }
  struct stat ts {};
  if (::stat(path.c_str(), &ts) == 0) {
    if (S_ISDIR(ts.st_mode)) {
      throw InputError(path + ": is a directory; give the " + t.role + " a file name");
    }
    if (!S_ISREG(ts.st_mode)) {
      throw InputError(path + ": is not a regular file (a device, FIFO or socket); powershift " +
                       "writes only regular files and never replaces anything else");
    }
    for (const auto& input : t.inputs) {
      if (!input.empty() && same_file(path, input)) {
        std::string message = path;
        message += ": is an input of this run (";
        message += input;
        message += "); an input is never overwritten, --force or not";
        throw InputError(message);
      }
    }
    if (!t.force) {
      throw InputError(t.role + " exists: " + path + " (use --force to replace it)");
    }
  } else if (errno == ELOOP) {
    throw InputError(path + ": symlink loop (" + os_cause(ELOOP) + ")");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw OutputError("cannot write the " + t.role + " " + path + " in " + dir + ": " +
                      os_cause(errno));
  }
}

void place(const std::string& temporary, const Target& t) {
  auto fail = [&](const std::string& message) {
    ::unlink(temporary.c_str());
    throw OutputError(message);
  };
  if (t.force) {
    struct stat ts {};
    if (::stat(t.path.c_str(), &ts) == 0 && !S_ISREG(ts.st_mode)) {
      fail(t.path + ": is not a regular file; it was not replaced");
    }
    if (::rename(temporary.c_str(), t.path.c_str()) != 0) {
      fail("cannot move the " + t.role + " into place at " + t.path + ": " + os_cause(errno));
    }
    return;
  }
  // Without --force, never replace: two runs to one target cannot both succeed.
  if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, t.path.c_str(), RENAME_NOREPLACE) == 0)
    return;
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {  // a file system without RENAME_NOREPLACE
    if (::link(temporary.c_str(), t.path.c_str()) == 0) {
      ::unlink(temporary.c_str());
      return;
    }
    err = errno;
  }
  if (err == EEXIST) {
    fail(t.role + " exists: " + t.path +
         " (created by another process while this one ran; nothing was replaced, and this "
         "result is discarded; use --force to replace it)");
  }
  fail("cannot move the " + t.role + " into place at " + t.path + ": " + os_cause(err));
}

void write_text(const Target& t, const std::string& text) {
  check_target(t);
  const std::string temp = temporary_path(t.path, "writing");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw OutputError("cannot create " + temp + ": " + os_cause(errno));
  auto fail = [&](int err) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw OutputError("cannot write the " + t.role + " " + t.path + ": " + os_cause(err));
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) fail(errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw OutputError("cannot write the " + t.role + " " + t.path + ": " + os_cause(err));
  }
  place(temp, t);
}

}  // namespace powershift::io
