// The control case: the same setup with only the part's own headers compiles, so the failures
// of the other cases come from the missing include root and nothing else.
#include "powershift/model/state.hpp"

int powershift_must_not_compile_control() {
  return 0;
}
