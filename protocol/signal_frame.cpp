// Being built: see signal_frame.hpp.
#include "protocol/signal_frame.hpp"
