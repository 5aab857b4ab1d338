// See eval_run.h.
#include "dcgan/gan/eval_run.h"

#include <optional>
#include <string>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/gan/sampler.h"

namespace dcgan::gan {

metrics::GeneratedImages generate_for_eval(const metrics::EvalConfig& config) {
  const LoadedModel loaded = load_for_sampling(config.run_dir, config.checkpoint, config.device);
  torch::NoGradGuard no_grad;
  torch::Tensor images = generate(loaded, sample_latents(loaded, config.n, config.seed));
  if (images.size(1) == 1) images = images.expand({-1, 3, -1, -1});
  if (config.size > 0 && config.size != images.size(2)) {
    throw ConfigError("--size " + std::to_string(config.size) + ": the generator of " +
                      loaded.checkpoint + " makes " + std::to_string(images.size(2)) +
                      " px images; omit --size with --run");
  }
  DCGAN_INFO("generated " << images.size(0) << " images from " << loaded.checkpoint);
  return metrics::GeneratedImages{images.contiguous(), loaded.checkpoint};
}

void run_eval_command(const metrics::EvalConfig& config, std::ostream& out) {
  config.validate();
  std::optional<metrics::GeneratedImages> generated;
  if (!config.run_dir.empty()) generated = generate_for_eval(config);
  const metrics::EvalReport report = metrics::run_eval(config, generated);
  out << metrics::format_eval_table(report.json) << std::flush;
  if (!config.json_path.empty()) DCGAN_INFO("wrote " << config.json_path);
  if (!report.skipped.empty()) {
    // The loader warned about each, one line per file.
    throw PartialFailure(std::to_string(report.skipped.size()) +
                         " input file(s) could not be decoded and were skipped (warned above)");
  }
}

}  // namespace dcgan::gan
