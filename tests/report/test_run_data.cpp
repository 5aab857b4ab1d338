// Run folder reader: a complete run, a run still training (no summary, torn last line), a
// resumed run whose metrics restart from an earlier step, and folders that are not runs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/report/run_data.h"
#include "report/run_fixture.h"
#include "support/test_support.h"

using namespace dcgan::report;

TEST(RunData, ReadsACompleteRun) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  dcgan::testing::make_run(dir.path(), fixture);
  RunData run = load_run(dir.path());
  ASSERT_EQ(run.steps.size(), 100u);
  EXPECT_EQ(run.steps.step.front(), 1);
  EXPECT_EQ(run.steps.step.back(), 100);
  EXPECT_EQ(run.steps.column("loss_g").size(), 100u);
  EXPECT_EQ(run.steps.column("epoch").back(), 4);
  EXPECT_TRUE(run.steps.column("no_such_field").empty());
  EXPECT_EQ(run.epochs.size(), 4u);
  EXPECT_EQ(run.evals.size(), 4u);
  EXPECT_EQ(run.config["model"]["arch"], "dcgan");
  EXPECT_EQ(run.summary["finished"], true);
  ASSERT_EQ(run.grids.size(), 4u);
  EXPECT_EQ(run.grids[2].label, "epoch 3");
  EXPECT_EQ(run.grids[2].path, dir / "samples/epoch-0003.png");
}

TEST(RunData, ResumedRunKeepsTheLaterRecords) {
  dcgan::testing::TempDir dir;
  {
    dcgan::JsonlWriter m(dir / "metrics.jsonl");
    for (int s = 1; s <= 10; ++s) m.append({{"kind", "step"}, {"step", s}, {"loss_g", 1.0}});
    m.append({{"kind", "epoch"}, {"epoch", 1}, {"step", 10}});
    for (int s = 11; s <= 14; ++s) m.append({{"kind", "step"}, {"step", s}, {"loss_g", 1.0}});
    // crash; resume from the checkpoint at step 8: steps 9.. are written again
    for (int s = 9; s <= 12; ++s) m.append({{"kind", "step"}, {"step", s}, {"loss_g", 2.0}});
  }
  RunData run = load_run(dir.path());
  ASSERT_EQ(run.steps.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(run.steps.step[i], i + 1);
    EXPECT_EQ(run.steps.column("loss_g")[i], i < 8 ? 1.0 : 2.0) << i;
  }
  EXPECT_TRUE(run.epochs.empty()) << "the epoch record at step 10 predates the resume";
  EXPECT_TRUE(run.config.is_null());
  EXPECT_TRUE(run.grids.empty());
}

TEST(RunData, RunStillTrainingWithATornLastLine) {
  dcgan::testing::TempDir dir;
  dcgan::testing::RunFixture fixture;
  fixture.summary = false;
  dcgan::testing::make_run(dir.path(), fixture);
  std::ofstream(dir / "metrics.jsonl", std::ios::app) << "{\"kind\": \"step\", \"step\": 10";
  RunData run = load_run(dir.path());
  EXPECT_EQ(run.steps.size(), 100u);
  EXPECT_TRUE(run.summary.is_null());
}

TEST(RunData, MissingFieldsAreNaN) {
  dcgan::testing::TempDir dir;
  {
    dcgan::JsonlWriter m(dir / "metrics.jsonl");
    m.append({{"kind", "step"}, {"step", 1}, {"loss_g", 1.0}});
    m.append({{"kind", "step"}, {"step", 2}, {"d_real", 0.5}});
    m.append({{"kind", "step"}, {"step", 3}, {"loss_g", nullptr}});
  }
  RunData run = load_run(dir.path());
  ASSERT_EQ(run.steps.column("loss_g").size(), 3u);
  EXPECT_EQ(run.steps.column("loss_g")[0], 1.0);
  EXPECT_TRUE(std::isnan(run.steps.column("loss_g")[1]));
  EXPECT_TRUE(std::isnan(run.steps.column("loss_g")[2]));
  EXPECT_TRUE(std::isnan(run.steps.column("d_real")[0]));
  EXPECT_EQ(run.steps.column("d_real")[1], 0.5);
}

TEST(RunData, RecordsOfAnotherShapeAreSkipped) {
  // A hand-edited or foreign metrics file: a record that is no object, or whose kind is not a
  // string, is not one of ours; it is skipped instead of escaping as a JSON library exception.
  dcgan::testing::TempDir dir;
  {
    dcgan::JsonlWriter m(dir / "metrics.jsonl");
    m.append({{"kind", "step"}, {"step", 1}, {"loss_g", 1.0}});
    m.append({{"kind", 5}, {"step", 2}});
    m.append({{"kind", nullptr}, {"step", 3}});
    m.append(dcgan::Json::array({"step", 4}));
    m.append({{"kind", "step"}, {"step", 5}, {"loss_g", 2.0}});
  }
  RunData run = load_run(dir.path());
  EXPECT_EQ(run.steps.step, (std::vector<double>{1, 5}));
  EXPECT_EQ(run.steps.column("loss_g"), (std::vector<double>{1.0, 2.0}));
}

TEST(RunData, ADeeplyNestedRecordIsAnErrorNotACrash) {
  // Keeping an eval record copied it, and copying recursed once per level of nesting.
  dcgan::testing::TempDir dir;
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  dcgan::atomic_write(dir / "metrics.jsonl", "{\"kind\":\"eval\",\"step\":1,\"swd\":" + deep +
                                                 "}\n{\"kind\":\"step\",\"step\":2}\n");
  EXPECT_THROW(load_run(dir.path()), dcgan::DataError);
}

TEST(RunData, NotARunFolder) {
  dcgan::testing::TempDir dir;
  EXPECT_THROW(load_run(dir.path()), dcgan::DataError);
  EXPECT_THROW(load_run(dir / "missing"), dcgan::DataError);
  dcgan::atomic_write(dir / "config.json", "{not json");
  EXPECT_THROW(load_run(dir.path()), dcgan::Error);
}

TEST(RunData, EvenlySpacedKeepsFirstAndLast) {
  EXPECT_EQ(evenly_spaced(5, 10), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(evenly_spaced(11, 3), (std::vector<size_t>{0, 5, 10}));
  EXPECT_EQ(evenly_spaced(300, 1), (std::vector<size_t>{299}));
  EXPECT_TRUE(evenly_spaced(0, 5).empty());
  auto picked = evenly_spaced(301, 61);
  EXPECT_EQ(picked.size(), 61u);
  EXPECT_EQ(picked.front(), 0u);
  EXPECT_EQ(picked.back(), 300u);
  EXPECT_TRUE(std::is_sorted(picked.begin(), picked.end()));
}
