// `dcgan sample`: flags -> SampleConfig -> gan::run_sampling.
#include "command_registry.h"
#include "dcgan/core/log.h"
#include "dcgan/gan/sampler.h"

namespace dcgan::app {
namespace {

void setup_sample(CLI::App& app) {
  auto c = std::make_shared<gan::SampleConfig>();
  CLI::App* cmd = app.add_subcommand("sample", "Generate images, grids, interpolations and latent-walk GIFs from a trained run");
  cmd->add_option("--run", c->run_dir, "Run directory (its newest checkpoint is used)");
  cmd->add_option("--checkpoint", c->checkpoint, "A specific checkpoint file");
  cmd->add_option("--device", c->device, "auto, cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Seed of the latent vectors")->capture_default_str();
  cmd->add_option("--n", c->n, "Number of images for --grid / --out-dir / --sweep-dim")->capture_default_str();
  cmd->add_option("--z", c->z_file, "JSON file of latents ({\"z\": [[...], ...]}, e.g. from dcgan serve) for --grid / --out-dir, instead of --seed/--n");
  cmd->add_option("--grid", c->grid, "Write a grid of the images (PNG/JPEG)");
  cmd->add_option("--out-dir", c->out_dir, "Write the images one file each");
  cmd->add_option("--interpolate", c->interpolate, "SEED_A,SEED_B: a strip between two latent vectors")->delimiter(',')->expected(2);
  cmd->add_option("--strip", c->strip, "Where --interpolate writes its strip");
  cmd->add_option("--steps", c->steps, "Interpolation points (and GIF frames per leg)")->capture_default_str();
  cmd->add_option("--sweep-dim", c->sweep_dir, "Folder: one grid per z dimension, that dimension swept across its range");
  cmd->add_option("--gif", c->gif, "Write a latent-walk animation (GIF)");
  cmd->add_option("--top-k", c->top_k, "Show only the K images D scores highest ...");
  cmd->add_option("--from", c->from, "... out of N generated");
  cmd->add_flag("--raw-g", c->raw_g,
                "Use the generator as trained, not its weight average (runs trained with --ema)");
  cmd->callback([c] {
    auto written = gan::run_sampling(*c);
    for (const auto& path : written) DCGAN_DEBUG("wrote " << path);
    DCGAN_INFO("wrote " << written.size() << " file(s)" << (written.empty() ? "" : ", e.g. " + written.front()));
  });
}

const RegisterCommand kRegister{40, setup_sample};

}  // namespace
}  // namespace dcgan::app
