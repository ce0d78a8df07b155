#pragma once
// The output-target policy every command that writes a file follows (docs/cli.md "Output
// files"): the target is a regular file or nothing; never a file the run reads; its directory
// exists and is writable, and its name fits, before any work starts; the file is written under a
// temporary name in the same directory and moved into place whole, without --force never
// replacing a file (so two runs to one target cannot both succeed), with --force replacing only
// a regular file.
#include <string>
#include <vector>

namespace powershift::io {

struct Target {
  std::string path;
  bool force = false;                // replace an existing regular file
  std::vector<std::string> inputs;   // files the command reads: never a target, --force or not
  std::string role = "output file";  // how messages name the target
};

// Throws InputError when the target breaks the policy (a directory, a device, an input of the
// run, an existing file without force, a missing directory), OutputError with the OS cause when
// its directory cannot be written (read-only, permissions) or the name is too long.
void check_target(const Target& target);

// DIR/.NAME.TAG.PID: where the target is written before it is moved into place.
std::string temporary_path(const std::string& final_path, const std::string& tag);

// Moves the complete temporary file into place (see above); removes it when that fails. Throws
// OutputError naming the OS cause, e.g. "output file exists" when another process created the
// target meanwhile and force is not set.
void place(const std::string& temporary, const Target& target);

// Writes `text` to the target by the policy: checked, written to a temporary file, synced and
// moved into place. Throws OutputError naming the OS cause (a full disk leaves nothing behind).
void write_text(const Target& target, const std::string& text);

// strerror(err) as a string.
std::string os_cause(int err);

// True when `a` and `b` name the same existing file (same device and inode).
bool same_file(const std::string& a, const std::string& b);

}  // namespace powershift::io
