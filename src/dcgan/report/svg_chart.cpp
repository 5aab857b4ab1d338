// SVG line chart renderer; see svg_chart.h.
#include "dcgan/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "dcgan/report/html_util.h"

namespace dcgan::report {
namespace {

constexpr int kLeft = 70, kRight = 20, kTop = 34, kBottom = 46;  // margins around the plot

std::string num(double v, int digits = 5) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*g", digits, v);
  return text;
}

double quantile(std::vector<double> values, double q) {
  const size_t k = static_cast<size_t>(q * (values.size() - 1));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

// 1, 2 or 5 times a power of ten, giving about `target` intervals over `span`.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

struct Axis {
  double lo, hi;
  int from, to;  // pixel range
  double map(double v) const { return from + (v - lo) / (hi - lo) * (to - from); }
};

std::pair<double, double> auto_y_range(const ChartSpec& spec) {
  std::vector<double> values;
  for (const auto& s : spec.series) {
    values.insert(values.end(), s.curve.lo.begin(), s.curve.lo.end());
    values.insert(values.end(), s.curve.hi.begin(), s.curve.hi.end());
  }
  for (const auto& line : spec.reference_lines) values.push_back(line.y);
  double lo = quantile(values, 0.005), hi = quantile(values, 0.995);
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

std::string polyline_points(const Axis& xa, const Axis& ya, const std::vector<double>& x,
                            const std::vector<double>& y) {
  std::string points;
  for (size_t i = 0; i < x.size(); ++i) {
    points += num(xa.map(x[i]), 6) + "," + num(ya.map(y[i]), 5) + " ";
  }
  return points;
}

void draw_ticks(std::ostringstream& svg, const Axis& xa, const Axis& ya) {
  const double y_step = nice_step(ya.hi - ya.lo, 5);
  for (double v = std::ceil(ya.lo / y_step) * y_step; v <= ya.hi; v += y_step) {
    const double py = ya.map(v);
    svg << "<line x1='" << xa.from << "' x2='" << xa.to << "' y1='" << num(py) << "' y2='"
        << num(py) << "' stroke='#e4e4e4'/><text x='" << xa.from - 6 << "' y='" << num(py + 4)
        << "' text-anchor='end'>" << num(std::abs(v) < y_step * 1e-9 ? 0 : v, 4) << "</text>";
  }
  const double x_step = std::max(1.0, nice_step(xa.hi - xa.lo, 8));
  for (double v = std::ceil(xa.lo / x_step) * x_step; v <= xa.hi; v += x_step) {
    const double px = xa.map(v);
    svg << "<line x1='" << num(px) << "' x2='" << num(px) << "' y1='" << ya.to << "' y2='"
        << ya.from << "' stroke='#e4e4e4'/><text x='" << num(px) << "' y='" << ya.from + 16
        << "' text-anchor='middle'>" << num(v, 7) << "</text>";
  }
}

std::string dash_attribute(const ChartSeries& s) {
  return s.dash.empty() ? "" : " stroke-dasharray='" + html_escape(s.dash) + "'";
}

void draw_legend(std::ostringstream& svg, const ChartSpec& spec) {
  int x = kLeft;
  for (const auto& s : spec.series) {
    svg << "<line x1='" << x << "' x2='" << x + 22 << "' y1='18' y2='18' stroke='" << s.colour
        << "' stroke-width='3'" << dash_attribute(s) << "/><text x='" << x + 28 << "' y='22'>"
        << html_escape(s.name) << "</text>";
    x += 44 + 8 * static_cast<int>(s.name.size());
  }
}

}  // namespace

std::string render_svg_chart(const ChartSpec& spec) {
  double x_lo = INFINITY, x_hi = -INFINITY;
  for (const auto& s : spec.series) {
    if (s.curve.x.empty()) continue;
    x_lo = std::min(x_lo, s.curve.x.front());
    x_hi = std::max(x_hi, s.curve.x.back());
  }
  if (!std::isfinite(x_lo)) {
    return "<p class='empty'>" + html_escape(spec.title) + ": nothing recorded yet.</p>";
  }
  if (x_hi - x_lo < 1e-12) x_hi = x_lo + 1;
  const auto [y_lo, y_hi] = spec.y_range ? *spec.y_range : auto_y_range(spec);
  const Axis xa{x_lo, x_hi, kLeft, spec.width - kRight};
  const Axis ya{y_lo, y_hi, spec.height - kBottom, kTop};

  std::ostringstream svg;
  svg << "<svg class='chart' viewBox='0 0 " << spec.width << " " << spec.height
      << "' role='img' aria-label='" << html_escape(spec.title) << "'>"
      << "<defs><clipPath id='clip-" << spec.id << "'><rect x='" << xa.from << "' y='" << ya.to
      << "' width='" << xa.to - xa.from << "' height='" << ya.from - ya.to
      << "'/></clipPath></defs>";
  draw_ticks(svg, xa, ya);
  svg << "<rect x='" << xa.from << "' y='" << ya.to << "' width='" << xa.to - xa.from
      << "' height='" << ya.from - ya.to << "' fill='none' stroke='#999'/>";
  svg << "<g clip-path='url(#clip-" << spec.id << ")'>";
  for (const auto& line : spec.reference_lines) {
    const double py = ya.map(line.y);
    svg << "<line x1='" << xa.from << "' x2='" << xa.to << "' y1='" << num(py) << "' y2='"
        << num(py) << "' stroke='#555' stroke-dasharray='6 4'/><text x='" << xa.to - 4 << "' y='"
        << num(py - 4) << "' text-anchor='end' fill='#555'>" << html_escape(line.label)
        << "</text>";
  }
  for (const auto& s : spec.series) {
    const DecimatedCurve& c = s.curve;
    if (c.decimated) {
      std::vector<double> band_x(c.x.rbegin(), c.x.rend()), band_hi(c.hi.rbegin(), c.hi.rend());
      svg << "<polygon fill='" << s.colour << "' fill-opacity='0.22' points='"
          << polyline_points(xa, ya, c.x, c.lo) << polyline_points(xa, ya, band_x, band_hi)
          << "'/>";
    }
    svg << "<polyline fill='none' stroke='" << s.colour << "' stroke-width='2'" << dash_attribute(s)
        << " points='" << polyline_points(xa, ya, c.x, c.mean) << "'/>";
  }
  svg << "</g>";
  draw_legend(svg, spec);
  svg << "<text x='" << (xa.from + xa.to) / 2 << "' y='" << spec.height - 8
      << "' text-anchor='middle'>" << html_escape(spec.x_label) << "</text><text x='14' y='"
      << (ya.from + ya.to) / 2 << "' text-anchor='middle' transform='rotate(-90 14 "
      << (ya.from + ya.to) / 2 << ")'>" << html_escape(spec.y_label) << "</text></svg>";
  return svg.str();
}

}  // namespace dcgan::report
