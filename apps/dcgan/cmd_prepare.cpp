// `dcgan prepare`: the training set from face crops (flags -> PrepareConfig ->
// vision::run_prepare). Prints what was kept and dropped; unreadable crops give exit code 6.
#include <memory>

#include "command_registry.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/vision/prepare.h"

namespace dcgan::app {
namespace {

void setup_prepare(CLI::App& app) {
  auto config = std::make_shared<vision::PrepareConfig>();
  CLI::App* cmd = app.add_subcommand(
      "prepare", "Build the training set from face crops: dedupe, gray filter, resize");
  cmd->add_option("--in", config->in_dir, "Folder of face crops (dcgan crop --out)")->required();
  cmd->add_option("--out", config->out_dir, "Folder for the training set")->required();
  cmd->add_option("--size", config->size, "Side of the training images, pixels")
      ->capture_default_str();
  cmd->add_option("--format", config->format, "png or jpg")->capture_default_str();
  cmd->add_option("--quality", config->quality, "JPEG quality 1-100")->capture_default_str();
  cmd->add_option("--dedupe", config->dedupe,
                  "Drop near duplicates: off or dhash:D (Hamming distance <= D)")
      ->capture_default_str();
  cmd->add_flag("--skip-gray", config->skip_gray, "Drop monochrome crops");
  cmd->add_option("--threads", config->threads, "Worker threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--max-pixels", config->max_pixels, "Refuse images with more pixels than this")
      ->capture_default_str();
  cmd->callback([config] {
    config->validate();
    DCGAN_DEBUG(config->to_string());
    const vision::PrepareSummary summary = vision::run_prepare(*config);
    DCGAN_INFO(summary.to_string() << "; details in " << config->out_dir << "/prepare.json");
    // Each unreadable crop was already warned about, one line each.
    int64_t unreadable = 0;
    for (const auto& d : summary.dropped) unreadable += d.reason == "unreadable";
    if (unreadable > 0) {
      throw PartialFailure(std::to_string(unreadable) + " crops could not be read (warned above, "
                           "listed in " + config->out_dir + "/prepare.json)");
    }
  });
}

const RegisterCommand kRegister{25, setup_prepare};

}  // namespace
}  // namespace dcgan::app
