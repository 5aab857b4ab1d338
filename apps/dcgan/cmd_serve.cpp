// `dcgan serve RUN`: a local web page to explore a run's generator and watch it train
// (flags -> ServeConfig -> serve::run_serve). Serves until Ctrl-C.
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/log.h"
#include "dcgan/serve/server.h"

namespace dcgan::app {
namespace {

void setup_serve(CLI::App& app) {
  auto c = std::make_shared<serve::ServeConfig>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "A local web page to explore a run's generator and watch the run train live");
  cmd->add_option("run", c->run_dir, "Run folder (the --out of dcgan train; may still be training)")
      ->required();
  cmd->add_option("--host", c->host, "Address to listen on (loopback: this machine only)")
      ->capture_default_str();
  cmd->add_option("--port", c->port, "Port (0: any free one; the URL printed says which)")
      ->capture_default_str();
  cmd->add_option("--device", c->device, "Where G runs: auto, cpu or cuda[:N]")
      ->capture_default_str();
  cmd->add_option("--threads", c->threads, "Compute threads (0: OMP_NUM_THREADS or every core)")
      ->capture_default_str();
  cmd->add_option("--max-images", c->max_images, "Images one request may ask for")
      ->capture_default_str();
  cmd->add_option("--http-threads", c->http_threads, "Connections served at once")
      ->capture_default_str();
  cmd->add_option("--models-loaded", c->models_loaded, "Checkpoints kept in memory")
      ->capture_default_str();
  cmd->callback([c] {
    DCGAN_DEBUG(c->to_string());
    serve::run_serve(*c, std::cout);
  });
}

const RegisterCommand kRegister{65, setup_serve};

}  // namespace
}  // namespace dcgan::app
