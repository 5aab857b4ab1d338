// The registry behind RegisterCommand (a function-local static avoids init-order issues).
#include "command_registry.h"

namespace dcgan::app {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

}  // namespace dcgan::app
