// `dcgan train`: flags -> TrainConfig -> gan::train. The recipe's
//   python main.py --image_size 96 --output_size 48 --dataset anime --is_crop True ...
// is `dcgan train --data DIR --input-size 96 --output-size 48 --crop --epochs 300 --out RUN`.
#include <algorithm>
#include <thread>

#include "command_registry.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/dist/env.h"
#include "dcgan/dist/launcher.h"
#include "dcgan/gan/trainer.h"

namespace dcgan::app {
namespace {

// `--nproc N`: this command again as N ranks on this machine (dist/launcher.h), without
// --nproc, each with cores / N compute threads unless --threads says otherwise. Fails with the
// worst rank's exit code; the ranks have said why.
void train_as_local_ranks(int nproc, const gan::TrainConfig& config) {
  if (dist::read_dist_env(config.dist.master).distributed()) {
    throw ConfigError(
        "--nproc starts its own ranks, but this process already is a rank of a "
        "job (torchrun's or Slurm's variables are set); drop --nproc");
  }
  std::vector<std::string> args = dist::own_arguments_without("--nproc");
  if (config.flags_given->count("--threads") == 0) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    args.push_back("--threads");
    args.push_back(std::to_string(std::max(1, cores / nproc)));
  }
  std::vector<int> statuses;
  const int worst = dist::run_local_ranks(nproc, dist::own_program(), args, &statuses);
  if (worst != 0) {
    throw Error("--nproc " + std::to_string(nproc) + ": " + dist::describe_rank_statuses(statuses),
                static_cast<ExitCode>(worst));
  }
}

void setup_train(CLI::App& app) {
  auto c = std::make_shared<gan::TrainConfig>();
  c->step.g_steps = 0;  // resolved per architecture
  auto no_cache = std::make_shared<bool>(false);
  auto lr = std::make_shared<double>(c->step.lr_g);
  auto preset = std::make_shared<std::string>("recipe");
  auto max_time = std::make_shared<std::string>("0");
  CLI::App* cmd =
      app.add_subcommand("train", "Train a DCGAN (or the original MLP GAN) on a folder of images");
  cmd->add_option("--data", c->data.dir, "Folder of training images (with --resume: the run's)");
  cmd->add_option("--pattern", c->data.pattern, "Glob over file names, e.g. \"*.jpg\"")
      ->capture_default_str();
  cmd->add_flag("--recursive", c->data.recursive, "Also read images in subfolders");
  cmd->add_option("--input-size", c->data.input_size,
                  "Centre-crop side used with --crop (default: output size)");
  cmd->add_option("--output-size", c->data.output_size, "Image side the GAN works at (16-256)")
      ->capture_default_str();
  cmd->add_flag("--crop", c->data.crop,
                "Centre-crop --input-size first, then resize (else resize the whole image)");
  cmd->add_option("--channels", c->data.channels, "auto (gray only if every image is), 1 or 3")
      ->capture_default_str();
  cmd->add_option("--limit", c->data.limit, "Use at most N images (0 = all)")
      ->capture_default_str();
  cmd->add_flag("--no-cache", *no_cache, "Do not keep the decoded data set in OUT/../.dcgan-cache");
  cmd->add_option("--out", c->out_dir, "Run directory")->capture_default_str();
  cmd->add_option("--arch", c->model.arch, "dcgan (the recipe) or mlp (Goodfellow et al. 2014)")
      ->capture_default_str();
  cmd->add_option("--gf-dim", c->model.gf_dim, "Generator base width")->capture_default_str();
  cmd->add_option("--df-dim", c->model.df_dim, "Discriminator base width")->capture_default_str();
  cmd->add_option("--z-dim", c->model.z_dim, "Latent dimension")->capture_default_str();
  cmd->add_option("--kernels", c->model.kernels,
                  "fast (oneDNN layers, fused BN and Adam) or torch (plain LibTorch)")
      ->capture_default_str();
  cmd->add_option("--epochs", c->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch-size", c->batch_size, "Images per batch")->capture_default_str();
  cmd->add_option("--lr", *lr, "Adam learning rate (both nets)")->capture_default_str();
  cmd->add_option("--lr-g", c->step.lr_g, "G's learning rate (default: --lr)");
  cmd->add_option("--lr-d", c->step.lr_d, "D's learning rate (default: --lr)");
  cmd->add_option("--beta1", c->step.beta1, "Adam beta1")->capture_default_str();
  cmd->add_option("--loss", c->step.loss,
                  "non_saturating, minimax (G minimises log(1 - D(G(z)))), ls (least squares) "
                  "or hinge")
      ->capture_default_str();
  cmd->add_option("--label-smooth", c->step.label_smooth,
                  "One-sided label smoothing: real target 1 - S")
      ->capture_default_str();
  cmd->add_option("--d-steps", c->step.d_steps, "D steps per iteration (Algorithm 1's k)")
      ->capture_default_str();
  cmd->add_option("--g-steps", c->step.g_steps,
                  "G steps per iteration, same z (default: 2 for dcgan as the recipe, 1 for mlp)");
  cmd->add_option("--z-dist", c->z_dist, "uniform (U(-1,1), the recipe) or normal")
      ->capture_default_str();
  cmd->add_flag("--flip", c->flip, "Random horizontal flips");
  cmd->add_option("--preset", *preset,
                  "recipe (every option below off) or quality (the combination that measured "
                  "best in 15 minutes); explicit flags override it")
      ->capture_default_str();
  cmd->add_option("--ema", c->ema,
                  "Average G's weights for samples and evaluation: off, auto (a half-life that "
                  "grows with the images seen) or a decay per iteration such as 0.999")
      ->capture_default_str();
  cmd->add_option("--mbstd", c->model.mbstd_group,
                  "Minibatch standard deviation channel in D over groups of N images (0 = off)")
      ->capture_default_str();
  cmd->add_option("--augment", c->step.augment,
                  "DiffAugment of every image D sees: a subset of color,translation,cutout")
      ->capture_default_str();
  cmd->add_flag("--spectral-norm", c->model.spectral_norm,
                "Spectral normalisation of D's weights (one power iteration per step)");
  cmd->add_option("--r1", c->step.r1_gamma, "R1 penalty weight gamma on real images (0 = off)")
      ->capture_default_str();
  cmd->add_option("--r1-every", c->step.r1_every, "Apply R1 every N iterations (lazy, x N)")
      ->capture_default_str();
  cmd->add_option("--device", c->device, "auto, cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Random seed (recorded in config.json)")
      ->capture_default_str();
  cmd->add_option("--threads", c->threads,
                  "Compute threads (0 = OMP_NUM_THREADS if set, else every core)")
      ->capture_default_str();
  cmd->add_option("--precision", c->precision,
                  "fp32, bf16 (BF16 products with FP32 accumulation, on CPUs with native BF16 "
                  "and on CUDA) or auto (bf16 where native and measured faster)")
      ->capture_default_str();
  cmd->add_option("--sample-every", c->sample_every,
                  "Extra sample grid every N steps (0 = per epoch only)")
      ->capture_default_str();
  cmd->add_option("--n-sample", c->n_sample, "Images in each sample grid")->capture_default_str();
  cmd->add_option("--ckpt-every", c->ckpt_every, "Checkpoint every N steps (and at each epoch end)")
      ->capture_default_str();
  cmd->add_option("--keep", c->keep, "Checkpoints kept")->capture_default_str();
  cmd->add_option("--eval-every", c->eval_every,
                  "Record SWD in metrics.jsonl every N steps (0 = off)")
      ->capture_default_str();
  cmd->add_option("--eval-images", c->eval_images, "Real and generated images per SWD evaluation")
      ->capture_default_str();
  cmd->add_option("--max-steps", c->max_steps,
                  "Stop with a checkpoint after this many iterations (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--max-time", *max_time,
                  "Stop with a checkpoint after training this long in this command: 90s, 15m, "
                  "2h, 1h30m (0 = no limit)")
      ->capture_default_str();
  auto nproc = std::make_shared<int>(1);
  cmd->add_option("--nproc", *nproc,
                  "Train as N processes on this machine, data-parallel (each with its shard of "
                  "the data and cores/N threads; --batch-size per process)")
      ->capture_default_str();
  cmd->add_option("--dist-backend", c->dist.backend,
                  "Collectives of a multi-process job: auto (nccl on CUDA, else gloo), gloo or "
                  "nccl")
      ->capture_default_str();
  cmd->add_option("--dist-master", c->dist.master,
                  "HOST:PORT of rank 0's rendezvous (Slurm; default MASTER_ADDR:MASTER_PORT)");
  cmd->add_option("--dist-timeout", c->dist.timeout_s,
                  "Seconds a rank waits for the others before it names the silent one and stops")
      ->capture_default_str();
  cmd->add_option("--dist-reduce", c->dist.reduce,
                  "How a job averages gradients: buckets (all-reduces after each backward pass) "
                  "or overlap (started during the pass as gradients arrive, as PyTorch's DDP)")
      ->capture_default_str();
  cmd->add_flag("--sync-bn", c->dist.sync_bn,
                "BatchNorm statistics over every process's batch (default: each its own)");
  cmd->add_flag("--resume", c->resume,
                "Continue the run in --out from its latest checkpoint, with its stored flags");
  cmd->callback([c, no_cache, lr, preset, max_time, nproc, cmd] {
    c->cache = !*no_cache;
    c->flags_given.emplace();
    for (const CLI::Option* option : cmd->get_options()) {
      if (option->count() > 0) c->flags_given->insert(option->get_name());
    }
    if (c->flags_given->count("--lr") > 0) {  // the default of --lr-g and --lr-d
      if (c->flags_given->count("--lr-g") == 0) c->step.lr_g = *lr;
      if (c->flags_given->count("--lr-d") == 0) c->step.lr_d = *lr;
    }
    c->max_time_s = gan::parse_duration(*max_time, "--max-time");
    if (c->flags_given->count("--preset") > 0) gan::apply_preset(*c, *preset);
    require(*nproc >= 1 && *nproc <= 256, "--nproc must be between 1 and 256");
    if (*nproc > 1) return train_as_local_ranks(*nproc, *c);
    gan::TrainSummary summary = gan::train(*c);
    DCGAN_INFO((summary.finished ? "finished: " : "stopped: ")
               << summary.steps << " steps, " << summary.epochs_done << " epochs, "
               << static_cast<int>(summary.img_per_s) << " img/s; last grid " << summary.last_sample
               << "; last checkpoint " << summary.last_checkpoint);
  });
}

const RegisterCommand kRegister{30, setup_train};

}  // namespace
}  // namespace dcgan::app
