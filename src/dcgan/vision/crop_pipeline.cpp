// The crop stage; see crop_pipeline.h. Workers read, detect and cut; one committer, holding a
// lock, takes results in input order to apply --dedupe, write crops and append the manifest.
// Crops are written without an fsync each; their manifest records wait until one syncfs()
// covers them (about once a second, and at the end), so a record never names a crop that a
// power cut could still empty.
#include "dcgan/vision/crop_pipeline.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/cpu_count.h"
#include "dcgan/core/interrupt.h"
#include "dcgan/core/json.h"
#include "dcgan/core/log.h"
#include "dcgan/core/progress.h"
#include "dcgan/vision/cascade_locator.h"
#include "dcgan/vision/crop_manifest.h"
#include "dcgan/vision/dhash.h"
#include "dcgan/vision/gray_filter.h"
#include "dcgan/vision/image_files.h"
#include "dcgan/vision/image_io.h"
#include "dcgan/vision/worker_pool.h"

namespace fs = std::filesystem;

namespace dcgan::vision {
namespace {

// How long manifest records may wait for the sync of their crops; a crash loses at most this
// much work (the sources are done again by the next run).
constexpr std::chrono::seconds kManifestSyncInterval{1};

struct FaceResult {
  FaceRecord record;
  cv::Mat crop;  // empty when rejected before cutting
};

struct ImageResult {
  SourceRecord source;
  std::vector<FaceResult> faces;
  bool refused = false;
};

std::string output_name(const std::string& source, int index, const std::string& format) {
  const fs::path rel(source);
  return (rel.parent_path() / (rel.stem().string() + "-" + std::to_string(index) + "." + format))
      .generic_string();
}

// Marks the boxes beyond the `max_faces` largest (ties: earlier detection wins).
std::vector<bool> beyond_max_faces(const std::vector<cv::Rect>& boxes, int max_faces) {
  std::vector<bool> beyond(boxes.size(), false);
  if (max_faces <= 0 || static_cast<int>(boxes.size()) <= max_faces) return beyond;
  std::vector<size_t> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return boxes[a].area() > boxes[b].area(); });
  for (size_t k = max_faces; k < order.size(); ++k) beyond[order[k]] = true;
  return beyond;
}

class CropRun {
 public:
  CropRun(const CropConfig& config, CropManifestState previous, CropSummary& summary)
      : config_(config),
        dedupe_distance_(parse_dedupe_spec(config.dedupe, "--dedupe")),
        index_(dedupe_distance_.value_or(0)),
        manifest_(config.manifest_path()),
        summary_(summary),
        last_sync_(std::chrono::steady_clock::now()) {
    for (auto& [hash, output] : previous.kept_hashes) index_.add(hash, output);
  }

  // Records of sources committed before an error are still written (their crops synced).
  ~CropRun() {
    try {
      finish();
    } catch (const std::exception& e) {
      DCGAN_WARN("crop manifest not brought up to date: " << e.what());
    }
  }

  // Reads, checks, detects and cuts one source. Thread-safe; `detector` is the worker's own.
  ImageResult process(const std::string& source, FaceDetector& detector) const {
    ImageResult result;
    result.source.source = source;
    const std::string path = (fs::path(config_.in_dir) / source).string();
    cv::Mat image;
    try {
      image = load_input_image(path, config_.max_pixels);
    } catch (const ImageRefused& e) {
      result.refused = true;
      return failed(std::move(result), e.what());
    } catch (const Error& e) {
      return failed(std::move(result), e.what());
    }
    result.source.size = image.size();
    if (std::min(image.cols, image.rows) < config_.detector.min_size) {
      result.source.status = kSourceSmall;
      result.source.reason = path + " is " + std::to_string(image.cols) + "x" +
                             std::to_string(image.rows) + ", smaller than --min-size " +
                             std::to_string(config_.detector.min_size);
      return result;
    }
    if (config_.skip_gray && is_monochrome(image)) {
      result.source.status = kSourceGray;
      result.source.reason = path + " is monochrome (--skip-gray)";
      return result;
    }
    std::vector<cv::Rect> boxes;
    try {
      boxes = detector.detect(image);
    } catch (const cv::Exception& e) {
      return failed(std::move(result), path + ": face detection failed: " + e.what());
    }
    result.source.status = kSourceDone;
    result.source.faces = static_cast<int>(boxes.size());
    const std::vector<bool> beyond = beyond_max_faces(boxes, config_.max_faces_per_image);
    for (size_t i = 0; i < boxes.size(); ++i) {
      FaceResult face;
      FaceRecord& r = face.record;
      r.source = source;
      r.index = static_cast<int>(i);
      r.box = boxes[i];
      r.region = crop_region(boxes[i], image.size(), config_.geometry);
      if (r.region.empty()) {
        r.reason = "empty_region";
        r.detail =
            "the region (--margin, --shift-up) lies outside the image, nothing to cut; "
            "--pad keeps such faces";
      } else if (config_.min_face > 0 && boxes[i].width < config_.min_face) {
        r.reason = "min_face";
        r.detail = "box side " + std::to_string(boxes[i].width) + " px is below --min-face " +
                   std::to_string(config_.min_face);
      } else if (beyond[i]) {
        r.reason = "max_faces";
        r.detail = "not among the " + std::to_string(config_.max_faces_per_image) +
                   " largest boxes (--max-faces-per-image)";
      } else {
        face.crop = cut_face(image, r.region, config_.geometry);
        r.dhash = dhash(face.crop);
      }
      result.faces.push_back(std::move(face));
    }
    return result;
  }

  // Hands in the result of item `order`; results are committed strictly in item order.
  void submit(int64_t order, ImageResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.emplace(order, std::move(result));
    while (!pending_.empty() && pending_.begin()->first == next_commit_) {
      commit(pending_.begin()->second);
      pending_.erase(pending_.begin());
      ++next_commit_;
    }
    if (std::chrono::steady_clock::now() - last_sync_ >= kManifestSyncInterval) flush_manifest();
  }

  // Writes the manifest records still waiting (after syncing their crops).
  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    flush_manifest();
  }

 private:
  static ImageResult failed(ImageResult result, const std::string& reason) {
    result.source.status = kSourceFailed;
    result.source.reason = reason;
    return result;
  }

  void commit(ImageResult& result) {
    SourceRecord& source = result.source;
    for (FaceResult& face : result.faces) {
      FaceRecord& r = face.record;
      if (r.reason.empty() && dedupe_distance_) {
        if (auto original = index_.find(*r.dhash)) {
          r.reason = "duplicate";
          r.detail = "near duplicate of " + *original +
                     " (dhash distance <= " + std::to_string(*dedupe_distance_) + ")";
        }
      }
      if (r.reason.empty()) {
        r.output = output_name(r.source, r.index, config_.format);
        const fs::path target = fs::path(config_.out_dir) / r.output;
        ensure_dir(target.parent_path().string());
        write_image(target.string(), face.crop, config_.quality, /*durable=*/false);
        crops_unsynced_ = true;
        index_.add(*r.dhash, r.output);
        ++source.written;
      }
      count_face(r);
      waiting_records_.push_back(to_json(r));
    }
    count_source(result);
    waiting_records_.push_back(to_json(source));
  }

  // Syncs the crops written since the last call (one syncfs() for all), then appends the
  // records that name them. Called with mutex_ held.
  void flush_manifest() {
    last_sync_ = std::chrono::steady_clock::now();
    if (waiting_records_.empty()) return;
    if (crops_unsynced_) sync_file_system(config_.out_dir);
    crops_unsynced_ = false;
    manifest_.append_all(waiting_records_);
    waiting_records_.clear();
  }

  void count_face(const FaceRecord& r) {
    ++summary_.faces_found;
    if (r.reason.empty()) ++summary_.faces_written;
    if (r.reason == "min_face") ++summary_.dropped_min_face;
    if (r.reason == "max_faces") ++summary_.dropped_max_faces;
    if (r.reason == "duplicate") ++summary_.dropped_duplicate;
    if (r.reason == "empty_region") ++summary_.dropped_empty_region;
  }

  void count_source(const ImageResult& result) {
    const SourceRecord& source = result.source;
    ++summary_.processed;
    if (source.faces > 0) ++summary_.with_faces;
    if (source.status == kSourceGray) ++summary_.gray_images;
    if (source.status == kSourceSmall) ++summary_.small_images;
    if (result.refused) ++summary_.refused_images;
    if (source.status == kSourceFailed) {
      DCGAN_WARN("skipped " << source.reason);
      summary_.failed.push_back(source.reason);
    }
  }

  const CropConfig& config_;
  std::optional<int> dedupe_distance_;
  DedupeIndex index_;
  JsonlWriter manifest_;
  CropSummary& summary_;
  std::mutex mutex_;
  std::map<int64_t, ImageResult> pending_;
  int64_t next_commit_ = 0;
  std::vector<Json> waiting_records_;  // committed, waiting for the sync of their crops
  bool crops_unsynced_ = false;
  std::chrono::steady_clock::time_point last_sync_;
};

}  // namespace

void CropConfig::validate() const {
  require(!in_dir.empty(), "--in is required: the folder of illustrations to crop");
  require(!out_dir.empty(), "--out is required: the folder to write the face crops to");
  detector.validate();
  geometry.validate();
  require(format == "jpg" || format == "png", "--format must be jpg or png (got '" + format + "')");
  require(quality >= 1 && quality <= 100,
          "--quality must be between 1 and 100 (got " + std::to_string(quality) + ")");
  require(min_face >= 0, "--min-face must be 0 (off) or a box side in pixels");
  require(max_faces_per_image >= 0, "--max-faces-per-image must be 0 (all) or a positive count");
  require(threads >= 0, "--threads must be 0 (all cores) or a positive count");
  require(max_pixels > 0, "--max-pixels must be positive (got " + std::to_string(max_pixels) + ")");
  parse_dedupe_spec(dedupe, "--dedupe");
}

std::string CropConfig::manifest_path() const {
  return manifest.empty() ? (fs::path(out_dir) / "manifest.jsonl").string() : manifest;
}

std::string CropConfig::to_string() const {
  std::ostringstream out;
  out << "CropConfig(in=" << in_dir << ", out=" << out_dir
      << ", cascade=" << (cascade.empty() ? "<search>" : cascade) << ", " << detector.to_string()
      << ", " << geometry.to_string() << ", format=" << format << ", quality=" << quality
      << ", min_face=" << min_face << ", max_faces_per_image=" << max_faces_per_image
      << ", skip_gray=" << (skip_gray ? "true" : "false") << ", dedupe=" << dedupe
      << ", threads=" << threads << ", manifest=" << manifest_path()
      << ", max_pixels=" << max_pixels << ")";
  return out.str();
}

double CropSummary::images_per_second() const { return seconds > 0 ? processed / seconds : 0.0; }

std::string CropSummary::to_string() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "crop: " << images << " images (" << already_done << " done before, " << processed
      << " processed), " << faces_found << " faces in " << with_faces << " images, "
      << faces_written << " written\n"
      << "  dropped faces: " << dropped_min_face << " below --min-face, " << dropped_max_faces
      << " over --max-faces-per-image, " << dropped_duplicate << " duplicates, "
      << dropped_empty_region << " with nothing inside the image to cut\n"
      << "  skipped images: " << gray_images << " monochrome, " << small_images
      << " smaller than --min-size, " << failed.size() << " failed (" << refused_images
      << " over --max-pixels)\n"
      << "  " << seconds << " s, " << images_per_second() << " images/s on " << threads
      << " threads, cascade " << cascade;
  return out.str();
}

CropSummary run_crop(const CropConfig& config) {
  config.validate();
  CropSummary summary;
  summary.cascade = locate_cascade(config.cascade);
  const CascadeModel model(summary.cascade);
  ensure_dir(config.out_dir);
  // A crop killed mid-write left CROP.tmp-PID-N files that no manifest record vouches for.
  const int stale = remove_stale_temporaries(config.out_dir);
  if (stale > 0) DCGAN_INFO("removed " << stale << " unfinished crop files of a killed run");
  const std::vector<std::string> all = list_image_files(config.in_dir, config.out_dir);
  summary.images = static_cast<int64_t>(all.size());
  CropManifestState previous = read_crop_manifest(config.manifest_path());
  std::vector<std::string> todo;
  for (const auto& source : all) {
    if (previous.finished_sources.count(source) == 0) todo.push_back(source);
  }
  summary.already_done = summary.images - static_cast<int64_t>(todo.size());
  if (all.empty()) DCGAN_WARN("no images (.jpg .jpeg .png .webp .bmp) under " << config.in_dir);

  summary.threads = config.threads > 0 ? config.threads : default_thread_count();
  // Per-image threads replace OpenCV's per-call threads; with one thread, let OpenCV help.
  std::optional<ScopedOpenCvThreads> opencv_threads;
  if (summary.threads > 1) opencv_threads.emplace(1);

  CropRun run(config, std::move(previous), summary);
  std::vector<std::unique_ptr<FaceDetector>> detectors(summary.threads);
  ProgressBar progress("crop", static_cast<int64_t>(todo.size()), "img");
  const auto start = std::chrono::steady_clock::now();
  WorkerPoolCallbacks callbacks;
  callbacks.work = [&](int64_t item, int worker) {
    // Made by the worker itself, so parsing the cascade is spread over the threads too.
    if (!detectors[worker]) detectors[worker] = model.make_detector(config.detector);
    run.submit(item, run.process(todo[item], *detectors[worker]));
  };
  callbacks.progress = [&](int64_t done) { progress.update(done); };
  callbacks.stop = [] { return interrupt_requested(); };
  const int64_t done =
      run_worker_pool(static_cast<int64_t>(todo.size()), summary.threads, callbacks);
  run.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish();
  if (done < static_cast<int64_t>(todo.size()) && interrupt_requested()) {
    throw Interrupted("crop interrupted after " + std::to_string(done) + " of " +
                      std::to_string(todo.size()) + " images; " + config.manifest_path() +
                      " is up to date, re-run the same command to continue");
  }
  return summary;
}

}  // namespace dcgan::vision
