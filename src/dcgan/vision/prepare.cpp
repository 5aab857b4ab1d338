// The prepare stage; see prepare.h. Three passes: hash and check every input (parallel),
// decide what to keep in input order (sequential, so the result is independent of threads),
// then cut, resize and write the kept ones (parallel), re-reading them rather than holding
// every decoded image in memory.
#include "dcgan/vision/prepare.h"

#include <chrono>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/cpu_count.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/json.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/core/version.h"
#include "dcgan/vision/dhash.h"
#include "dcgan/vision/gray_filter.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/worker_pool.h"

namespace fs = std::filesystem;

namespace dcgan::vision {
namespace {

constexpr const char* kMarker = "prepare.json";

struct InputCheck {
  uint64_t hash = 0;
  bool gray = false;
  std::string error;  // set when unreadable
};

// "sub/a-0.jpg" -> "sub__a-0.png": a flat folder is what the trainer reads.
std::string flat_name(const std::string& input, const std::string& format) {
  std::string name = fs::path(input).replace_extension(format).generic_string();
  std::string flat;
  for (char c : name) flat += c == '/' ? std::string("__") : std::string(1, c);
  return flat;
}

// Output names for the kept inputs, in input order. Inputs can flatten to one name ("a.jpg"
// and "a.png", or "x__y/z.jpg" and "x/y__z.jpg"); the first keeps it, each later one gets
// "<stem>-<n>.<ext>" with the smallest n >= 2 that no input's own name and no earlier output
// uses. Depends only on the sorted input list, not on the thread count.
std::vector<std::string> unique_output_names(const std::vector<std::string>& kept_inputs,
                                             const std::string& format) {
  std::vector<std::string> names;
  for (const auto& input : kept_inputs) names.push_back(flat_name(input, format));
  std::set<std::string> taken(names.begin(), names.end());
  std::set<std::string> given;
  for (std::string& name : names) {
    if (given.insert(name).second) continue;
    const std::string stem = fs::path(name).stem().string();
    for (int n = 2;; ++n) {
      std::string candidate = stem + "-" + std::to_string(n) + "." + format;
      if (taken.insert(candidate).second) {
        name = candidate;
        given.insert(candidate);
        break;
      }
    }
  }
  return names;
}

// True for a name prepare could have written: one plain file name with an image extension,
// so deleting out_dir / name cannot reach outside out_dir.
bool is_plain_output_name(const std::string& name) {
  const fs::path path(name);
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
         path.filename() == path && has_image_extension(name);
}

cv::Mat centre_square(const cv::Mat& image) {
  const int side = std::min(image.cols, image.rows);
  return image(cv::Rect((image.cols - side) / 2, (image.rows - side) / 2, side, side));
}

void run_stage(const char* label, int64_t n, int threads,
               const std::function<void(int64_t)>& work) {
  ProgressBar progress(label, n, "img");
  WorkerPoolCallbacks callbacks;
  callbacks.work = [&](int64_t item, int) { work(item); };
  callbacks.progress = [&](int64_t done) { progress.update(done); };
  callbacks.stop = [] { return interrupt_requested(); };
  const int64_t done = run_worker_pool(n, threads, callbacks);
  progress.finish();
  if (done < n && interrupt_requested()) {
    throw Interrupted(std::string("prepare interrupted during ") + label +
                      "; nothing was marked complete, re-run the same command");
  }
}

Json summary_json(const PrepareConfig& config, const PrepareSummary& summary,
                  const std::vector<std::string>& kept_files) {
  Json dropped = Json::array();
  for (const auto& d : summary.dropped) {
    dropped.push_back({{"file", d.file}, {"reason", d.reason}, {"detail", d.detail}});
  }
  return Json{{"generator", "dcgan prepare"},
              {"version", kVersion},
              {"config",
               {{"in", config.in_dir},
                {"size", config.size},
                {"format", config.format},
                {"dedupe", config.dedupe},
                {"skip_gray", config.skip_gray}}},
              {"inputs", summary.inputs},
              {"kept", summary.kept},
              {"dropped_by_reason", summary.dropped_by_reason},
              {"files", kept_files},
              {"dropped", dropped}};
}

// Deletes files listed by a previous prepare.json that this run does not write again.
void remove_stale_outputs(const std::string& out_dir, const std::vector<std::string>& kept) {
  const std::string marker = (fs::path(out_dir) / kMarker).string();
  if (!fs::exists(marker)) return;
  Json old;
  try {
    old = read_json_file(marker);
  } catch (const Error& e) {
    DCGAN_WARN("ignoring unreadable " << marker << ": " << e.what());
    return;
  }
  fs::remove(marker);  // the set is incomplete until the new marker is written
  const std::set<std::string> keep(kept.begin(), kept.end());
  for (const auto& file : old.value("files", Json::array())) {
    if (!file.is_string() || keep.count(file.get<std::string>()) > 0) continue;
    const std::string name = file.get<std::string>();
    if (!is_plain_output_name(name)) {
      DCGAN_WARN("not deleting '" << name << "' listed in " << marker
                                  << ": not a file name prepare writes into " << out_dir);
      continue;
    }
    std::error_code ignored;
    fs::remove(fs::path(out_dir) / name, ignored);
  }
}

}  // namespace

void PrepareConfig::validate() const {
  require(!in_dir.empty(), "--in is required: the folder of face crops (dcgan crop --out)");
  require(!out_dir.empty(), "--out is required: the folder to write the training set to");
  require(size >= 8 && size <= 4096,
          "--size must be between 8 and 4096 pixels (got " + std::to_string(size) + ")");
  require(format == "png" || format == "jpg", "--format must be png or jpg (got '" + format + "')");
  require(quality >= 1 && quality <= 100,
          "--quality must be between 1 and 100 (got " + std::to_string(quality) + ")");
  require(threads >= 0, "--threads must be 0 (all cores) or a positive count");
  require(max_pixels > 0, "--max-pixels must be positive");
  parse_dedupe_spec(dedupe, "--dedupe");
  require(fs::weakly_canonical(in_dir) != fs::weakly_canonical(out_dir),
          "--out must differ from --in (" + out_dir + ")");
}

std::string PrepareConfig::to_string() const {
  std::ostringstream out;
  out << "PrepareConfig(in=" << in_dir << ", out=" << out_dir << ", size=" << size
      << ", format=" << format << ", quality=" << quality << ", dedupe=" << dedupe
      << ", skip_gray=" << (skip_gray ? "true" : "false") << ", threads=" << threads
      << ", max_pixels=" << max_pixels << ")";
  return out.str();
}

std::string PrepareSummary::to_string() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "prepare: " << inputs << " crops in, " << kept << " kept, " << dropped.size()
      << " dropped";
  std::string sep = " (";
  for (const auto& [reason, n] : dropped_by_reason) {
    out << sep << n << " " << reason;
    sep = ", ";
  }
  if (!dropped_by_reason.empty()) out << ")";
  out << "; " << seconds << " s";
  return out.str();
}

PrepareSummary run_prepare(const PrepareConfig& config) {
  config.validate();
  const auto start = std::chrono::steady_clock::now();
  const int threads = config.threads > 0 ? config.threads : default_thread_count();
  std::optional<ScopedOpenCvThreads> opencv_threads;
  if (threads > 1) opencv_threads.emplace(1);
  const std::vector<std::string> inputs = list_image_files(config.in_dir, config.out_dir);
  if (inputs.empty()) {
    throw DataError("no images (.jpg .jpeg .png .webp .bmp) under " + config.in_dir +
                    "; run dcgan crop first");
  }
  auto path_of = [&](int64_t i) { return (fs::path(config.in_dir) / inputs[i]).string(); };

  std::vector<InputCheck> checks(inputs.size());
  run_stage("prepare: check", static_cast<int64_t>(inputs.size()), threads, [&](int64_t i) {
    try {
      const cv::Mat image = load_input_image(path_of(i), config.max_pixels);
      checks[i].hash = dhash(centre_square(image));
      checks[i].gray = config.skip_gray && is_monochrome(image);
    } catch (const Error& e) {
      checks[i].error = e.what();
    }
  });

  PrepareSummary summary;
  summary.inputs = static_cast<int64_t>(inputs.size());
  const std::optional<int> distance = parse_dedupe_spec(config.dedupe, "--dedupe");
  DedupeIndex index(distance.value_or(0));
  std::vector<int64_t> kept;
  std::vector<std::string> kept_inputs;
  auto drop = [&](int64_t i, const std::string& reason, const std::string& detail) {
    summary.dropped.push_back({inputs[i], reason, detail});
    ++summary.dropped_by_reason[reason];
  };
  for (int64_t i = 0; i < summary.inputs; ++i) {
    const InputCheck& c = checks[i];
    if (!c.error.empty()) {
      drop(i, "unreadable", c.error);
    } else if (c.gray) {
      drop(i, "gray", "monochrome (--skip-gray)");
    } else if (auto original = distance ? index.find(c.hash) : std::nullopt) {
      drop(i, "duplicate",
           "near duplicate of " + *original + " (dhash distance <= " + std::to_string(*distance) +
               ")");
    } else {
      index.add(c.hash, inputs[i]);
      kept.push_back(i);
      kept_inputs.push_back(inputs[i]);
    }
  }
  const std::vector<std::string> kept_files = unique_output_names(kept_inputs, config.format);
  for (const auto& d : summary.dropped) {
    if (d.reason == "unreadable") DCGAN_WARN("skipped " << d.detail);
  }

  ensure_dir(config.out_dir);
  // A prepare killed mid-write left IMAGE.tmp-PID-N files; no marker lists them.
  if (const int stale = remove_stale_temporaries(config.out_dir)) {
    DCGAN_INFO("removed " << stale << " unfinished images of a killed prepare");
  }
  remove_stale_outputs(config.out_dir, kept_files);
  run_stage("prepare: write", static_cast<int64_t>(kept.size()), threads, [&](int64_t k) {
    const cv::Mat image = load_input_image(path_of(kept[k]), config.max_pixels);
    const cv::Mat square = centre_square(image);
    cv::Mat resized;
    const int interpolation = square.cols > config.size ? cv::INTER_AREA : cv::INTER_LINEAR;
    cv::resize(square, resized, cv::Size(config.size, config.size), 0, 0, interpolation);
    // Not fsync'ed one by one: one syncfs() below covers them all, before prepare.json,
    // written durably last, marks the set complete.
    write_image((fs::path(config.out_dir) / kept_files[k]).string(), resized, config.quality,
                /*durable=*/false);
  });
  sync_file_system(config.out_dir);
  summary.kept = static_cast<int64_t>(kept.size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_json_file((fs::path(config.out_dir) / kMarker).string(),
                  summary_json(config, summary, kept_files));
  return summary;
}

}  // namespace dcgan::vision
