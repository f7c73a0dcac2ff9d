#define BOOST_TEST_MODULE tessera
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
