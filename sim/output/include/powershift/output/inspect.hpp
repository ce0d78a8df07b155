#pragma once
// Reading an output file back for `powershift inspect`: dimensions, provenance and the final
// control table. Corrupt, truncated or foreign files raise InputError with a clear message.
#include <string>

namespace powershift::io {

std::string describe_output(const std::string& path);

}  // namespace powershift::io
