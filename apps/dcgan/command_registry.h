// Subcommand registration. Each cmd_<name>.cpp defines a setup function that adds its
// subcommand (flags and callback) to the CLI11 app, and registers it with one line:
//   static const dcgan::app::RegisterCommand kRegister{30, setup_train};
// `order` sorts `dcgan --help` in pipeline order (crawl, crop, train, sample, ...).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace dcgan::app {

using SetupCommand = void (*)(CLI::App& app);

struct CommandEntry {
  int order;
  SetupCommand setup;
};

std::vector<CommandEntry>& command_registry();

struct RegisterCommand {
  RegisterCommand(int order, SetupCommand setup) { command_registry().push_back({order, setup}); }
};

}  // namespace dcgan::app
