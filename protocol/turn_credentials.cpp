// Being built: see turn_credentials.hpp.
#include "protocol/turn_credentials.hpp"
