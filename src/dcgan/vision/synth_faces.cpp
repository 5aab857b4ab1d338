// Procedural anime-style faces drawn with OpenCV's anti-aliased primitives at sub-pixel
// precision. Layers, back to front: background, back hair, neck and clothes, head, blush,
// eyes (sclera, iris, pupil, highlights, lid), brows, nose, mouth, bangs, side locks, ribbon.
// All geometry is in unit coordinates (0..1 of the image side) so every size looks the same.
#include "dcgan/vision/synth_faces.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/json.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/core/version.h"
#include "dcgan/vision/image_io.h"

namespace dcgan::vision {
namespace {

constexpr int kShift = 4;  // sub-pixel bits for OpenCV drawing
constexpr double kPi = 3.14159265358979323846;

// splitmix64: a tiny, portable generator (std distributions differ between libraries, and
// the set must be byte-identical wherever it is built).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int pick(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  bool chance(double p) { return uniform() < p; }

 private:
  uint64_t state_;
};

cv::Scalar jitter(Rng& rng, cv::Scalar c, double amount) {
  for (int i = 0; i < 3; ++i) c[i] = std::clamp(c[i] + rng.uniform(-amount, amount), 0.0, 255.0);
  return c;
}

cv::Scalar scale(cv::Scalar c, double f) {
  for (int i = 0; i < 3; ++i) c[i] = std::clamp(c[i] * f, 0.0, 255.0);
  return c;
}

cv::Scalar mix(cv::Scalar a, cv::Scalar b, double t) {
  cv::Scalar c;
  for (int i = 0; i < 3; ++i) c[i] = a[i] * (1 - t) + b[i] * t;
  return c;
}

// Palettes in BGR.
const cv::Scalar kHairColors[] = {
    {40, 30, 30},    {35, 55, 95},   {60, 110, 170}, {120, 200, 240}, {190, 150, 245},
    {210, 120, 60},  {200, 190, 190}, {50, 50, 190},  {170, 80, 130},  {120, 170, 90},
    {40, 120, 230},  {230, 220, 170}, {90, 60, 50},   {150, 100, 220},
};
const cv::Scalar kSkinColors[] = {
    {215, 228, 255}, {200, 218, 250}, {185, 205, 245}, {170, 195, 235}, {225, 235, 255},
};
const cv::Scalar kEyeColors[] = {
    {180, 90, 30},  {60, 140, 40},  {40, 60, 170},  {160, 50, 120}, {30, 140, 200},
    {70, 70, 70},   {200, 150, 60}, {40, 100, 140}, {130, 40, 40},  {150, 170, 40},
};

// Draws in unit coordinates on a square canvas.
class Painter {
 public:
  explicit Painter(cv::Mat& canvas) : canvas_(canvas), side_(canvas.cols) {}

  cv::Point p(double x, double y) const {
    return {static_cast<int>(std::lround(x * side_ * (1 << kShift))),
            static_cast<int>(std::lround(y * side_ * (1 << kShift)))};
  }
  cv::Size s(double w, double h) const {
    return {std::max(1, static_cast<int>(std::lround(w * side_ * (1 << kShift)))),
            std::max(1, static_cast<int>(std::lround(h * side_ * (1 << kShift))))};
  }
  int thickness(double t) const { return std::max(1, static_cast<int>(std::lround(t * side_))); }

  void ellipse(double cx, double cy, double rx, double ry, double angle_deg, cv::Scalar color,
               double line = -1, double from = 0, double to = 360) {
    cv::ellipse(canvas_, p(cx, cy), s(rx, ry), angle_deg, from, to, color,
                line < 0 ? cv::FILLED : thickness(line), cv::LINE_AA, kShift);
  }
  void polygon(const std::vector<cv::Point2d>& points, cv::Scalar color) {
    std::vector<cv::Point> pts;
    pts.reserve(points.size());
    for (const auto& q : points) pts.push_back(p(q.x, q.y));
    cv::fillPoly(canvas_, std::vector<std::vector<cv::Point>>{pts}, color, cv::LINE_AA, kShift);
  }
  void polyline(const std::vector<cv::Point2d>& points, cv::Scalar color, double line) {
    std::vector<cv::Point> pts;
    for (const auto& q : points) pts.push_back(p(q.x, q.y));
    cv::polylines(canvas_, std::vector<std::vector<cv::Point>>{pts}, false, color,
                  thickness(line), cv::LINE_AA, kShift);
  }

 private:
  cv::Mat& canvas_;
  int side_;
};

struct Face {
  double cx, cy;         // head centre
  double rx, ry;         // head half-width, half-height of the cranium ellipse
  double chin_y;         // chin tip
  double chin_width;     // half-width of the jaw near the chin (0 = pointed)
  double eye_y, eye_dx;  // eye centre line and half-distance between the eyes
  double eye_rx, eye_ry;
  cv::Scalar skin, hair, hair_dark, eye, background_top, background_bottom, clothes;
  int hair_style;  // 0 short, 1 bob, 2 long, 3 twin tails, 4 ponytail
  int bang_style;  // 0 spiky, 1 straight cut, 2 side swept, 3 parted
  int mouth_style;
  bool gradient_background, blush, ribbon, closed_eyes;
  double tilt;  // small head shift left/right for variety
};

Face random_face(Rng& rng) {
  Face f{};
  f.tilt = rng.uniform(-0.03, 0.03);
  f.cx = 0.5 + f.tilt;
  f.cy = rng.uniform(0.44, 0.52);
  f.rx = rng.uniform(0.26, 0.32);
  f.ry = f.rx * rng.uniform(0.95, 1.1);
  f.chin_y = f.cy + f.ry * rng.uniform(1.05, 1.3);
  f.chin_width = rng.uniform(0.0, 0.06);
  f.eye_y = f.cy + f.ry * rng.uniform(0.15, 0.32);
  f.eye_dx = f.rx * rng.uniform(0.42, 0.52);
  f.eye_rx = f.rx * rng.uniform(0.22, 0.3);
  f.eye_ry = f.eye_rx * rng.uniform(1.05, 1.45);
  f.skin = jitter(rng, kSkinColors[rng.pick(std::size(kSkinColors))], 6);
  f.hair = jitter(rng, kHairColors[rng.pick(std::size(kHairColors))], 25);
  f.hair_dark = scale(f.hair, 0.6);
  f.eye = jitter(rng, kEyeColors[rng.pick(std::size(kEyeColors))], 25);
  f.gradient_background = rng.chance(0.5);
  f.background_top = cv::Scalar(rng.uniform(60, 255), rng.uniform(60, 255), rng.uniform(60, 255));
  f.background_bottom = f.gradient_background
                            ? cv::Scalar(rng.uniform(40, 255), rng.uniform(40, 255), rng.uniform(40, 255))
                            : f.background_top;
  f.clothes = cv::Scalar(rng.uniform(20, 240), rng.uniform(20, 240), rng.uniform(20, 240));
  f.hair_style = rng.pick(5);
  f.bang_style = rng.pick(4);
  f.mouth_style = rng.pick(4);
  f.blush = rng.chance(0.4);
  f.ribbon = rng.chance(0.25);
  f.closed_eyes = rng.chance(0.07);
  return f;
}

void draw_background(cv::Mat& img, const Face& f) {
  if (!f.gradient_background) {
    img.setTo(f.background_top);
    return;
  }
  for (int y = 0; y < img.rows; ++y) {
    cv::Scalar c = mix(f.background_top, f.background_bottom, double(y) / std::max(1, img.rows - 1));
    img.row(y).setTo(c);
  }
}

void draw_back_hair(Painter& pt, const Face& f, Rng& rng) {
  switch (f.hair_style) {
    case 0:  // short: a cap slightly larger than the head
      pt.ellipse(f.cx, f.cy + 0.02, f.rx * 1.18, f.ry * 1.2, 0, f.hair);
      break;
    case 1:  // bob: to the jaw line
      pt.polygon({{f.cx - f.rx * 1.25, f.cy}, {f.cx - f.rx * 1.3, f.chin_y - 0.02},
                  {f.cx + f.rx * 1.3, f.chin_y - 0.02}, {f.cx + f.rx * 1.25, f.cy}},
                 f.hair);
      pt.ellipse(f.cx, f.cy, f.rx * 1.25, f.ry * 1.2, 0, f.hair);
      break;
    case 2:  // long: down past the shoulders
      pt.polygon({{f.cx - f.rx * 1.2, f.cy}, {f.cx - f.rx * 1.55, 1.05},
                  {f.cx + f.rx * 1.55, 1.05}, {f.cx + f.rx * 1.2, f.cy}},
                 f.hair);
      pt.ellipse(f.cx, f.cy, f.rx * 1.22, f.ry * 1.2, 0, f.hair);
      break;
    case 3: {  // twin tails on both sides
      double w = rng.uniform(0.09, 0.13);
      pt.ellipse(f.cx - f.rx * 1.35, f.cy + 0.2, w, 0.32, -8, f.hair);
      pt.ellipse(f.cx + f.rx * 1.35, f.cy + 0.2, w, 0.32, 8, f.hair);
      pt.ellipse(f.cx, f.cy, f.rx * 1.17, f.ry * 1.18, 0, f.hair);
      break;
    }
    default:  // ponytail sticking out behind one side
      pt.ellipse(f.cx + f.rx * (rng.chance(0.5) ? 1.1 : -1.1), f.cy - 0.05, 0.1, 0.26, 20, f.hair);
      pt.ellipse(f.cx, f.cy, f.rx * 1.17, f.ry * 1.18, 0, f.hair);
      break;
  }
}

void draw_body(Painter& pt, const Face& f) {
  pt.polygon({{f.cx - 0.06, f.chin_y - 0.1}, {f.cx - 0.07, 1.0}, {f.cx + 0.07, 1.0},
              {f.cx + 0.06, f.chin_y - 0.1}},
             scale(f.skin, 0.92));
  pt.ellipse(f.cx, 1.12, 0.42, 0.2, 0, f.clothes);
  pt.polygon({{f.cx - 0.07, 0.93}, {f.cx, 1.0}, {f.cx + 0.07, 0.93}}, scale(f.skin, 0.92));
}

void draw_head(Painter& pt, const Face& f) {
  // Cranium ellipse plus a jaw polygon tapering to the chin: the anime "V" face.
  pt.ellipse(f.cx, f.cy, f.rx, f.ry, 0, f.skin);
  std::vector<cv::Point2d> jaw;
  const int n = 8;
  for (int i = 0; i <= n; ++i) {  // right side of the jaw, from ear to chin
    double t = double(i) / n;
    double x = f.cx + (f.rx * (1 - t) + f.chin_width * t) * (1 - 0.15 * t * t);
    double y = f.cy + (f.chin_y - f.cy) * std::sin(t * kPi / 2);
    jaw.push_back({x, y});
  }
  for (int i = n; i >= 0; --i) jaw.push_back({2 * f.cx - jaw[i].x, jaw[i].y});
  pt.polygon(jaw, f.skin);
  // Ears peeking out for short hair are hidden later by bangs/locks when hair is long.
  pt.ellipse(f.cx - f.rx * 0.98, f.cy + f.ry * 0.35, 0.025, 0.045, 0, scale(f.skin, 0.95));
  pt.ellipse(f.cx + f.rx * 0.98, f.cy + f.ry * 0.35, 0.025, 0.045, 0, scale(f.skin, 0.95));
}

void draw_eye(Painter& pt, const Face& f, double ex, double side, Rng& rng) {
  const double ey = f.eye_y;
  const cv::Scalar line_color = scale(f.hair_dark, 0.5);
  if (f.closed_eyes) {  // a happy "^" arc
    pt.ellipse(ex, ey + f.eye_ry * 0.3, f.eye_rx, f.eye_ry * 0.5, 0, line_color, 0.018, 190, 350);
    return;
  }
  pt.ellipse(ex, ey, f.eye_rx, f.eye_ry, 0, cv::Scalar(250, 250, 250));
  const double irx = f.eye_rx * 0.78, iry = f.eye_ry * 0.88;
  const double iy = ey + f.eye_ry * 0.08;
  pt.ellipse(ex, iy, irx, iry, 0, scale(f.eye, 0.7));
  pt.ellipse(ex, iy + iry * 0.2, irx * 0.85, iry * 0.7, 0, f.eye);
  pt.ellipse(ex, iy, irx * 0.45, iry * 0.5, 0, scale(f.eye, 0.25));
  // Highlights: one big upper, one small lower, offset to the light side.
  const double light = side * 0.3;
  pt.ellipse(ex - irx * (0.35 + light), iy - iry * 0.4, irx * 0.3, iry * 0.25, 0,
             cv::Scalar(255, 255, 255));
  pt.ellipse(ex + irx * 0.35, iy + iry * 0.45, irx * 0.14, iry * 0.12, 0, cv::Scalar(255, 255, 255));
  // Upper lid: a thick dark arc over the top of the eye, with a flick at the outer corner.
  pt.ellipse(ex, ey + f.eye_ry * 0.05, f.eye_rx * 1.08, f.eye_ry * 1.02, 0, line_color, 0.022,
             200, 340);
  pt.polyline({{ex + side * f.eye_rx * 0.95, ey - f.eye_ry * 0.25},
               {ex + side * f.eye_rx * 1.25, ey - f.eye_ry * 0.5}},
              line_color, 0.015);
  if (rng.chance(0.5)) {  // lower lash line
    pt.ellipse(ex, ey - f.eye_ry * 0.1, f.eye_rx * 0.9, f.eye_ry * 1.05, 0, line_color, 0.008, 60,
               120);
  }
}

void draw_features(Painter& pt, const Face& f, Rng& rng) {
  if (f.blush) {
    cv::Scalar blush = mix(f.skin, cv::Scalar(150, 140, 250), 0.45);
    pt.ellipse(f.cx - f.eye_dx * 1.1, f.eye_y + f.eye_ry * 1.45, f.eye_rx * 0.8, f.eye_ry * 0.25,
               0, blush);
    pt.ellipse(f.cx + f.eye_dx * 1.1, f.eye_y + f.eye_ry * 1.45, f.eye_rx * 0.8, f.eye_ry * 0.25,
               0, blush);
  }
  draw_eye(pt, f, f.cx - f.eye_dx, -1, rng);
  draw_eye(pt, f, f.cx + f.eye_dx, +1, rng);
  // Brows: thin arcs, sometimes raised, sometimes angled.
  const double brow_y = f.eye_y - f.eye_ry * rng.uniform(1.35, 1.7);
  const double angle = rng.uniform(-12, 12);
  for (double side : {-1.0, 1.0}) {
    pt.ellipse(f.cx + side * f.eye_dx, brow_y, f.eye_rx * 1.1, f.eye_ry * 0.35, side * angle,
               f.hair_dark, 0.012, 200, 340);
  }
  // Nose: a small shadow tick.
  const double nose_y = f.eye_y + (f.chin_y - f.eye_y) * 0.45;
  pt.polyline({{f.cx + 0.004, nose_y - 0.02}, {f.cx - 0.006, nose_y}}, scale(f.skin, 0.75), 0.01);
  // Mouth.
  const double mouth_y = f.eye_y + (f.chin_y - f.eye_y) * 0.7;
  const cv::Scalar mouth_line = cv::Scalar(60, 60, 140);
  switch (f.mouth_style) {
    case 0:  // smile
      pt.ellipse(f.cx, mouth_y - 0.015, 0.04, 0.02, 0, mouth_line, 0.01, 20, 160);
      break;
    case 1:  // open "o" with a tongue
      pt.ellipse(f.cx, mouth_y, 0.028, 0.022, 0, cv::Scalar(70, 60, 150));
      pt.ellipse(f.cx, mouth_y + 0.01, 0.018, 0.01, 0, cv::Scalar(140, 140, 240));
      break;
    case 2:  // cat mouth
      pt.ellipse(f.cx - 0.015, mouth_y - 0.01, 0.015, 0.012, 0, mouth_line, 0.009, 0, 180);
      pt.ellipse(f.cx + 0.015, mouth_y - 0.01, 0.015, 0.012, 0, mouth_line, 0.009, 0, 180);
      break;
    default:  // flat line
      pt.polyline({{f.cx - 0.025, mouth_y}, {f.cx + 0.025, mouth_y}}, mouth_line, 0.009);
      break;
  }
}

void draw_bangs(Painter& pt, const Face& f, Rng& rng) {
  const double hairline = f.cy - f.ry * rng.uniform(0.0, 0.25);  // where bangs end
  const double top = f.cy - f.ry * 1.2;
  const double left = f.cx - f.rx * 1.15, right = f.cx + f.rx * 1.15;
  // The crown: covers the top of the head.
  pt.ellipse(f.cx, f.cy - f.ry * 0.25, f.rx * 1.12, f.ry * 0.98, 0, f.hair, -1, 180, 360);
  std::vector<cv::Point2d> fringe;
  fringe.push_back({left, f.cy - f.ry * 0.1});
  fringe.push_back({left, top + 0.1});
  fringe.push_back({right, top + 0.1});
  fringe.push_back({right, f.cy - f.ry * 0.1});
  const int spikes = 4 + rng.pick(4);
  const double tip_extra = f.eye_y - f.eye_ry * 1.2 - hairline;  // tips may reach the brows
  for (int i = spikes; i >= 0; --i) {
    double x = right - (right - left) * i / spikes;
    double x_mid = x - (right - left) / spikes / 2;
    double base = f.cy - f.ry * 0.45;
    switch (f.bang_style) {
      case 0:  // spiky: tips alternate long and short
        fringe.push_back({x, base});
        if (i > 0) fringe.push_back({x_mid + rng.uniform(-0.01, 0.01), hairline + rng.uniform(0, tip_extra)});
        break;
      case 1:  // straight cut
        fringe.push_back({x, hairline});
        break;
      case 2:  // swept to one side: tips lean right
        fringe.push_back({x, base});
        if (i > 0) fringe.push_back({x_mid + 0.04, hairline + tip_extra * (1.0 - double(i) / spikes)});
        break;
      default: {  // parted in the middle: short in the centre, long at the sides
        double centre = 1.0 - std::abs(double(i) / spikes - 0.5) * 2;
        fringe.push_back({x, base});
        if (i > 0) fringe.push_back({x_mid, hairline + tip_extra * (1.0 - centre) - 0.05 * centre});
        break;
      }
    }
  }
  pt.polygon(fringe, f.hair);
  // A shine band across the crown.
  pt.ellipse(f.cx - f.rx * 0.2, top + 0.08, f.rx * 0.45, 0.025, -10, mix(f.hair, cv::Scalar(255, 255, 255), 0.35), 0.012, 180, 330);
}

void draw_side_locks(Painter& pt, const Face& f, Rng& rng) {
  if (f.hair_style == 0) return;
  const double length = f.hair_style == 1 ? f.chin_y - 0.03 : std::min(0.98, f.chin_y + 0.1);
  for (double side : {-1.0, 1.0}) {
    double x0 = f.cx + side * f.rx * 0.98;
    pt.polygon({{x0 - side * 0.02, f.cy - f.ry * 0.4}, {x0 + side * 0.06, f.cy - f.ry * 0.2},
                {x0 + side * 0.04, length}, {x0 - side * 0.03, length - 0.08 - rng.uniform(0, 0.05)}},
               f.hair);
  }
}

void draw_ribbon(Painter& pt, const Face& f, Rng& rng) {
  cv::Scalar color(rng.uniform(20, 255), rng.uniform(20, 255), rng.uniform(120, 255));
  double x = f.cx + (rng.chance(0.5) ? -1 : 1) * f.rx * 0.7;
  double y = f.cy - f.ry * 0.95;
  pt.polygon({{x, y}, {x - 0.08, y - 0.05}, {x - 0.08, y + 0.05}}, color);
  pt.polygon({{x, y}, {x + 0.08, y - 0.05}, {x + 0.08, y + 0.05}}, color);
  pt.ellipse(x, y, 0.02, 0.02, 0, scale(color, 0.7));
}

std::string describe(const SynthConfig& c) {
  std::ostringstream out;
  out << "SynthConfig(out=" << c.out_dir << ", n=" << c.n << ", size=" << c.size
      << ", seed=" << c.seed << ", format=" << c.format << ", threads=" << c.threads << ")";
  return out.str();
}

Json set_description(const SynthConfig& c) {
  return Json{{"generator", "dcgan synth"}, {"version", kVersion}, {"n", c.n},
              {"size", c.size},             {"seed", c.seed},      {"format", c.format}};
}

}  // namespace

void SynthConfig::validate() const {
  require(!out_dir.empty(), "--out is required: the folder to write the synthetic faces to");
  require(n > 0, "--n must be at least 1 (got " + std::to_string(n) + ")");
  require(size >= 8 && size <= 1024, "--size must be between 8 and 1024 pixels (got " +
                                         std::to_string(size) + ")");
  require(format == "png" || format == "jpg", "--format must be png or jpg (got '" + format + "')");
  require(threads >= 1, "--threads must be at least 1");
}

std::string SynthConfig::to_string() const { return describe(*this); }

cv::Mat draw_synth_face(uint64_t seed, int64_t index, int size) {
  // Mixing seed and index through the generator gives independent streams per image.
  Rng seeder(seed * 0x100000001B3ull ^ static_cast<uint64_t>(index));
  Rng rng(seeder.next() ^ (seed << 17));
  Face face = random_face(rng);
  cv::Mat img(size, size, CV_8UC3);
  Painter pt(img);
  draw_background(img, face);
  draw_back_hair(pt, face, rng);
  draw_body(pt, face);
  draw_head(pt, face);
  draw_features(pt, face, rng);
  draw_side_locks(pt, face, rng);
  draw_bangs(pt, face, rng);
  if (face.ribbon) draw_ribbon(pt, face, rng);
  return img;
}

std::string synth_file_name(int64_t index, const std::string& format) {
  char name[64];
  std::snprintf(name, sizeof name, "synth-%06lld.%s", static_cast<long long>(index), format.c_str());
  return name;
}

SynthSummary write_synth_set(const SynthConfig& config) {
  config.validate();
  namespace fs = std::filesystem;
  SynthSummary summary;
  const std::string marker = (fs::path(config.out_dir) / "synth.json").string();
  const Json wanted = set_description(config);
  if (fs::exists(marker)) {
    try {
      if (read_json_file(marker) == wanted) {
        summary.up_to_date = true;
        return summary;
      }
    } catch (const Error&) {
      // An unreadable marker means the set is regenerated.
    }
    fs::remove(marker);
  }
  ensure_dir(config.out_dir);
  // A synth killed mid-write left IMAGE.tmp-PID-N files.
  if (const int stale = remove_stale_temporaries(config.out_dir)) {
    DCGAN_INFO("removed " << stale << " unfinished images of a killed synth");
  }
  auto start = std::chrono::steady_clock::now();
  ProgressBar progress("synth", config.n, "img");
  std::atomic<int64_t> next{0}, done{0};
  // Images are not fsync'ed one by one (that would cost more than drawing them): one syncfs()
  // covers them all before synth.json, written durably last, marks the set complete.
  auto write_one = [&](int64_t i) {
    cv::Mat face = draw_synth_face(config.seed, i, config.size);
    write_image((fs::path(config.out_dir) / synth_file_name(i, config.format)).string(), face, 95,
                /*durable=*/false);
    return ++done;
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < config.threads; ++t) {
    pool.emplace_back([&] {
      for (int64_t i = next++; i < config.n; i = next++) write_one(i);
    });
  }
  // The calling thread works too and reports progress between images.
  for (int64_t i = next++; i < config.n; i = next++) progress.update(write_one(i));
  for (auto& t : pool) t.join();
  progress.finish();
  sync_file_system(config.out_dir);
  write_json_file(marker, wanted);
  summary.written = config.n;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace dcgan::vision
