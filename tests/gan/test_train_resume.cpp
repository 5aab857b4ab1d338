// Resuming a run through the real CLI, each in fresh processes: the run's stored flags fill
// the ones a resume leaves out and refuse the ones that would change it, a folder that lost
// images still ends its epoch, unreadable checkpoints are set aside or refused (never a silent
// restart), temporaries of a killed writer are removed, no checkpoint ever holds a NaN, every
// flag is checked before data is read, and a 48 px run with the default widths repeats and
// resumes bit-exactly with the oneDNN kernels the first process chose.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/checkpoint_file.h"
#include "dcgan/vision/synth_faces.h"
#include "support/test_support.h"

using namespace dcgan::gan;
using dcgan::testing::CommandResult;
using dcgan::testing::run_command;
using dcgan::testing::run_dcgan;
using dcgan::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string make_faces(const std::string& dir, int n, int size) {
  dcgan::vision::SynthConfig synth;
  synth.out_dir = dir;
  synth.n = n;
  synth.size = size;
  synth.seed = 3;
  dcgan::vision::write_synth_set(synth);
  return dir;
}

// A tiny run: 16 px, widths 8, batch 8; 40 faces give 5 iterations an epoch.
std::string tiny(const std::string& data, const std::string& run) {
  return "-q train --data '" + data + "' --out '" + run +
         "' --output-size 16 --gf-dim 8 --df-dim 8 --z-dim 16 --batch-size 8 --threads 1 "
         "--no-cache --eval-every 0 --seed 5 ";
}

// Every parameter and buffer of G and D in a checkpoint.
std::vector<torch::Tensor> weights_of(const std::string& checkpoint) {
  const OpenedCheckpoint opened = open_checkpoint(checkpoint);
  auto g = make_generator(opened.model);
  auto d = make_discriminator(opened.model);
  load_checkpoint(opened, opened.model, *g, d.get(), nullptr, nullptr);
  std::vector<torch::Tensor> all;
  for (auto* m :
       {static_cast<torch::nn::Module*>(g.get()), static_cast<torch::nn::Module*>(d.get())}) {
    for (const auto& p : m->parameters()) all.push_back(p.detach().clone());
    for (const auto& b : m->buffers()) all.push_back(b.detach().clone());
  }
  return all;
}

void expect_same_weights(const std::string& a, const std::string& b) {
  auto wa = weights_of(a), wb = weights_of(b);
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_TRUE(torch::equal(wa[i], wb[i])) << "tensor " << i << " differs: " << a << " vs " << b;
  }
}

int line_count(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return static_cast<int>(std::count(trimmed.begin(), trimmed.end(), '\n')) + 1;
}

TEST(TrainResume, StoredFlagsFillTheCommandAndChangesAreRefusedByName) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  ASSERT_EQ(run_dcgan(tiny(faces, run) + "--epochs 2 --max-steps 3 --lr 0.0005").exit_code, 0);

  // Two flags that change the training: refused, each named with the run's value, one line.
  CommandResult refused =
      run_dcgan("-q train --out '" + run + "' --resume --batch-size 16 --lr 0.001");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(line_count(refused.output), 1) << refused.output;
  EXPECT_NE(refused.output.find("--batch-size 16 (the run has 8)"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--lr 0.001 (the run has 0.0005)"), std::string::npos)
      << refused.output;
  EXPECT_EQ(list_checkpoints(run).back(), checkpoint_path(run, 3))
      << "a refused resume writes nothing";

  // Giving the same values, or flags that do not change the training, is fine; everything
  // else (--data, sizes, widths, the seed) comes from the run.
  CommandResult resumed = run_dcgan("-q train --out '" + run +
                                    "' --resume --batch-size 8 --epochs 3 --threads 2 --keep 4");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  auto summary = dcgan::read_json_file(run + "/summary.json");
  EXPECT_EQ(summary["steps"], 15) << "3 epochs of 5 iterations";
  EXPECT_EQ(summary["finished"], true);
  auto config = dcgan::read_json_file(run + "/config.json");
  EXPECT_EQ(config["train"]["step"]["lr_g"], 0.0005);
  EXPECT_EQ(config["train"]["step"]["lr_d"], 0.0005);
  EXPECT_EQ(config["train"]["data"]["output_size"], 16);
  EXPECT_EQ(config["train"]["epochs"], 3);
}

// The folder lost half its images: the stored position (images into the epoch) is past the new
// epoch's end. The resume ends that epoch and finishes, instead of looping (timeout kills a
// loop; it would also have ignored SIGTERM).
TEST(TrainResume, AFolderThatLostImagesStillEndsTheEpoch) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  ASSERT_EQ(run_dcgan(tiny(faces, run) + "--epochs 2 --max-steps 4").exit_code, 0);
  int removed = 0;
  for (const auto& e : fs::directory_iterator(faces)) {
    if (e.path().extension() == ".png" && removed < 24) removed += fs::remove(e.path()) ? 1 : 0;
  }
  ASSERT_EQ(removed, 24);  // 16 left: 2 iterations an epoch, the run stopped after 4 of 5
  CommandResult resumed =
      run_command("timeout -s KILL 120 '" DCGAN_BINARY "' -q train --out '" + run + "' --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto summary = dcgan::read_json_file(run + "/summary.json");
  EXPECT_EQ(summary["finished"], true);
  EXPECT_EQ(summary["epochs_done"], 2);
  EXPECT_EQ(summary["steps"], 4 + 2) << "epoch 1 ended at once, epoch 2 ran its 2 iterations";
  EXPECT_TRUE(fs::exists(run + "/samples/epoch-0001.png"));
  EXPECT_TRUE(fs::exists(run + "/samples/epoch-0002.png"));
}

// A tiny run trained into TMP/run on 40 faces of 16 px with `flags`; returns its folder.
std::string trained_run(const TempDir& tmp, const std::string& flags) {
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  const CommandResult trained = run_dcgan(tiny(faces, run) + flags);
  EXPECT_EQ(trained.exit_code, 0) << trained.output;
  return run;
}

TEST(TrainResume, UnreadableNewestCheckpointFallsBackAndNoneReadableIsAnError) {
  TempDir tmp;
  const std::string run = trained_run(tmp, "--epochs 2 --ckpt-every 2 --max-steps 6 --keep 3");
  auto before = list_checkpoints(run);  // steps 2, 4, 5 (epoch end), 6
  ASSERT_EQ(before.size(), 3u);
  const std::string newest = before.back();
  const std::string torn = dcgan::read_file(newest);
  std::ofstream(newest, std::ios::binary | std::ios::trunc) << torn.substr(0, torn.size() / 2);

  CommandResult resumed = run_dcgan("train --out '" + run + "' --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(newest), std::string::npos) << "the warning names the file";
  EXPECT_TRUE(fs::exists(newest + ".unreadable")) << "kept for inspection, out of the way";
  EXPECT_EQ(dcgan::read_json_file(run + "/summary.json")["steps"], 10);
  // The run went on from step 5 and its new checkpoints were kept, not pruned in favour of
  // the torn one.
  auto after = list_checkpoints(run);
  EXPECT_EQ(after.back(), checkpoint_path(run, 10));

  // Every checkpoint torn: an error naming the folder, exit 4, files untouched, no restart.
  for (const auto& path : after) std::ofstream(path, std::ios::trunc) << "torn";
  CommandResult refused = run_dcgan("-q train --out '" + run + "' --resume --epochs 3");
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_NE(refused.output.find("none of the"), std::string::npos) << refused.output;
  EXPECT_EQ(list_checkpoints(run), after);
  EXPECT_EQ(dcgan::read_json_file(run + "/summary.json")["steps"], 10) << "nothing trained";
}

// A flipped bit inside the file (here in the middle: weights are most of it) would load as
// another weight. The checksum at the end refuses it, and the resume falls back to the
// checkpoint before.
TEST(TrainResume, AFlippedBitIsCaughtByTheChecksum) {
  TempDir tmp;
  const std::string run = trained_run(tmp, "--epochs 2 --ckpt-every 2 --max-steps 4 --keep 3");
  const auto before = list_checkpoints(run);  // steps 2 and 4
  ASSERT_EQ(before.size(), 2u);
  const std::string newest = before.back();
  std::string bytes = dcgan::read_file(newest);
  bytes[bytes.size() / 2] ^= 0x10;
  dcgan::atomic_write(newest, bytes);
  try {
    dcgan::gan::open_checkpoint(newest);
    ADD_FAILURE() << "a flipped bit was not noticed";
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }

  CommandResult resumed = run_dcgan("train --out '" + run + "' --resume --max-steps 6");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(newest), std::string::npos) << "the warning names the file";
  EXPECT_TRUE(fs::exists(newest + ".unreadable"));
  EXPECT_EQ(dcgan::read_json_file(run + "/summary.json")["steps"], 6);
}

// A run whose checkpoints are LibTorch archives of format 2 (written before format 3; here the
// test fixture, a 16 px run with widths 1) resumes, and its next checkpoint is format 3.
TEST(TrainResume, ARunWithAFormat2CheckpointResumes) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 16, 16);
  const std::string run = tmp / "run";
  const std::string fixture = DCGAN_SOURCE_DIR "/tests/gan/data/checkpoint-format2.pt";
  const OpenedCheckpoint opened = open_checkpoint(fixture);
  auto g = make_generator(opened.model);
  const TrainingState state = load_checkpoint(opened, opened.model, *g, nullptr, nullptr, nullptr);
  fs::create_directories(run + "/checkpoints");
  fs::copy_file(fixture, checkpoint_path(run, state.step));
  // Its stored flags name the data folder "faces", relative: run where that is ours.
  ASSERT_EQ(opened.train_flags["data"]["dir"], "faces");
  const CommandResult resumed =
      run_command("cd '" + tmp.path() + "' && '" DCGAN_BINARY "' -q train --out run --resume " +
                  "--threads 1 --max-steps " + std::to_string(state.step + 2));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_FALSE(fs::exists(checkpoint_path(run, state.step) + ".unreadable")) << resumed.output;
  const std::string next = list_checkpoints(run).back();
  EXPECT_EQ(next, checkpoint_path(run, state.step + 2));
  EXPECT_TRUE(is_checkpoint_file(dcgan::read_file(next)));
}

// The archive's TorchScript code records are parsed by LibTorch, which throws
// std::runtime_error (not c10::Error) for a syntax error: it used to escape the loader and end
// the process in std::terminate (found by fuzz/fuzz_checkpoint). A checksum that matches the
// damaged zip (as a file written so would have) lets the damage reach that parser.
TEST(TrainResume, ADamagedCodeRecordIsADataErrorNotACrash) {
  TempDir tmp;
  const std::string file =
      dcgan::read_file(DCGAN_SOURCE_DIR "/tests/gan/data/checkpoint-format2.pt");
  std::string zip = file.substr(0, file.size() - 16);
  const size_t at = zip.find("class Module(");
  ASSERT_NE(at, std::string::npos) << "the archive has no code record";
  zip[at + 6] = '1';  // "class 1odule(": a number where a name must be
  const std::string damaged = tmp / "damaged.pt";
  dcgan::atomic_write(damaged, with_checksum(zip));
  try {
    open_checkpoint(damaged);
    ADD_FAILURE() << "the damaged code record was accepted";
  } catch (const dcgan::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("is corrupt"), std::string::npos) << e.what();
  }
}

TEST(TrainResume, TemporariesOfAKilledWriterAreRemoved) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  ASSERT_EQ(run_dcgan(tiny(faces, run) + "--epochs 1 --max-steps 2").exit_code, 0);
  // A pid that runs no process (pid_max is at most 2^22).
  const std::string dead = run + "/checkpoints/ckpt-00000003.pt.tmp-4194304-0";
  const std::string alive =
      run + "/checkpoints/ckpt-00000003.pt.tmp-" + std::to_string(getpid()) + "-0";
  std::ofstream(dead) << "half a checkpoint";
  std::ofstream(alive) << "being written";
  ASSERT_EQ(run_dcgan(tiny(faces, run) + "--epochs 1 --resume").exit_code, 0);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive)) << "its writer still runs";
}

// DCGAN_FAULT=nan-weights@3 turns G's weights NaN after step 3, whose losses are still finite.
TEST(TrainResume, NoCheckpointEverHoldsANan) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  CommandResult diverged = run_command("DCGAN_FAULT=nan-weights@3 '" DCGAN_BINARY "' " +
                                       tiny(faces, run) + "--epochs 2 --ckpt-every 1");
  EXPECT_EQ(diverged.exit_code, 7) << diverged.output;
  EXPECT_EQ(line_count(diverged.output), 1) << diverged.output;
  EXPECT_NE(diverged.output.find("step 3"), std::string::npos) << diverged.output;
  EXPECT_NE(diverged.output.find(checkpoint_path(run, 2) + " stays"), std::string::npos)
      << diverged.output;
  EXPECT_EQ(list_checkpoints(run).back(), checkpoint_path(run, 2));
  for (const auto& t : weights_of(checkpoint_path(run, 2))) {
    EXPECT_TRUE(torch::isfinite(t).all().item<bool>());
  }
  // And the run resumes from it.
  CommandResult resumed = run_dcgan("-q train --out '" + run + "' --resume --max-steps 4");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
}

TEST(TrainResume, NanLossesExitSevenNamingTheStep) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  // NaN weights after step 2; step 3's losses are NaN. Checkpoints every 5: none was written.
  CommandResult diverged = run_command("DCGAN_FAULT=nan-weights@2 '" DCGAN_BINARY "' " +
                                       tiny(faces, run) + "--epochs 2 --ckpt-every 5");
  EXPECT_EQ(diverged.exit_code, 7) << diverged.output;
  EXPECT_NE(diverged.output.find("at step 3"), std::string::npos) << diverged.output;
  EXPECT_NE(diverged.output.find("is nan"), std::string::npos) << diverged.output;
  EXPECT_TRUE(list_checkpoints(run).empty());
}

// The quality options (a preset, explicit flags over it, --lr for both rates) are stored; a resume
// that would change one is refused by name, once per flag given, and a resume without them
// continues with the run's.
TEST(TrainResume, QualityOptionsAreStoredAndAResumeCannotChangeThem) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 40, 16);
  const std::string run = tmp / "run";
  ASSERT_EQ(run_dcgan(tiny(faces, run) +
                      "--epochs 2 --max-steps 3 --preset quality --ema off --lr 0.0005")
                .exit_code,
            0);
  auto train = dcgan::read_json_file(run + "/config.json")["train"];
  EXPECT_EQ(train["preset"], "quality");
  EXPECT_EQ(train["ema"], "off") << "an explicit flag wins over the preset";
  EXPECT_EQ(train["model"]["mbstd_group"], 4) << "the preset's";
  EXPECT_EQ(train["step"]["lr_g"], 0.0005);
  EXPECT_EQ(train["step"]["lr_d"], 0.0005);

  CommandResult refused = run_dcgan("-q train --out '" + run +
                                    "' --resume --ema auto --augment translation,color --lr 0.001");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(line_count(refused.output), 1) << refused.output;
  for (const char* named :
       {"--ema auto (the run has off)", "--augment color,translation (the run has none)",
        "--lr 0.001 (the run has 0.0005)"}) {
    EXPECT_NE(refused.output.find(named), std::string::npos) << named << ": " << refused.output;
  }
  const size_t lr = refused.output.find("--lr 0.001");
  EXPECT_EQ(refused.output.find("--lr 0.001", lr + 1), std::string::npos) << "named once";
  CommandResult preset = run_dcgan("-q train --out '" + run + "' --resume --preset recipe");
  EXPECT_EQ(preset.exit_code, 2) << preset.output;
  EXPECT_NE(preset.output.find("--mbstd 0 (the run has 4)"), std::string::npos) << preset.output;

  CommandResult resumed = run_dcgan("-q train --out '" + run + "' --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  train = dcgan::read_json_file(run + "/config.json")["train"];
  EXPECT_EQ(train["model"]["mbstd_group"], 4);
  EXPECT_EQ(train["ema"], "off");
  EXPECT_EQ(dcgan::read_json_file(run + "/summary.json")["steps"], 10);
}

// --output-size 1024 would decode every image at 1024 px before the model refused it.
TEST(TrainResume, EveryFlagIsCheckedBeforeDataIsRead) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 20, 16);
  for (const char* flags :
       {"--output-size 1024", "--output-size 300", "--output-size 12", "--eval-images 1",
        "--kernels fastest", "--mbstd 3 --batch-size 8", "--ema 2", "--augment flip",
        "--max-time 5x", "--loss hinge --label-smooth 0.1", "--preset fast", "--r1 -1",
        "--lr-d 0"}) {
    const std::string run = tmp / "runs/run";
    CommandResult r = run_dcgan("train --data '" + faces + "' --out '" + run + "' " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.output;
    EXPECT_EQ(r.output.find("decoding"), std::string::npos) << flags << ": " << r.output;
    EXPECT_FALSE(fs::exists(tmp / "runs")) << flags << ": no run folder, no data cache";
  }
}

// At the real size and widths oneDNN's implementations are chosen by timing. The first run on
// a machine records its choices in the data cache folder and a second run with the same seed
// reuses them; a resumed process replays the ones in its checkpoint (here without the cache
// folder). Both end with exactly the weights of the first, uninterrupted run.
TEST(TrainResume, RealSizeRunsRepeatAndResumeBitExactlyWithTheRecordedKernels) {
  TempDir tmp;
  const std::string faces = make_faces(tmp / "faces", 128, 48);  // 2 iterations an epoch
  auto train = [&](const std::string& run, const std::string& extra) {
    return run_dcgan("-v train --data '" + faces + "' --out '" + run +
                     "' --output-size 48 --batch-size 64 --epochs 2 --threads 2 --eval-every 0 "
                     "--seed 11 " +
                     extra);
  };
  CommandResult whole = train(tmp / "runs/whole", "");
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_NE(whole.output.find("oneDNN candidate"), std::string::npos) << "layers were timed";
  CommandResult first = train(tmp / "runs/part", "--max-steps 3");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output.find("oneDNN candidate"), std::string::npos)
      << "the second run reuses the first run's choices";
  CommandResult second = train(tmp / "runs/part", "--resume --no-cache");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(second.output.find("oneDNN candidate"), std::string::npos)
      << "the resumed process replays its checkpoint's choices";
  expect_same_weights(list_checkpoints(tmp / "runs/whole").back(),
                      list_checkpoints(tmp / "runs/part").back());
}

}  // namespace
