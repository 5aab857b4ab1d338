// Summary and config tables of the report; see report_tables.h.
#include "dcgan/report/report_tables.h"

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "dcgan/report/html_util.h"

namespace dcgan::report {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

// The value at a path of object keys, or null.
Json at(const Json& doc, std::initializer_list<const char*> path) {
  const Json* node = &doc;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return *node;
}

std::string text(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    char out[32];
    std::snprintf(out, sizeof(out), "%.6g", value.get<double>());
    return out;
  }
  return value.dump();
}

std::string fixed(double value, int decimals) {
  char out[32];
  std::snprintf(out, sizeof(out), "%.*f", decimals, value);
  return out;
}

double last_finite(const std::vector<double>& column) {
  for (auto it = column.rbegin(); it != column.rend(); ++it) {
    if (std::isfinite(*it)) return *it;
  }
  return NAN;
}

// "label value, label value" over the values that are present.
std::string labelled_join(const std::vector<std::pair<std::string, Json>>& parts) {
  std::string out;
  for (const auto& [label, value] : parts) {
    if (value.is_null()) continue;
    out += (out.empty() ? "" : ", ") + label + text(value);
  }
  return out;
}

std::string table(const Rows& rows, const std::string& css_class) {
  std::string html = "<table class='" + css_class + "'>";
  for (const auto& [key, value] : rows) {
    if (value.empty()) continue;
    html += "<tr><th>" + html_escape(key) + "</th><td>" + html_escape(value) + "</td></tr>";
  }
  return html + "</table>\n";
}

void flatten(const Json& value, const std::string& prefix, Rows& rows) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) {
      flatten(child, prefix.empty() ? key : prefix + "." + key, rows);
    }
  } else if (value.is_array() && value.size() > 8) {
    rows.emplace_back(prefix, "[" + std::to_string(value.size()) + " items]");
  } else {
    // Shown as JSON where plain text would hide the value (null, "").
    const bool as_json = value.is_null() || value == Json("");
    rows.emplace_back(prefix, as_json ? value.dump() : text(value));
  }
}

std::string throughput(const RunData& run) {
  double mean =
      at(run.summary, {"img_per_s"}).is_number() ? run.summary["img_per_s"].get<double>() : NAN;
  double last_epoch = NAN;
  if (!run.epochs.empty() && run.epochs.back().value("img_per_s", Json()).is_number()) {
    last_epoch = run.epochs.back()["img_per_s"].get<double>();
  }
  if (std::isnan(mean)) mean = last_finite(run.steps.column("img_per_s"));
  std::string out;
  if (std::isfinite(mean)) out = fixed(mean, 1) + " img/s";
  if (std::isfinite(last_epoch))
    out += (out.empty() ? "" : "; ") + fixed(last_epoch, 1) + " img/s in the last epoch";
  return out;
}

std::string last_step_text(const RunData& run) {
  if (run.steps.size() == 0) return "";
  std::string out;
  for (const auto& [field, name] :
       std::vector<std::pair<std::string, std::string>>{{"loss_d_real", "loss_d_real"},
                                                        {"loss_d_fake", "loss_d_fake"},
                                                        {"loss_g", "loss_g"},
                                                        {"d_real", "D(x)"},
                                                        {"d_fake", "D(G(z))"}}) {
    const double v = last_finite(run.steps.column(field));
    if (std::isfinite(v)) out += (out.empty() ? "" : ", ") + name + " " + fixed(v, 3);
  }
  return out;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return fixed(seconds, 1) + " s";
  const int64_t total = std::llround(seconds);
  char out[48];
  if (total < 3600) {
    std::snprintf(out, sizeof(out), "%d min %02d s", int(total / 60), int(total % 60));
  } else {
    std::snprintf(out, sizeof(out), "%lld h %02d min %02d s", static_cast<long long>(total / 3600),
                  int(total / 60 % 60), int(total % 60));
  }
  return out;
}

std::string run_status(const RunData& run) {
  const double last_step = run.steps.size() ? run.steps.step.back() : 0;
  if (run.summary.is_object()) {
    const double summary_steps =
        at(run.summary, {"steps"}).is_number() ? run.summary["steps"].get<double>() : -1;
    if (summary_steps >= last_step) {
      if (at(run.summary, {"finished"}) == Json(true)) return "finished";
      return "stopped at step " + text(run.summary["steps"]) +
             " (interrupted or step limit; continue with --resume)";
    }
  }
  return "in progress at step " + fixed(last_step, 0) +
         " (or stopped without writing summary.json)";
}

std::string render_summary_table(const RunData& run) {
  const Json& config = run.config;
  const Json& summary = run.summary;
  Json epochs_done = at(summary, {"epochs_done"});
  if (epochs_done.is_null() && !run.epochs.empty())
    epochs_done = run.epochs.back().value("epoch", 0);
  Json epochs_total = at(config, {"train", "epochs"});
  if (epochs_total.is_null()) epochs_total = at(summary, {"epochs"});
  std::string epochs = text(epochs_done);
  if (!epochs_total.is_null())
    epochs = (epochs.empty() ? "0" : epochs) + " of " + text(epochs_total);

  double time_s = at(summary, {"time_s"}).is_number() ? summary["time_s"].get<double>() : NAN;
  const double last_time = last_finite(run.steps.column("time_s"));
  if (!std::isfinite(time_s) || last_time > time_s) time_s = last_time;

  const std::string model = labelled_join({{"", at(config, {"model", "arch"})},
                                           {"size ", at(config, {"model", "size"})},
                                           {"z_dim ", at(config, {"model", "z_dim"})},
                                           {"G parameters ", at(config, {"model", "g_params"})},
                                           {"D parameters ", at(config, {"model", "d_params"})}});
  std::string data;
  if (!at(config, {"data", "n_images"}).is_null()) {
    data = text(at(config, {"data", "n_images"})) + " images from " +
           text(at(config, {"data", "dir"}));
  }
  const std::string runtime =
      labelled_join({{"dcgan ", at(config, {"runtime", "dcgan"})},
                     {"LibTorch ", at(config, {"runtime", "libtorch"})},
                     {"BLAS ", at(config, {"runtime", "blas"})},
                     {"core ", at(config, {"runtime", "blas_core"})},
                     {"threads ", at(config, {"runtime", "torch_threads"})}});
  std::string swd;
  if (!run.evals.empty() && run.evals.back().value("swd_avg", Json()).is_number()) {
    swd = fixed(run.evals.back()["swd_avg"].get<double>(), 2) +
          " (x1e3, average over levels) at step " + text(run.evals.back().value("step", Json()));
  }
  const Rows rows = {
      {"Run folder", run.run_dir},
      {"Status", run_status(run)},
      {"Epochs", epochs},
      {"Steps", run.steps.size() ? fixed(run.steps.step.back(), 0) : ""},
      {"Training time", format_duration(time_s)},
      {"Throughput", throughput(run)},
      {"Started", text(at(config, {"started"}))},
      {"Ended", text(at(summary, {"ended"}))},
      {"Model", model},
      {"Data", data},
      {"Device", text(at(config, {"device"}))},
      {"Runtime", runtime},
      {"Last step", last_step_text(run)},
      {"Latest SWD", swd},
  };
  return table(rows, "summary");
}

std::string render_config_table(const RunData& run) {
  if (!run.config.is_object()) return "<p class='empty'>config.json is not written yet.</p>";
  Rows rows;
  flatten(run.config, "", rows);
  return table(rows, "config");
}

}  // namespace dcgan::report
