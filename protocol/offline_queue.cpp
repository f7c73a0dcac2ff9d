// Being built: see offline_queue.hpp.
#include "protocol/offline_queue.hpp"
