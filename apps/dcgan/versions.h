// The text of `dcgan --version`: project version and the libraries actually in use.
#pragma once

#include <string>

namespace dcgan::app {
std::string version_text();
}
