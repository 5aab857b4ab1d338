// `dcgan crop`: face crops from illustrations (flags -> CropConfig -> vision::run_crop). Prints
// the summary; per-image failures make the exit code 6 (PartialFailure) after it.
#include <memory>

#include "command_registry.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/vision/crop_pipeline.h"

namespace dcgan::app {
namespace {

void setup_crop(CLI::App& app) {
  auto config = std::make_shared<vision::CropConfig>();
  CLI::App* cmd = app.add_subcommand(
      "crop", "Crop anime faces out of illustrations with the lbpcascade_animeface detector");
  cmd->add_option("--in", config->in_dir, "Folder of illustrations (searched recursively)")
      ->required();
  cmd->add_option("--out", config->out_dir, "Folder for the crops <stem>-<i>.<format>")->required();
  cmd->add_option("--cascade", config->cascade,
                  "lbpcascade_animeface.xml (default: $DCGAN_CASCADE, $DCGAN_SHARED/models, the "
                  "build or install share/dcgan)");
  cmd->add_option("--scale-factor", config->detector.scale_factor, "Detector pyramid step")
      ->capture_default_str();
  cmd->add_option("--min-neighbors", config->detector.min_neighbors,
                  "Overlapping detections needed to keep a box")
      ->capture_default_str();
  cmd->add_option("--min-size", config->detector.min_size, "Smallest face searched, pixels")
      ->capture_default_str();
  cmd->add_option("--size", config->geometry.size, "Side of the output crops, pixels")
      ->capture_default_str();
  cmd->add_option("--format", config->format, "Output format: jpg or png")->capture_default_str();
  cmd->add_option("--quality", config->quality, "JPEG quality 1-100")->capture_default_str();
  cmd->add_option("--margin", config->geometry.margin,
                  "Grow each side of the box by this fraction of its size (0.1-0.25 keeps hair)")
      ->capture_default_str();
  cmd->add_option("--shift-up", config->geometry.shift_up,
                  "Move the crop up by this fraction of the box size")
      ->capture_default_str();
  cmd->add_flag("--pad", config->geometry.pad,
                "Keep the full grown box, repeating edge pixels outside the image (default: "
                "clamp to the image)");
  cmd->add_option("--min-face", config->min_face, "Drop boxes smaller than this, pixels (0: off)")
      ->capture_default_str();
  cmd->add_option("--max-faces-per-image", config->max_faces_per_image,
                  "Keep only the N largest boxes of an image (0: all)")
      ->capture_default_str();
  cmd->add_flag("--skip-gray", config->skip_gray, "Skip monochrome illustrations");
  cmd->add_option("--dedupe", config->dedupe,
                  "Drop near-duplicate crops: off or dhash:D (Hamming distance <= D)")
      ->capture_default_str();
  cmd->add_option("--threads", config->threads, "Images processed in parallel (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--manifest", config->manifest,
                  "JSON Lines manifest (default OUT/manifest.jsonl)");
  cmd->add_option("--max-pixels", config->max_pixels,
                  "Refuse images with more pixels than this (decompression bombs)")
      ->capture_default_str();
  cmd->callback([config] {
    config->validate();
    DCGAN_DEBUG(config->to_string());
    const vision::CropSummary summary = vision::run_crop(*config);
    DCGAN_INFO(summary.to_string());
    if (!summary.failed.empty()) {
      for (const auto& failure : summary.failed) DCGAN_WARN("not cropped: " << failure);
      throw PartialFailure(std::to_string(summary.failed.size()) +
                           " images could not be cropped (listed above and in " +
                           config->manifest_path() + ")");
    }
  });
}

const RegisterCommand kRegister{20, setup_crop};

}  // namespace
}  // namespace dcgan::app
