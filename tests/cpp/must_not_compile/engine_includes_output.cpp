// Must not compile: the engine may not include output headers (output depends on the engine).
#include "powershift/engine/simulation.hpp"
#include "powershift/output/checkpoint.hpp"
