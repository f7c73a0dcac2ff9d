// Being built: see signal_limits.hpp.
#include "protocol/signal_limits.hpp"
