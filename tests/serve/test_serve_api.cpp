// `dcgan serve` over real loopback HTTP, on a run trained here (synthetic faces, 16 px): the
// page is embedded and loads nothing from elsewhere; the API's images are `dcgan sample`'s own
// (a grid is the CLI's grid, a downloaded z reproduces its face through `dcgan sample --z`);
// bad parameters, 10,000 images and wrong-length z get a 4xx naming the problem; no request
// target, however encoded, reads a file (outside RUN or in it); concurrent clients all get the
// answers a lone client gets; idle connections do not hold up others. A run trained with --ema
// is shown through its averaged G, as `dcgan sample` draws it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/core/json.h"
#include "dcgan/gan/sampler.h"
#include "dcgan/kernels/threads.h"
#include "dcgan/vision/image_io.h"
#include "serve/serve_test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using dcgan::Json;

namespace {

constexpr int kSide = 16;
constexpr int kZDim = 16;

std::string checkpoint_file(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "ckpt-%08lld.pt", static_cast<long long>(step));
  return name;
}

class ServeApi : public TrainedRunSuite {
 protected:
  static void SetUpTestSuite() {
    train_suite_run(64, kSide);  // 2 epochs of 8 steps: checkpoints at steps 8 and 16
    // A file beside the run that no request may read, and a link to it inside the run.
    secret_ = "secret-" + std::to_string(std::random_device{}()) + "-token";
    dcgan::atomic_write(fs::path(run()).parent_path() / "secret.txt", secret_ + "\n");
    fs::create_symlink("../secret.txt", run() + "/secret-link.txt");
    logs_ = std::make_unique<TempDir>();
    server_ = std::make_unique<ServeProcess>(run(), *logs_ / "serve.log");
  }
  static void TearDownTestSuite() {
    server_.reset();
    logs_.reset();
    TrainedRunSuite::TearDownTestSuite();
  }
  void SetUp() override {
    TrainedRunSuite::SetUp();
    ASSERT_TRUE(server_ && server_->started()) << (server_ ? server_->log() : "");
  }

  static httplib::Result get(const std::string& target) { return server_->client()->Get(target); }
  static httplib::Result post(const std::string& target, const Json& body) {
    return server_->client()->Post(target, body.dump(), "application/json");
  }
  static httplib::Result post_text(const std::string& target, const std::string& body) {
    return server_->client()->Post(target, body, "application/json");
  }
  // `dcgan -q sample --run RUN <args>`.
  static CommandResult sample(const std::string& args) {
    return run_dcgan("-q sample --run " + shell_quote(run()) + " " + args);
  }
  static std::string checkpoint_path(int64_t step) {
    return run() + "/checkpoints/" + checkpoint_file(step);
  }

  static std::unique_ptr<TempDir> logs_;
  static std::unique_ptr<ServeProcess> server_;
  static std::string secret_;
};

std::unique_ptr<TempDir> ServeApi::logs_;
std::unique_ptr<ServeProcess> ServeApi::server_;
std::string ServeApi::secret_;

cv::Mat read_unchanged(const std::string& path) {
  return dcgan::vision::read_image(path, dcgan::vision::ReadMode::kUnchanged);
}

Json json_of(const httplib::Result& r) { return Json::parse(r->body); }

// A 4xx/5xx answer with a JSON {"error": ...} naming `what`.
void expect_error(const httplib::Result& r, int status, const std::string& what,
                  const std::string& request) {
  ASSERT_TRUE(r) << request << ": no response";
  EXPECT_EQ(r->status, status) << request << ": " << r->body;
  const Json body = Json::parse(r->body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.contains("error")) << request << ": " << r->body;
  EXPECT_NE(body["error"].get<std::string>().find(what), std::string::npos)
      << request << ": " << r->body;
  EXPECT_EQ(body["error"].get<std::string>().find('\n'), std::string::npos) << "one line";
}

TEST_F(ServeApi, PrintsALoopbackUrlAndListensOnLoopbackOnly) {
  EXPECT_NE(server_->log().find("serving " + run() + " at http://127.0.0.1:"), std::string::npos)
      << server_->log();
  // The listening socket's local address in /proc/net/tcp: 0100007F is 127.0.0.1.
  char port_hex[8];
  std::snprintf(port_hex, sizeof port_hex, "%04X", server_->port());
  const std::string table = dcgan::read_file("/proc/net/tcp");
  const std::string listening = std::string(":") + port_hex + " 00000000:0000 0A";
  const size_t at = table.find(listening);
  ASSERT_NE(at, std::string::npos) << "no listening socket on port " << server_->port();
  EXPECT_EQ(table.substr(at - 8, 8), "0100007F") << "bound to another address than 127.0.0.1";
}

TEST_F(ServeApi, ThePageIsEmbeddedAndLoadsNothingFromElsewhere) {
  auto page = get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<script src=\"/app.js\"></script>"), std::string::npos);
  const std::string policy = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("connect-src 'self'"), std::string::npos) << policy;
  for (const char* asset : {"/", "/app.js", "/style.css"}) {
    auto r = get(asset);
    ASSERT_TRUE(r) << asset;
    EXPECT_EQ(r->status, 200) << asset;
    EXPECT_GT(r->body.size(), 1000u) << asset;
    for (const char* remote : {"http://", "https://", "src=\"//", "href=\"//", "url(", "@import"}) {
      EXPECT_EQ(r->body.find(remote), std::string::npos) << asset << " refers to " << remote;
    }
  }
  auto script = get("/app.js");
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(ServeApi, RunInfoListsTheCheckpointsAndTheModel) {
  auto r = get("/api/run");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json info = json_of(r);
  EXPECT_EQ(info["run"], "run");
  EXPECT_EQ(info["model"]["z_dim"], kZDim);
  EXPECT_EQ(info["model"]["size"], kSide);
  EXPECT_EQ(info["z_dist"], "uniform");
  ASSERT_EQ(info["checkpoints"].size(), 2u) << info.dump();
  EXPECT_EQ(info["checkpoints"][0]["step"], 8);
  EXPECT_EQ(info["checkpoints"][0]["epoch"], 1);
  EXPECT_EQ(info["checkpoints"][1]["step"], 16);
  EXPECT_EQ(info["checkpoints"][1]["epoch"], 2);
  EXPECT_EQ(info["newest"], 16);
  EXPECT_EQ(info["status"]["text"], "finished");
  EXPECT_EQ(info["status"]["step"], 16);
  EXPECT_EQ(info["limits"]["max_images"], 256);

  auto curves = get("/api/curves?points=100");
  ASSERT_TRUE(curves);
  ASSERT_EQ(curves->status, 200);
  const std::string html = json_of(curves)["html"];
  for (const char* id : {"id='losses'", "id='d-outputs'", "<polyline"}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
}

TEST_F(ServeApi, AGridIsTheGridDcganSampleWrites) {
  for (const int64_t step : {8, 16}) {
    auto r = get("/api/grid?seed=7&n=10&checkpoint=" + std::to_string(step));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
    EXPECT_EQ(r->get_header_value("X-Dcgan-Checkpoint"), std::to_string(step));
    // The server's time, then its parts, for the benchmark and the browser's network panel.
    EXPECT_TRUE(std::regex_match(r->get_header_value("Server-Timing"),
                                 std::regex("app;dur=[0-9.]+, generate;dur=[0-9.]+, "
                                            "encode;dur=[0-9.]+")))
        << r->get_header_value("Server-Timing");
    EXPECT_EQ(r->get_header_value("X-Dcgan-Generator"), "trained") << "the run has no --ema";
    const std::string file = out("grid-" + std::to_string(step) + ".png");
    auto cli = sample("--checkpoint " + shell_quote(checkpoint_path(step)) +
                      " --seed 7 --n 10 --grid " + shell_quote(file));
    ASSERT_EQ(cli.exit_code, 0) << cli.output;
    const cv::Mat served = decode_png(r->body);
    ASSERT_FALSE(served.empty());
    EXPECT_EQ(max_abs_diff(served, read_unchanged(file)), 0) << "step " << step;
  }
  // "newest" and no checkpoint at all are the newest step.
  auto newest = get("/api/grid?seed=7&n=10&checkpoint=newest");
  auto plain = get("/api/grid?seed=7&n=10");
  auto step16 = get("/api/grid?seed=7&n=10&checkpoint=16");
  EXPECT_EQ(newest->body, step16->body);
  EXPECT_EQ(plain->body, step16->body);
  auto step8 = get("/api/grid?seed=7&n=10&checkpoint=8");
  EXPECT_NE(step8->body, step16->body) << "another checkpoint, other faces";
}

TEST_F(ServeApi, LatentsAreTheSamplersAndImagesOfThemAreTheGridsTiles) {
  auto latents = get("/api/latents?seed=7&n=10");
  ASSERT_TRUE(latents);
  ASSERT_EQ(latents->status, 200) << latents->body;
  const Json z = json_of(latents)["z"];
  ASSERT_EQ(z.size(), 10u);
  dcgan::kernels::set_compute_threads(1);
  const auto loaded = dcgan::gan::load_for_sampling(run(), "", "cpu");
  const torch::Tensor expected = dcgan::gan::sample_latents(loaded, 10, 7);
  const torch::Tensor served = dcgan::gan::latents_from_json(json_of(latents), kZDim, "response");
  EXPECT_TRUE(torch::equal(served, expected)) << "the JSON round trip must be exact";

  // The same z through /api/images: one row without padding, tile i = grid tile i.
  auto strip = post("/api/images", {{"z", z}, {"pad", 0}, {"cols", 10}});
  ASSERT_TRUE(strip);
  ASSERT_EQ(strip->status, 200) << strip->body;
  const cv::Mat row = decode_png(strip->body);
  ASSERT_EQ(row.size(), cv::Size(10 * kSide, kSide));
  const cv::Mat grid = decode_png(get("/api/grid?seed=7&n=10")->body);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(max_abs_diff(row(cv::Rect(i * kSide, 0, kSide, kSide)), grid_tile(grid, i, 4, kSide)),
              0)
        << "tile " << i;
  }
}

TEST_F(ServeApi, ADownloadedZReproducesItsFaceThroughDcganSample) {
  // A z as the page makes one: a pinned face moved along a direction, rounded to float32.
  auto latents = get("/api/latents?seed=3&n=2&checkpoint=8");
  ASSERT_EQ(latents->status, 200);
  Json z = json_of(latents)["z"][1];
  for (auto& v : z) v = static_cast<float>(v.get<double>() * 0.7 + 0.123456789);
  auto file = post("/api/z", {{"z", Json::array({z})}, {"checkpoint", 8}});
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200) << file->body;
  EXPECT_NE(file->get_header_value("Content-Disposition").find("dcgan-z-step-8.json"),
            std::string::npos);
  const Json document = json_of(file);
  EXPECT_EQ(document["checkpoint"], "checkpoints/" + checkpoint_file(8));
  EXPECT_EQ(document["z"][0], z);
  EXPECT_EQ(document["generator"], "trained");
  const std::string path = out("face.json");
  dcgan::atomic_write(path, file->body);

  auto face = post("/api/images", {{"z", Json::array({z})}, {"checkpoint", 8}, {"pad", 0}});
  ASSERT_EQ(face->status, 200) << face->body;
  auto cli = sample("--checkpoint " +
                    shell_quote(run() + "/" + document["checkpoint"].get<std::string>()) + " --z " +
                    shell_quote(path) + " --out-dir " + shell_quote(out("faces")));
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  const cv::Mat served = decode_png(face->body);
  ASSERT_EQ(served.size(), cv::Size(kSide, kSide));
  EXPECT_EQ(max_abs_diff(served, read_unchanged(out("faces/sample-00000.png"))), 0);
  // And not by accident: the newest checkpoint draws another face from it.
  ASSERT_EQ(
      sample("--z " + shell_quote(path) + " --out-dir " + shell_quote(out("newest"))).exit_code, 0);
  EXPECT_GT(max_abs_diff(served, read_unchanged(out("newest/sample-00000.png"))), 0);
}

TEST_F(ServeApi, DirectionsAreUnitVectorsOfTheZDimension) {
  auto r = get("/api/directions?checkpoint=16&k=3");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json d = json_of(r);
  ASSERT_EQ(d["directions"].size(), 3u);
  for (const auto& direction : d["directions"]) {
    ASSERT_EQ(direction.size(), static_cast<size_t>(kZDim));
    double norm = 0;
    for (const auto& v : direction) norm += v.get<double>() * v.get<double>();
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  EXPECT_GE(d["explained"][0].get<double>(), d["explained"][1].get<double>());
  EXPECT_GT(d["sigma"][0].get<double>(), 0);
  // Moving along the first one changes the face.
  Json z = json_of(get("/api/latents?seed=1&n=1"))["z"][0];
  Json moved = z;
  for (int k = 0; k < kZDim; ++k) {
    moved[k] = static_cast<float>(z[k].get<double>() + 3 * d["sigma"][0].get<double>() *
                                                           d["directions"][0][k].get<double>());
  }
  auto both = post("/api/images", {{"z", Json::array({z, moved})}, {"pad", 0}, {"cols", 2}});
  ASSERT_EQ(both->status, 200);
  const cv::Mat pair = decode_png(both->body);
  EXPECT_GT(
      max_abs_diff(pair(cv::Rect(0, 0, kSide, kSide)), pair(cv::Rect(kSide, 0, kSide, kSide))), 0);
}

TEST_F(ServeApi, BadParametersAreA4xxNamingTheProblem) {
  struct Case {
    std::string target;
    int status;
    std::string what;
  };
  const std::vector<Case> gets = {
      {"/api/grid?n=10000", 400, "n must be from 1 to 256"},
      {"/api/latents?n=10000", 400, "n must be from 1 to 256"},
      {"/api/grid?n=0", 400, "n must be from 1 to 256"},
      {"/api/grid?n=-1", 400, "n must be a whole number"},
      {"/api/grid?n=abc", 400, "n must be a whole number"},
      {"/api/grid?n=1e3", 400, "n must be a whole number"},
      {"/api/grid?n=", 400, "n must be a whole number"},
      {"/api/grid?n=99999999999999999999999", 400, "n must be from 1 to 256"},
      {"/api/grid?seed=-1", 400, "seed must be a whole number"},
      {"/api/grid?seed=18446744073709551616", 400, "seed must be from 0"},
      {"/api/grid?seed=0x10", 400, "seed must be a whole number"},
      {"/api/grid?pad=17", 400, "pad must be from 0 to 16"},
      {"/api/grid?n=10&cols=11", 400, "cols must be from 0 to 10"},
      {"/api/grid?size=64", 400, "unknown parameter 'size'"},
      {"/api/grid?n=4&n=5", 400, "given more than once"},
      {"/api/grid?checkpoint=999", 404, "no checkpoint at step 999; the run has steps 8, 16"},
      {"/api/grid?checkpoint=../../etc/passwd", 400, "checkpoint (a step, or newest) must be"},
      {"/api/grid?checkpoint=ckpt-00000016.pt", 400, "checkpoint (a step, or newest) must be"},
      {"/api/directions?k=9", 400, "k must be from 1 to 8"},
      {"/api/curves?points=5", 400, "points must be from 20"},
      {"/api/run?x=1", 400, "takes none"},
      {"/api/nope", 404, "no API endpoint"},
      {"/api/images", 405, "takes POST only"},
      {"/nope.html", 404, "not found"},
  };
  for (const Case& c : gets) expect_error(get(c.target), c.status, c.what, c.target);
  expect_error(post("/api/grid", Json::object()), 405, "takes GET only", "POST /api/grid");

  const Json ok_z = Json::array({std::vector<double>(kZDim, 0.5)});
  struct BodyCase {
    std::string body;
    std::string what;
  };
  Json ten_thousand = Json::array();
  for (int i = 0; i < 10000; ++i) ten_thousand.push_back(std::vector<double>(kZDim, 0.0));
  Json with_string = ok_z;
  with_string[0][3] = "x";
  const std::vector<BodyCase> bodies = {
      {"not json", "must be a JSON object"},
      {"[1, 2]", "must be a JSON object"},
      {"{}", "needs \"z\""},
      {Json{{"z", ten_thousand}}.dump(), "z holds 10000 latents; at most 256 per request"},
      {Json{{"z", std::vector<double>(kZDim - 1, 0.5)}}.dump(),
       "must be 16 numbers (the run's z dimension), got 15"},
      {Json{{"z", Json::array({std::vector<double>(kZDim + 84, 0.5)})}}.dump(),
       "z[0] must be 16 numbers (the run's z dimension), got 100"},
      {Json{{"z", with_string}}.dump(), "z[0][3] is not a finite number"},
      {Json{{"z", Json::array()}}.dump(), "no latents"},
      {"{\"z\": [[1e999]]}", "must be a JSON object"},
      {Json{{"z", ok_z}, {"checkpoint", 5}}.dump(), "no checkpoint at step 5"},
      {Json{{"z", ok_z}, {"checkpoint", "x"}}.dump(), "must be a whole number"},
      {Json{{"z", ok_z}, {"pad", 99}}.dump(), "pad must be from 0 to 16"},
      {Json{{"z", ok_z}, {"cols", 2}}.dump(), "cols must be from 0 to 1"},
      {Json{{"z", ok_z}, {"size", 2}}.dump(), "unknown field 'size'"},
  };
  for (const BodyCase& c : bodies) {
    const int status = c.what.rfind("no checkpoint", 0) == 0 ? 404 : 400;
    expect_error(post_text("/api/images", c.body), status, c.what, "POST " + c.body.substr(0, 80));
  }
  expect_error(post_text("/api/z", Json{{"z", ten_thousand}}.dump()), 400, "at most 256",
               "POST /api/z 10000");
  // A body over the 4 MiB limit is refused before it is read.
  expect_error(post_text("/api/images", std::string(5 << 20, ' ')), 413, "too large", "5 MiB body");

  // The server is still there and well.
  auto after = get("/api/grid?n=4");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(ServeApi, NoRequestTargetReadsAFile) {
  const std::vector<std::string> targets = {
      "/../secret.txt",
      "/../../../../../../etc/passwd",
      "/%2e%2e/secret.txt",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",
      "/..%2F..%2F..%2Fetc%2Fpasswd",
      "/%252e%252e/secret.txt",
      "/%c0%ae%c0%ae/secret.txt",
      "/..%5csecret.txt",
      "/..\\secret.txt",
      "/app.js/../../secret.txt",
      "/api/../../secret.txt",
      "/api/run/../../secret.txt",
      "//etc/passwd",
      "/etc/passwd",
      "/secret-link.txt",
      "/run/secret-link.txt",
      "/config.json",
      "/metrics.jsonl",
      "/checkpoints/" + checkpoint_file(16),
      "/samples/epoch-0001.png",
      "/%00/etc/passwd",
      "/app.js%00.png",
      "/index.html",
      "/api/grid?checkpoint=../secret.txt",
      "/api/grid?checkpoint=%2e%2e%2fsecret.txt",
      "/api/grid?checkpoint=/etc/passwd",
      "/api/latents?checkpoint=..%2F..%2Fsecret.txt",
      "/api/directions?checkpoint=%252e%252e",
      "http://127.0.0.1/../secret.txt",
      "/api/curves?points=100&file=../secret.txt",
  };
  const std::string passwd = dcgan::read_file("/etc/passwd").substr(0, 20);
  const std::string checkpoint_bytes = dcgan::read_file(checkpoint_path(16)).substr(0, 64);
  for (const std::string& target : targets) {
    const RawResponse r = raw_get(server_->port(), target);
    EXPECT_GE(r.status, 400) << target << " answered " << r.status << ": " << r.body.substr(0, 200);
    EXPECT_LT(r.status, 500) << target << ": " << r.body.substr(0, 200);
    EXPECT_EQ(r.body.find(secret_), std::string::npos) << target << " leaked the secret file";
    EXPECT_EQ(r.body.find(passwd), std::string::npos) << target << " leaked /etc/passwd";
    EXPECT_EQ(r.body.find(checkpoint_bytes), std::string::npos) << target << " served a checkpoint";
    EXPECT_EQ(r.body.find("\"train\""), std::string::npos) << target << " served config.json";
  }
  // The page itself stays reachable under its one name.
  EXPECT_EQ(raw_get(server_->port(), "/").status, 200);
}

TEST_F(ServeApi, ConcurrentClientsGetWhatALoneClientGets) {
  // Each kind of request once, alone: the reference answers.
  const std::vector<std::string> targets = {
      "/api/grid?seed=1&n=64", "/api/grid?seed=2&n=9&checkpoint=8", "/api/latents?seed=5&n=32",
      "/api/grid?seed=3&n=1&pad=0", "/api/run"};
  std::vector<std::string> reference;
  for (const auto& t : targets) {
    auto r = get(t);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << t;
    reference.push_back(r->body);
  }
  const Json images_body = {{"z", json_of(get("/api/latents?seed=9&n=16"))["z"]},
                            {"checkpoint", 8}};
  auto images_reference = post("/api/images", images_body);
  ASSERT_EQ(images_reference->status, 200);

  // Eight clients at once, each asking for all of them several times in its own order, and one
  // more asking for 10,000 images meanwhile.
  constexpr int kClients = 8, kRounds = 3;
  std::atomic<int> mismatches{0}, failures{0}, refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = server_->client();
      for (int round = 0; round < kRounds; ++round) {
        for (size_t k = 0; k < targets.size(); ++k) {
          const size_t i = (k + c + round) % targets.size();
          auto r = client->Get(targets[i]);
          if (!r || r->status != 200) {
            ++failures;
          } else if (targets[i] != "/api/run" && r->body != reference[i]) {
            ++mismatches;
          }
        }
        auto r = client->Post("/api/images", images_body.dump(), "application/json");
        if (!r || r->status != 200) {
          ++failures;
        } else if (r->body != images_reference->body) {
          ++mismatches;
        }
      }
    });
  }
  clients.emplace_back([&] {
    auto r = server_->client()->Get("/api/grid?n=10000");
    if (r && r->status == 400) ++refused;
  });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mismatches, 0) << "a concurrent answer differs from the lone one";
  EXPECT_EQ(refused, 1);
}

TEST_F(ServeApi, IdleConnectionsDoNotHoldUpOthers) {
  // Browsers keep connections open; a client may connect and say nothing, or half a request.
  // With more of those than httplib's default pool (8 threads) a request would wait for their
  // read timeout, by which time they would be closed.
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i) {
    const int fd = connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    if (i % 2) {
      const std::string half = "GET /api/run HTTP/1.1\r\nHost: 1";
      ASSERT_GT(::send(fd, half.data(), half.size(), MSG_NOSIGNAL), 0);
    }
    idle.push_back(fd);
  }
  auto r = get("/api/grid?n=4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (int fd : idle) {
    EXPECT_TRUE(still_open(fd)) << "the request was answered only after idle connections timed out";
    ::close(fd);
  }
}

TEST(ServeAveragedGenerator, ARunTrainedWithEmaIsShownThroughItsAverageAsDcganSampleDoes) {
  TempDir dir;
  make_synth_faces(dir / "faces", 64, kSide);
  const std::string run = dir / "run";
  auto train =
      run_dcgan(tiny_train_args(dir / "faces", run) + " --epochs 2 --eval-every 0 --ema 0.9");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  ServeProcess server(run, dir / "serve.log");
  ASSERT_TRUE(server.started());

  auto grid = server.client()->Get("/api/grid?seed=4&n=9");
  ASSERT_TRUE(grid);
  ASSERT_EQ(grid->status, 200) << grid->body;
  EXPECT_EQ(grid->get_header_value("X-Dcgan-Generator"), "averaged");
  auto latents = server.client()->Get("/api/latents?seed=4&n=1");
  ASSERT_EQ(latents->status, 200);
  EXPECT_EQ(Json::parse(latents->body)["generator"], "averaged");

  const auto sample = [&](const std::string& flags, const std::string& file) {
    auto r = run_dcgan("-q sample --run " + shell_quote(run) + " --seed 4 --n 9 --grid " +
                       shell_quote(file) + flags);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return read_unchanged(file);
  };
  const cv::Mat served = decode_png(grid->body);
  ASSERT_FALSE(served.empty());
  EXPECT_EQ(max_abs_diff(served, sample("", dir / "averaged.png")), 0)
      << "not the grid dcgan sample draws with the average";
  EXPECT_GT(max_abs_diff(served, sample(" --raw-g", dir / "raw.png")), 0)
      << "the faces of G as trained, not of its average";
}

}  // namespace
