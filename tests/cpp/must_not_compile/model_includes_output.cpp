// Must not compile: the model may not include an output header (it links only powershift::model,
// whose include root has no powershift/output/). tests/CMakeLists.txt expects the compiler's
// "No such file" for exactly this header.
#include "powershift/model/state.hpp"
#include "powershift/output/hdf5_writer.hpp"
