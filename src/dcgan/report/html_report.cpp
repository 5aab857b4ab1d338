// Assembles the report page; see html_report.h. Text sections are built first, so the images
// get the byte budget that is left.
#include "dcgan/report/html_report.h"

#include <filesystem>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/core/log.h"
#include "dcgan/report/html_util.h"
#include "dcgan/report/report_charts.h"
#include "dcgan/report/report_images.h"
#include "dcgan/report/report_tables.h"
#include "dcgan/report/run_data.h"

namespace dcgan::report {
namespace {

constexpr const char* kStyle = R"(<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0 auto;
max-width:1160px;padding:12px 20px;background:#fff}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}th,td{text-align:left;padding:2px 10px 2px 0;vertical-align:top}
th{font-weight:600;white-space:nowrap}table.config td{font-family:ui-monospace,monospace}
.chart{width:100%;height:auto;font-size:12px;display:block}.note{color:#555;margin:4px 0}
.empty{color:#777;font-style:italic}img.grid{max-width:100%;display:block;border:1px solid #ccc}
img.sharp{image-rendering:pixelated}.slider{display:flex;gap:12px;align-items:center;margin:6px 0}
.slider input{flex:1}
</style>
)";

// The slider over the epoch grids: one <img>, its source swapped from a list of data URIs.
constexpr const char* kSliderScript = R"(<script>
(function(){var g=window.dcganGrids,s=document.getElementById('grid-slider'),
im=document.getElementById('grid-image'),lab=document.getElementById('grid-label'),
b=document.getElementById('grid-play'),t=null;
function show(i){im.src=g[i][1];lab.textContent=g[i][0];s.value=i;}
s.addEventListener('input',function(){show(+s.value);});
b.addEventListener('click',function(){if(t){clearInterval(t);t=null;b.textContent='Play';return;}
b.textContent='Pause';t=setInterval(function(){show((+s.value+1)%g.length);},400);});
show(g.length-1);})();
</script>
)";

constexpr int kFinalWidth = 640;  // the final grid is shown at least about this wide
constexpr int kSliderWidth = 512;

std::string js_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '<') {
      out += "\\x3c";  // never "</script>" inside the script
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string final_section(const LabelledImage& final_grid) {
  std::ostringstream html;
  html << "<section id='final'><h2>Final samples</h2>";
  if (final_grid.uri.empty()) {
    html << "<p class='empty'>No sample grid written yet (samples/epoch-NNNN.png).</p>";
  } else {
    // Small grids (16-64 px faces) are enlarged by a whole factor with sharp pixels; mid-sized
    // ones smoothly to the same width; large ones shown as they are.
    const int factor = kFinalWidth / final_grid.width;
    const bool sharp = factor >= 2;
    const int width = sharp ? factor * final_grid.width : std::max(kFinalWidth, final_grid.width);
    html << "<p class='note'>G(z) for the run's fixed z after " << html_escape(final_grid.label)
         << ".</p><img class='grid" << (sharp ? " sharp" : "")
         << "' alt='final sample grid' width='" << width << "' src='" << final_grid.uri << "'>";
  }
  html << "</section>\n";
  return html.str();
}

std::string progress_section(const ReportImages& images) {
  if (images.slider.empty()) return "";
  std::ostringstream html;
  const LabelledImage& last = images.slider.back();
  html << "<section id='progress'><h2>Progress</h2><div class='slider'><button id='grid-play'>"
          "Play</button><input type='range' id='grid-slider' min='0' max='"
       << images.slider.size() - 1 << "' value='" << images.slider.size() - 1
       << "'><span id='grid-label'></span></div><img class='grid sharp' id='grid-image' "
          "alt='sample grid' width='"
       << last.width * std::max(1, kSliderWidth / last.width) << "'><p class='note'>"
       << images.slider.size() << " of " << images.grids_on_disk
       << " grids, evenly spaced.</p>\n<script>window.dcganGrids=[";
  for (size_t i = 0; i < images.slider.size(); ++i) {
    html << (i ? ",\n" : "") << "[" << js_string(images.slider[i].label) << ","
         << js_string(images.slider[i].uri) << "]";
  }
  html << "];</script>\n" << kSliderScript;
  if (!images.gif_uri.empty()) {
    html << "<h2>Animation</h2><img class='grid' id='progress-gif' alt='progress animation' src='"
         << images.gif_uri << "'>";
  } else if (images.gif_exists) {
    html << "<p class='note'>The animation, progress.gif, is too large to embed; it is next to "
            "this report: <a href='progress.gif'>progress.gif</a>.</p>";
  }
  html << "</section>\n";
  return html.str();
}

}  // namespace

void ReportConfig::validate() const {
  require(!run_dir.empty(), "RUN (the run folder) is required");
  require(max_points >= 100 && max_points <= 1000000,
          "--max-points must be within 100..1000000 (got " + std::to_string(max_points) + ")");
  require(max_grids >= 1 && max_grids <= 1000,
          "--max-grids must be within 1..1000 (got " + std::to_string(max_grids) + ")");
  require(max_bytes >= 100000, "--max-bytes must be at least 100000");
}

std::string ReportConfig::to_string() const {
  std::ostringstream out;
  out << "ReportConfig{run_dir=" << run_dir << ", out_path=" << resolved_out_path()
      << ", max_points=" << max_points << ", max_grids=" << max_grids << ", max_bytes=" << max_bytes
      << "}";
  return out.str();
}

std::string ReportConfig::resolved_out_path() const {
  return out_path.empty() ? run_dir + "/report.html" : out_path;
}

std::string write_run_report(const ReportConfig& config) {
  config.validate();
  DCGAN_DEBUG(config.to_string());
  const RunData run = load_run(config.run_dir);
  const std::string name = std::filesystem::path(config.run_dir).lexically_normal().filename();

  std::ostringstream head;
  head << "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
       << "<meta name='viewport' content='width=device-width,initial-scale=1'><title>dcgan run "
       << html_escape(name) << "</title>\n"
       << kStyle << "</head><body>\n<h1>dcgan run " << html_escape(name) << "</h1>\n";
  // The result and the curves first, then the progression, then what is read less often.
  const std::string summary = "<section id='summary'>" + render_summary_table(run) + "</section>\n";
  const std::string curves = render_losses_section(run, config.max_points) +
                             render_d_outputs_section(run, config.max_points);
  const std::string later = render_swd_section(run, config.max_points) +
                            render_throughput_section(run, config.max_points) +
                            "<section id='config'><h2>Configuration</h2>" +
                            render_config_table(run) + "</section>\n";
  const std::string tail = "</body></html>\n";

  const int64_t text_bytes =
      int64_t(head.str().size() + summary.size() + curves.size() + later.size() + tail.size());
  const ReportImages images = embed_images(run, config.max_grids, config.max_bytes - text_bytes);

  const std::string page = head.str() + summary + final_section(images.final_grid) + curves +
                           progress_section(images) + later + tail;
  const std::string out = config.resolved_out_path();
  atomic_write(out, page);
  DCGAN_DEBUG("report: " << page.size() << " bytes, " << images.slider.size() << " grids");
  return out;
}

std::string write_run_report(const std::string& run_dir, const std::string& out_path) {
  ReportConfig config;
  config.run_dir = run_dir;
  config.out_path = out_path;
  return write_run_report(config);
}

}  // namespace dcgan::report
