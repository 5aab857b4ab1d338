// `dcgan report RUN`: (re)writes RUN/progress.gif from the epoch grids, then the self-contained
// HTML report, and prints its path (flags -> ReportConfig, AnimationConfig -> library). Works on
// a run that is still training.
#include <iostream>

#include "command_registry.h"
#include "dcgan/core/log.h"
#include "dcgan/report/html_report.h"
#include "dcgan/report/progress_animation.h"

namespace dcgan::app {
namespace {

void setup_report(CLI::App& app) {
  auto config = std::make_shared<report::ReportConfig>();
  auto animation = std::make_shared<report::AnimationConfig>();
  auto no_animation = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("report",
                         "Write a run's self-contained HTML report (curves, grids, config) and its "
                         "progress animation");
  cmd->add_option("run", config->run_dir, "Run folder (the --out of dcgan train)")->required();
  cmd->add_option("--out", config->out_path, "Report file (default RUN/report.html)");
  cmd->add_option("--max-points", config->max_points,
                  "Points per curve; longer curves are decimated (min/max/mean per bucket)")
      ->capture_default_str();
  cmd->add_option("--max-grids", config->max_grids, "Epoch grids on the slider, evenly spaced")
      ->capture_default_str();
  cmd->add_option("--max-bytes", config->max_bytes,
                  "Size budget of the page; the slider and the animation shrink to fit")
      ->capture_default_str();
  cmd->add_flag("--no-animation", *no_animation, "Do not (re)write RUN/progress.gif");
  cmd->add_option("--animation-frames", animation->max_frames, "Grids in progress.gif at most")
      ->capture_default_str();
  cmd->add_option("--animation-delay", animation->delay_cs,
                  "Delay between animation frames in 1/100 s")
      ->capture_default_str();
  cmd->callback([config, animation, no_animation] {
    config->validate();
    if (!*no_animation) {
      animation->validate();
      const std::string gif = report::write_progress_animation(config->run_dir, *animation);
      if (!gif.empty()) DCGAN_INFO("wrote " << gif);
    }
    std::cout << report::write_run_report(*config) << "\n";
  });
}

const RegisterCommand kRegister{60, setup_report};

}  // namespace
}  // namespace dcgan::app
