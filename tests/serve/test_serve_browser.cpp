// The `dcgan serve` page as a person uses it, in Debian's headless chromium driven by
// playwright-core (browser/serve_page.mjs): on a short real run, it clicks "more", pins two
// faces, interpolates between them, moves a latent slider and downloads a face, its z and the
// grid; then the run trains on and the page follows it without a reload. Checked here: every
// face drawn is a decoded, non-blank image; "more" shows other faces; pins, the interpolation's
// ends and the timeline show exactly the faces they stand for; the slider changes the face;
// the downloaded PNG is the face on the screen and `dcgan sample --z` of the downloaded z
// reproduces it exactly, as `dcgan sample --seed --n --grid` does the grid; the page made no
// request outside its server and logged no error.
#include <gtest/gtest.h>

#include <filesystem>

#include "apps/cli_test_support.h"
#include "dcgan/core/atomic_file.h"
#include "dcgan/core/json.h"
#include "dcgan/vision/image_io.h"
#include "serve/serve_test_support.h"

namespace fs = std::filesystem;
using namespace dcgan::testing;
using dcgan::Json;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kNode = "/usr/bin/node";
constexpr int kSide = 16;

const std::string kBrowserDir = DCGAN_SERVE_BROWSER_DIR;

// One face as the page drew it: opaque, with some structure (not one flat colour).
void expect_face(const Json& canvas, const std::string& what) {
  EXPECT_EQ(canvas["width"], kSide) << what;
  EXPECT_EQ(canvas["height"], kSide) << what;
  EXPECT_TRUE(canvas["opaque"].get<bool>()) << what << ": not drawn (transparent pixels)";
  EXPECT_GT(canvas["colours"].get<int>(), 8) << what << ": blank";
  EXPECT_GT(canvas["std"].get<double>(), 2.0) << what << ": flat";
}

bool same_pixels(const Json& a, const Json& b) { return a["rgb"] == b["rgb"]; }

// The canvas pixels (RGB rows) as a BGR image, to compare with files.
cv::Mat canvas_image(const Json& canvas) {
  cv::Mat image(canvas["height"].get<int>(), canvas["width"].get<int>(), CV_8UC3);
  const Json& rgb = canvas["rgb"];
  size_t i = 0;
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x, i += 3) {
      image.at<cv::Vec3b>(y, x) =
          cv::Vec3b(rgb[i + 2].get<uint8_t>(), rgb[i + 1].get<uint8_t>(), rgb[i].get<uint8_t>());
    }
  }
  return image;
}

cv::Mat read_colour(const std::string& path) { return dcgan::vision::read_image(path); }

TEST(ServeBrowser, APersonExploresARunAndWatchesItTrain) {
  DCGAN_INSTALLED_OR_SKIP(kChromium, "chromium");
  DCGAN_INSTALLED_OR_SKIP(kNode, "nodejs");
  DCGAN_INSTALLED_OR_SKIP(kBrowserDir + "/node_modules/playwright-core/package.json",
                          "playwright-core (the build runs npm ci in tests/serve/browser)");
  TempDir dir;
  make_synth_faces(dir / "faces", 64, kSide);
  const std::string run = dir / "run";
  auto train = run_dcgan(tiny_train_args(dir / "faces", run) + " --epochs 2 --eval-every 0");
  ASSERT_EQ(train.exit_code, 0) << train.output;  // checkpoints at steps 8 and 16
  ServeProcess server(run, dir / "serve.log");
  ASSERT_TRUE(server.started());

  const std::string out = dir / "browser";
  fs::create_directories(out);
  const std::string live = "exec " + shell_quote(DCGAN_BINARY) + " -q train --out " +
                           shell_quote(run) +
                           " --resume --epochs 4";  // two more epochs: steps 24 and 32
  const CommandResult node = run_command(
      "cd " + shell_quote(kBrowserDir) + " && timeout 900 node serve_page.mjs " +
      shell_quote(server.url()) + " " + shell_quote(out) + " " + shell_quote(live) + " 32");
  const auto lines = lines_of(node.output);
  ASSERT_FALSE(lines.empty()) << node.output;
  const Json seen = Json::parse(lines.back(), nullptr, false);
  ASSERT_TRUE(seen.is_object()) << node.output;
  ASSERT_TRUE(seen.value("ok", false)) << seen.value("error", "") << "\n"
                                       << node.output << "\nserver: " << server.log();

  // Nothing but the server (and the page's own blob: images) was asked for; no error logged.
  for (const auto& url : seen["requests"]) {
    const std::string u = url;
    EXPECT_TRUE(u.rfind(seen["origin"].get<std::string>() + "/", 0) == 0 ||
                u.rfind("blob:", 0) == 0 || u.rfind("data:", 0) == 0)
        << "the page loaded " << u;
  }
  EXPECT_TRUE(seen["console_errors"].empty()) << seen["console_errors"].dump();
  EXPECT_EQ(seen["message"], "") << "the page showed an error";

  // The grid, then "more": 16 decoded faces each, all different, and other faces after "more".
  ASSERT_EQ(seen["first_grid"].size(), 16u);
  ASSERT_EQ(seen["more_grid"].size(), 16u);
  EXPECT_EQ(seen["first_step"], "16");
  // The page says which G draws the faces: this run has no weight average (--ema).
  EXPECT_EQ(seen["generator"]["kind"], "trained");
  EXPECT_NE(seen["generator"]["text"].get<std::string>().find("G as trained"), std::string::npos)
      << seen["generator"].dump();
  for (size_t i = 0; i < 16; ++i) {
    expect_face(seen["first_grid"][i], "face " + std::to_string(i));
    expect_face(seen["more_grid"][i], "face " + std::to_string(i) + " after more");
    EXPECT_FALSE(same_pixels(seen["first_grid"][i], seen["more_grid"][i])) << "more: face " << i;
    if (i > 0) {
      EXPECT_FALSE(same_pixels(seen["more_grid"][i], seen["more_grid"][i - 1]));
    }
  }
  EXPECT_EQ(seen["hash_after_more"], "#seed=6&n=16") << "the seed is shareable in the address";

  // Pins are the faces clicked; the interpolation runs from pin A to pin B through others.
  ASSERT_EQ(seen["pins"].size(), 2u);
  EXPECT_TRUE(same_pixels(seen["pins"][0], seen["more_grid"][0]));
  EXPECT_TRUE(same_pixels(seen["pins"][1], seen["more_grid"][3]));
  ASSERT_EQ(seen["strip"].size(), 9u);
  for (const auto& tile : seen["strip"]) expect_face(tile, "interpolation step");
  EXPECT_TRUE(same_pixels(seen["strip"][0], seen["pins"][0]));
  EXPECT_TRUE(same_pixels(seen["strip"][8], seen["pins"][1]));
  EXPECT_FALSE(same_pixels(seen["strip"][4], seen["pins"][0]));
  EXPECT_FALSE(same_pixels(seen["strip"][4], seen["pins"][1]));

  // The focused face (the last pinned) and the slider that moved it.
  EXPECT_TRUE(same_pixels(seen["focus_before"], seen["pins"][1]));
  ASSERT_EQ(seen["sliders"].size(), 5u);
  EXPECT_EQ(seen["sliders"][0].get<std::string>().rfind("direction 1 (", 0), 0u);
  expect_face(seen["focus_after"], "the moved face");
  EXPECT_FALSE(same_pixels(seen["focus_after"], seen["focus_before"])) << "the slider did nothing";
  // Through training: the moved z at both checkpoints, the newest being the face itself.
  ASSERT_EQ(seen["timeline"].size(), 2u);
  EXPECT_EQ(seen["timeline_captions"], Json({"step 8 · epoch 1", "step 16 · epoch 2"}));
  EXPECT_TRUE(same_pixels(seen["timeline"][1], seen["focus_after"]));
  EXPECT_FALSE(same_pixels(seen["timeline"][0], seen["focus_after"]));

  // The downloads: the PNG is the face on the screen, and `dcgan sample --z` reproduces it.
  const std::string face = out + "/face.png";
  ASSERT_TRUE(fs::exists(face));
  const cv::Mat downloaded = read_colour(face);
  ASSERT_EQ(downloaded.size(), cv::Size(kSide, kSide));
  EXPECT_EQ(max_abs_diff(downloaded, canvas_image(seen["focus_after"])), 0);
  EXPECT_EQ(max_abs_diff(downloaded, read_colour(out + "/focus-canvas.png")), 0);
  const Json z = dcgan::read_json_file(out + "/z.json");
  EXPECT_EQ(seen["z"]["suggested"], "dcgan-z-step-16.json");
  ASSERT_EQ(z["checkpoint"], "checkpoints/ckpt-00000016.pt") << z.dump();
  const CommandResult sample =
      run_dcgan("-q sample --run " + shell_quote(run) + " --checkpoint " +
                shell_quote(run + "/checkpoints/ckpt-00000016.pt") + " --z " +
                shell_quote(out + "/z.json") + " --out-dir " + shell_quote(dir / "from-z"));
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  EXPECT_EQ(max_abs_diff(read_colour(dir / "from-z/sample-00000.png"), downloaded), 0)
      << "dcgan sample --z does not reproduce the downloaded face";
  const CommandResult grid = run_dcgan("-q sample --run " + shell_quote(run) + " --checkpoint " +
                                       shell_quote(run + "/checkpoints/ckpt-00000016.pt") +
                                       " --seed 6 --n 16 --grid " + shell_quote(dir / "grid.png"));
  ASSERT_EQ(grid.exit_code, 0) << grid.output;
  EXPECT_EQ(max_abs_diff(read_colour(out + "/grid.png"), read_colour(dir / "grid.png")), 0)
      << "the downloaded grid is not dcgan sample's";

  // Live: the page followed the training to its last checkpoint without a reload.
  EXPECT_EQ(seen["live_exit"], 0);
  EXPECT_TRUE(seen["not_reloaded"].get<bool>());
  EXPECT_EQ(seen["live_options"].back(), "32");
  EXPECT_GE(seen["charts_polylines"].get<int>(), 5) << "three losses and two D outputs";
  ASSERT_EQ(seen["live_grid"].size(), 16u);
  int changed = 0;
  for (size_t i = 0; i < 16; ++i) {
    expect_face(seen["live_grid"][i], "face after training on");
    changed += !same_pixels(seen["live_grid"][i], seen["more_grid"][i]);
  }
  EXPECT_EQ(changed, 16) << "the same z, a later generator: every face changes";
}

}  // namespace
