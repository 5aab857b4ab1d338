// `dcgan serve` on a run while `dcgan train` writes it: started on an empty folder it says there
// is no checkpoint yet (409, not an error of the server), then, with the trainer paused
// (SIGSTOP) mid-run, shows that run's newest checkpoint, an "in progress" status and its curves;
// after the trainer ends (pruning old checkpoints as it goes), the final checkpoint and curves,
// with no request failing on the way. Also the command itself: its flags' errors, a port in use,
// and Ctrl-C.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <functional>
#include <thread>

#include "apps/cli_test_support.h"
#include "dcgan/core/json.h"
#include "dcgan/gan/checkpoint.h"
#include "serve/serve_test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using dcgan::Json;
using std::chrono::seconds;

namespace {

Json run_info(ServeProcess& server) {
  auto r = server.client()->Get("/api/run");
  if (!r || r->status != 200) return nullptr;
  return Json::parse(r->body);
}

int64_t newest_on_disk(const std::string& run) {
  const auto all = dcgan::gan::list_checkpoints(run);
  if (all.empty()) return -1;
  const std::string name = fs::path(all.back()).filename().string();
  return std::stoll(name.substr(5, 8));
}

// True once `child` has exited (it is left for wait_exit to reap).
bool exited(ChildProcess& child) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid != 0;
}

// Polls /api/run (the server re-reads the run at most once a second) until `ready` holds.
bool wait_for_info(ServeProcess& server, const std::function<bool(const Json&)>& ready) {
  for (int i = 0; i < 600; ++i) {
    const Json info = run_info(server);
    if (!info.is_null() && ready(info)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(ServeLive, ShowsTheNewestCheckpointAndCurvesWhileTrainingWrites) {
  TempDir dir;
  make_synth_faces(dir / "faces", 64, 16);
  const std::string run = dir / "run";
  fs::create_directories(run);
  ServeProcess server(run, dir / "serve.log");
  ASSERT_TRUE(server.started());

  // Nothing trained yet: the page can load, the faces wait.
  const Json empty = run_info(server);
  ASSERT_TRUE(empty.is_object()) << server.log();
  EXPECT_TRUE(empty["checkpoints"].empty());
  EXPECT_TRUE(empty["newest"].is_null());
  auto waiting = server.client()->Get("/api/grid?n=4");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, 409);
  EXPECT_NE(waiting->body.find("no checkpoint yet"), std::string::npos) << waiting->body;

  // Train 12 epochs of 8 steps, a checkpoint every 5 steps, 2 kept; pause it once it has
  // written a few checkpoints and still has most epochs to go.
  ChildProcess train(dcgan_shell_argv(tiny_train_args(dir / "faces", run) +
                                      " --epochs 12 --ckpt-every 5 --keep 2 --eval-every 0"),
                     dir / "train.log");
  ASSERT_TRUE(train.wait_until([&] { return newest_on_disk(run) >= 10; }, seconds(300)))
      << train.log();
  ASSERT_TRUE(train.pause(seconds(30))) << "training ended before it could be paused";
  const int64_t paused_at = newest_on_disk(run);
  ASSERT_LT(paused_at, 96) << "not mid-run";

  Json info;
  ASSERT_TRUE(wait_for_info(server, [&](const Json& i) {
    info = i;  // the checkpoint, and the metrics written up to the pause
    return i["newest"] == paused_at && i["status"].value("step", 0) >= paused_at;
  })) << info.dump();
  EXPECT_EQ(info["status"]["text"].get<std::string>().rfind("in progress", 0), 0u) << info.dump();
  // The checkpoints on disk, however many the trainer has written and not yet pruned.
  Json on_disk = Json::array();
  for (const auto& path : dcgan::gan::list_checkpoints(run)) {
    on_disk.push_back(std::stoll(fs::path(path).filename().string().substr(5, 8)));
  }
  Json listed = Json::array();
  for (const auto& c : info["checkpoints"]) listed.push_back(c["step"]);
  EXPECT_EQ(listed, on_disk);
  auto grid = server.client()->Get("/api/grid?n=4&seed=1");
  ASSERT_TRUE(grid);
  ASSERT_EQ(grid->status, 200) << grid->body;
  EXPECT_EQ(grid->get_header_value("X-Dcgan-Checkpoint"), std::to_string(paused_at));
  auto curves = server.client()->Get("/api/curves");
  ASSERT_TRUE(curves);
  const Json mid_curves = Json::parse(curves->body);
  EXPECT_NE(mid_curves["html"].get<std::string>().find("<polyline"), std::string::npos);

  // Let it finish while a client keeps asking for the newest faces: pruned checkpoints may be
  // a 404 for a request that named them, never a failure.
  train.resume();
  int asked = 0, failed = 0;
  while (!exited(train) && asked < 5000) {
    ++asked;
    auto r = server.client()->Get("/api/grid?n=4&seed=1");
    if (!r || (r->status != 200 && r->status != 404)) ++failed;
  }
  EXPECT_EQ(failed, 0);
  ASSERT_EQ(train.wait_exit(seconds(300)), 0) << train.log();

  ASSERT_TRUE(wait_for_info(server, [&](const Json& i) {
    info = i;
    return i["newest"] == 96 && i["status"]["text"] == "finished";
  })) << info.dump();
  auto final_grid = server.client()->Get("/api/grid?n=4&seed=1");
  ASSERT_EQ(final_grid->status, 200);
  EXPECT_EQ(final_grid->get_header_value("X-Dcgan-Checkpoint"), "96");
  EXPECT_NE(final_grid->body, grid->body) << "the same z, a later generator";
  const Json final_curves = Json::parse(server.client()->Get("/api/curves")->body);
  EXPECT_NE(final_curves["version"], mid_curves["version"]);
  EXPECT_EQ(info["status"]["step"], 96);
  EXPECT_EQ(info["checkpoints"].back()["epoch"], 12);
}

TEST(ServeCli, FlagErrorsAreOneLine) {
  TempDir dir;
  auto missing = run_dcgan("serve " + shell_quote(dir / "nope"));
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_EQ(lines_of(missing.output).size(), 1u) << missing.output;
  EXPECT_NE(missing.output.find("is not a folder"), std::string::npos) << missing.output;

  auto port = run_dcgan("serve " + shell_quote(dir.path()) + " --port 70000");
  EXPECT_EQ(port.exit_code, 2) << port.output;
  EXPECT_NE(port.output.find("--port must be between 0"), std::string::npos) << port.output;

  auto no_run = run_dcgan("serve");
  EXPECT_EQ(no_run.exit_code, 2) << no_run.output;
}

TEST(ServeCli, APortInUseIsAnErrorAndCtrlCStops) {
  TempDir dir;
  ServeProcess first(dir.path(), dir / "first.log");
  ASSERT_TRUE(first.started());
  auto second =
      run_dcgan("serve " + shell_quote(dir.path()) + " --port " + std::to_string(first.port()));
  EXPECT_EQ(second.exit_code, 3) << second.output;
  EXPECT_NE(second.output.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << second.output;

  first.process().send(SIGINT);
  EXPECT_EQ(first.process().wait_exit(seconds(60)), 0) << first.log();
  EXPECT_NE(first.log().find("stopped serving"), std::string::npos) << first.log();
}

}  // namespace
