// Line charts as inline SVG (no script, no external resource): decimated curves drawn as a
// light min/max band with the mean line on top, dashed horizontal reference lines, nice axis
// ticks and a legend. The y axis ignores the extreme 0.5% tails so one spike does not flatten
// every curve; what lies outside is clipped.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcgan/report/decimate.h"

namespace dcgan::report {

struct ChartSeries {
  std::string name;
  std::string colour;  // CSS colour, "#rrggbb"
  DecimatedCurve curve;
  // SVG stroke-dasharray ("8 5"), empty for a solid line. A series that may coincide with one
  // drawn before it is dashed so the one underneath shows through the gaps.
  std::string dash;
};

struct ReferenceLine {
  double y = 0;
  std::string label;
};

struct ChartSpec {
  std::string id;  // unique within the page (used for the clip path)
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<ChartSeries> series;
  std::vector<ReferenceLine> reference_lines;
  std::optional<std::pair<double, double>> y_range;  // fixed range, e.g. [0, 1] for D outputs
  int width = 1100;
  int height = 320;
};

// An <svg> element, or a short paragraph saying there is nothing to plot yet.
std::string render_svg_chart(const ChartSpec& spec);

}  // namespace dcgan::report
