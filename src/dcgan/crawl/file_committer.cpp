// Batched commit of downloads; see file_committer.h.
#include "dcgan/crawl/file_committer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dcgan/core/atomic_file.h"
#include "dcgan/core/error.h"
#include "dcgan/crawl/part_file.h"

namespace dcgan::crawl {
namespace {

std::string errno_text() { return std::strerror(errno); }

// Runs `sync(dir)` (sync_file_system: every .part written so far, in one journal commit;
// sync_dir: only the folder's entries). Returns "" or what failed.
std::string sync_error(void (*sync)(const std::string&), const std::string& dir) {
  try {
    sync(dir);
    return "";
  } catch (const IoError& e) {
    return e.what();
  }
}

}  // namespace

FileCommitter::FileCommitter(std::string dir, Archive& archive, Callback on_committed)
    : dir_(std::move(dir)), archive_(archive), on_committed_(std::move(on_committed)) {
  thread_ = std::thread([this] { run(); });
}

FileCommitter::~FileCommitter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void FileCommitter::submit(std::string part_path, DownloadRow row) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.push_back({std::move(part_path), std::move(row)});
  }
  wake_.notify_one();
}

void FileCommitter::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [&] { return waiting_.empty() && !busy_; });
  if (error_) std::rethrow_exception(error_);
}

void FileCommitter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
    if (waiting_.empty()) return;  // stopping, nothing left
    std::vector<Pending> batch;
    batch.swap(waiting_);
    busy_ = true;
    lock.unlock();
    try {
      commit(batch);
    } catch (...) {
      // The archive failed under us; flush() hands the error to the crawl.
      std::lock_guard<std::mutex> relock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
}

void FileCommitter::commit(std::vector<Pending>& batch) {
  std::vector<DownloadRow> done;
  std::vector<std::pair<DownloadRow, std::string>> failed;
  const std::string data_error = sync_error(sync_file_system, dir_);
  for (Pending& item : batch) {
    const std::string final_path = dir_ + "/" + item.row.path;
    if (data_error.empty() && std::rename(item.part_path.c_str(), final_path.c_str()) == 0) {
      // A file of this post saved earlier with another type would be a second copy.
      for (const std::string& name : image_names(final_path.substr(0, final_path.rfind('.')))) {
        if (name != final_path) ::unlink(name.c_str());
      }
      done.push_back(std::move(item.row));
    } else {
      std::string why = !data_error.empty() ? data_error
                                            : "cannot rename " + item.part_path + " to " +
                                                  final_path + ": " + errno_text();
      ::unlink(item.part_path.c_str());
      item.row.path.clear();
      failed.emplace_back(std::move(item.row), why);
    }
  }
  const std::string folder_error = done.empty() ? "" : sync_error(sync_dir, dir_);
  if (!folder_error.empty()) {
    // The renames may not survive a power cut: not marked done, so the next run redoes them.
    for (DownloadRow& row : done) failed.emplace_back(std::move(row), folder_error);
    done.clear();
  }
  archive_.mark_done(done);
  for (const DownloadRow& row : done) on_committed_(row, "");
  for (auto& [row, why] : failed) {
    row.last_error = why;
    archive_.mark_failed(row);
    on_committed_(row, why);
  }
}

}  // namespace dcgan::crawl
