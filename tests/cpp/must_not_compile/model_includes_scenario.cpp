// Must not compile: the model may not include the scenario language (YAML lives there).
#include "powershift/model/state.hpp"
#include "powershift/scenario/loader.hpp"
