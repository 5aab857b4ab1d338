// dcgan: entry point. Builds the CLI from the registered subcommands, applies the global
// flags (-v/-q), runs the chosen subcommand, and is the only place that turns exceptions into
// one "dcgan: error: ..." line and an exit code (see dcgan::ExitCode).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/error.h"
#include "dcgan/core/heap.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/log.h"
#include "dcgan/kernels/threads.h"
#include "versions.h"

int main(int argc, char** argv) {
  dcgan::keep_freed_memory_for_reuse();
  dcgan::kernels::set_compute_threads(0);  // commands with --threads set their own
  CLI::App app{
      "dcgan — crawl anime illustrations, crop the faces, train a DCGAN on them, and sample,\n"
      "evaluate and report the result.",
      "dcgan"};
  app.set_version_flag("--version", [] { return dcgan::app::version_text(); },
                       "Print the version of dcgan and of the libraries in use, then exit");
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message(CLI::FailureMessage::simple);
  int verbosity = 0;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbosity, "More log output (debug messages)");
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors");

  auto& registry = dcgan::app::command_registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& entry : registry) entry.setup(app);

  app.parse_complete_callback([&] {
    using dcgan::log::Level;
    dcgan::log::set_level(quiet ? Level::kWarn : verbosity > 0 ? Level::kDebug : Level::kInfo);
  });
  dcgan::install_interrupt_handlers();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "dcgan: error: " << e.what() << " (see dcgan --help)\n";
    return static_cast<int>(dcgan::ExitCode::kUsage);
  } catch (const dcgan::Error& e) {
    std::cerr << "dcgan: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "dcgan: internal error: " << e.what() << "\n";
    return static_cast<int>(dcgan::ExitCode::kError);
  }
  return 0;
}
