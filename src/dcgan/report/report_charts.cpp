// Chart sections of the report; see report_charts.h.
#include "dcgan/report/report_charts.h"

#include <cmath>
#include <cstdio>

#include "dcgan/report/html_util.h"
#include "dcgan/report/svg_chart.h"

namespace dcgan::report {
namespace {

// Per-level SWD curves, lighter than the average.
const char* const kLevelColours[] = {"#e377c2", "#bcbd22", "#7f7f7f",
                                     "#aec7e8", "#98df8a", "#ffbb78"};

// At the equilibrium the D outputs and all three losses meet (D(x) = D(G(z)) = 0.5, losses
// log 2): the series drawn later are dashed, in different rhythms, so none hides another.
constexpr const char* kDashSecond = "8 5";
constexpr const char* kDashThird = "3 4";

ChartSeries step_series(const RunData& run, const std::string& field, const std::string& name,
                        const char* colour, size_t buckets, const char* dash = "") {
  return {name, colour, decimate(run.steps.step, run.steps.column(field), buckets), dash};
}

std::string section(const std::string& id, const std::string& title, const std::string& body,
                    const std::string& note) {
  return "<section id='" + id + "'><h2>" + html_escape(title) + "</h2>" + body +
         "<p class='note'>" + note + "</p></section>\n";
}

ChartSpec step_chart(const std::string& id, const std::string& title, const std::string& y_label) {
  ChartSpec spec;
  spec.id = id;
  spec.title = title;
  spec.x_label = "step";
  spec.y_label = y_label;
  return spec;
}

// A decimated curve costs about two points per bucket (band edges) plus its mean line.
size_t buckets_for(int max_points) { return std::max(1, max_points / 2); }

}  // namespace

std::string render_swd_section(const RunData& run, int max_points) {
  if (run.evals.empty()) return "";
  const size_t buckets = buckets_for(max_points);
  std::vector<double> steps, average;
  std::map<std::string, std::vector<double>> levels;  // resolution -> SWD, NaN where absent
  for (const Json& record : run.evals) {
    steps.push_back(record.value("step", NAN));
    average.push_back(record.contains("swd_avg") && record["swd_avg"].is_number()
                          ? record["swd_avg"].get<double>()
                          : NAN);
    if (record.contains("swd") && record["swd"].is_object()) {
      for (const auto& [level, value] : record["swd"].items()) {
        auto& column = levels[level];
        column.resize(steps.size() - 1, NAN);
        column.push_back(value.is_number() ? value.get<double>() : NAN);
      }
    }
  }
  ChartSpec chart = step_chart("swd", "Sliced Wasserstein distance", "SWD x1e3 (lower is better)");
  chart.series.push_back({"average", kColourSwd, decimate(steps, average, buckets), ""});
  size_t k = 0;
  for (auto& [level, column] : levels) {
    column.resize(steps.size(), NAN);
    chart.series.push_back({level + " px", kLevelColours[k++ % std::size(kLevelColours)],
                            decimate(steps, column, buckets), ""});
  }
  return section("swd", "SWD (image quality)", render_svg_chart(chart),
                 "Sliced Wasserstein distance between generated and real images at each level "
                 "of a Laplacian pyramid (Karras et al. 2018), x1000; it should fall as "
                 "training goes.");
}

namespace {
// "1.6" for 1,560 steps in 1,000 buckets, "50" for 50,000: a whole number said "1" would be
// read as "no averaging".
std::string steps_per_bucket(size_t steps, size_t buckets) {
  const double per = static_cast<double>(steps) / static_cast<double>(buckets);
  char text[32];
  std::snprintf(text, sizeof text, per < 10 ? "%.1f" : "%.0f", per);
  return text;
}
}  // namespace

std::string render_losses_section(const RunData& run, int max_points) {
  const size_t buckets = buckets_for(max_points);
  ChartSpec losses = step_chart("losses", "Losses", "loss (binary cross-entropy)");
  losses.series = {
      step_series(run, "loss_d_real", "loss_d_real", kColourLossDReal, buckets),
      step_series(run, "loss_d_fake", "loss_d_fake", kColourLossDFake, buckets, kDashSecond),
      step_series(run, "loss_g", "loss_g", kColourLossG, buckets, kDashThird)};
  const std::string bucket_note =
      run.steps.size() > buckets
          ? " Each line is the mean of a bucket of about " +
                steps_per_bucket(run.steps.size(), buckets) +
                " steps; the light band spans the bucket's minimum and maximum."
          : "";
  return section("losses", "Losses", render_svg_chart(losses),
                 "D's loss on real and on generated batches and G's loss, per step. Neither "
                 "side should win for long: a D loss near 0 with a rising G loss means D "
                 "overpowers G." +
                     bucket_note);
}

std::string render_d_outputs_section(const RunData& run, int max_points) {
  const size_t buckets = buckets_for(max_points);
  ChartSpec outputs = step_chart("d-outputs", "Discriminator outputs", "mean D output (sigmoid)");
  outputs.series = {step_series(run, "d_real", "D(x)", kColourDReal, buckets),
                    step_series(run, "d_fake", "D(G(z))", kColourDFake, buckets, kDashSecond)};
  outputs.reference_lines = {{0.5, "equilibrium 0.5"}};
  outputs.y_range = std::make_pair(0.0, 1.0);
  return section("d-outputs", "D(x) and D(G(z))", render_svg_chart(outputs),
                 "Mean probability D gives real images, D(x), and generated ones, D(G(z)). At "
                 "the game's equilibrium both are 0.5 (Goodfellow et al. 2014).");
}

std::string render_throughput_section(const RunData& run, int max_points) {
  const size_t buckets = buckets_for(max_points);
  ChartSpec speed = step_chart("throughput", "Throughput", "images / s");
  speed.series = {step_series(run, "img_per_s", "img/s", kColourThroughput, buckets)};
  return section("throughput", "Throughput", render_svg_chart(speed),
                 "Real images through D per second of training step time.");
}

}  // namespace dcgan::report
