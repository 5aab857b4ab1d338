// `dcgan synth`: writes the embedded synthetic face set (flags -> SynthConfig -> library).
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/log.h"
#include "dcgan/vision/synth_faces.h"

namespace dcgan::app {
namespace {

void setup_synth(CLI::App& app) {
  auto config = std::make_shared<vision::SynthConfig>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Draw the synthetic anime-face demo set (no download needed)");
  cmd->add_option("--out", config->out_dir, "Folder to write the images to")->required();
  cmd->add_option("--n", config->n, "Number of images")->capture_default_str();
  cmd->add_option("--size", config->size, "Image side in pixels")->capture_default_str();
  cmd->add_option("--seed", config->seed, "Random seed; the same seed gives the same files")
      ->capture_default_str();
  cmd->add_option("--format", config->format, "png or jpg")->capture_default_str();
  cmd->add_option("--threads", config->threads, "Worker threads")->capture_default_str();
  cmd->callback([config] {
    config->validate();
    DCGAN_DEBUG(config->to_string());
    vision::SynthSummary summary = vision::write_synth_set(*config);
    if (summary.up_to_date) {
      DCGAN_INFO(config->out_dir << " already holds this set (synth.json matches); nothing to do");
      return;
    }
    DCGAN_INFO("wrote " << summary.written << " faces to " << config->out_dir << " in "
                        << summary.seconds << " s ("
                        << static_cast<int>(summary.written / std::max(summary.seconds, 1e-9))
                        << " img/s)");
  });
}

const RegisterCommand kRegister{90, setup_synth};

}  // namespace
}  // namespace dcgan::app
