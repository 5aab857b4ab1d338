// `dcgan eval`: SWD with its real-vs-real floor, MS-SSIM diversity and the memorisation check
// of generated images against the real ones (flags -> metrics::EvalConfig -> library).
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/log.h"
#include "dcgan/gan/eval_run.h"

namespace dcgan::app {
namespace {

void setup_eval(CLI::App& app) {
  auto config = std::make_shared<metrics::EvalConfig>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Measure generated images against real ones: SWD, diversity, memorisation");
  cmd->add_option("--real", config->real_dir, "Folder of real (training) images")->required();
  cmd->add_option("--fake", config->fake_dir, "Folder of generated images");
  cmd->add_option("--run", config->run_dir, "Run folder: generate --n images from its checkpoint");
  cmd->add_option("--checkpoint", config->checkpoint,
                  "With --run: this checkpoint file instead of the latest");
  cmd->add_option("--n", config->n, "Images per set (the real folder gives up to 2n: two halves)")
      ->capture_default_str();
  cmd->add_option("--size", config->size, "Common image side; 0 = the generated images' side")
      ->capture_default_str();
  cmd->add_option("--seed", config->seed, "Random seed (patches, directions, pairs, generation)")
      ->capture_default_str();
  cmd->add_option("--ms-ssim-pairs", config->ms_ssim_pairs, "At most this many MS-SSIM pairs")
      ->capture_default_str();
  cmd->add_option("--nearest", config->nearest_queries,
                  "Generated images checked for memorisation (0 = off)")
      ->capture_default_str();
  cmd->add_option("--nearest-k", config->nearest_k, "Nearest real images shown per image")
      ->capture_default_str();
  cmd->add_option("--json", config->json_path, "Write the report as JSON to this file");
  cmd->add_option("--grid", config->grid_path,
                  "Nearest-image grid PNG (default: beside --json as <name>-nearest.png)");
  cmd->add_option("--device", config->device, "With --run: auto, cpu or cuda[:N]")
      ->capture_default_str();
  cmd->callback([config] {
    config->validate();
    DCGAN_DEBUG(config->to_string());
    gan::run_eval_command(*config, std::cout);
  });
}

const RegisterCommand kRegister{50, setup_eval};

}  // namespace
}  // namespace dcgan::app
