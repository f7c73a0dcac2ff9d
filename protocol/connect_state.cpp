// Being built: see connect_state.hpp.
#include "protocol/connect_state.hpp"
