// Being built: see ws_client.hpp.
#include "tools/testkit/ws_client.hpp"
