// Must not compile: the model may not include sweep headers.
#include "powershift/model/state.hpp"
#include "powershift/sweep/spec.hpp"
