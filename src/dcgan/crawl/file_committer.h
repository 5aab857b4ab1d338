// Makes verified downloads final in batches, so that durability costs a few syncs per batch
// instead of two fsyncs per file (~11 ms each on ext4, serialised by its journal): one
// syncfs() for every .part waiting, then their renames to the final names, one fsync of the
// folder, and one archive transaction marking them done. A final name therefore only ever
// holds synced, whole data, and the archive only says "done" for files that are final.
// A kill -9 leaves .part files (removed by the next run) or final files not yet marked done
// (downloaded again). It does no transfers and no verification.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dcgan/crawl/archive.h"

namespace dcgan::crawl {

class FileCommitter {
 public:
  // `on_committed(row, error)` is called from the committer's thread once per file: error ""
  // when the file is final and marked done, else why it failed (it is then marked failed).
  using Callback = std::function<void(const DownloadRow& row, const std::string& error)>;
  FileCommitter(std::string dir, Archive& archive, Callback on_committed);
  ~FileCommitter();  // commits what is waiting
  FileCommitter(const FileCommitter&) = delete;
  FileCommitter& operator=(const FileCommitter&) = delete;

  // `part_path` is a verified, closed .part; `row.path` its final name within the folder.
  void submit(std::string part_path, DownloadRow row);
  // Returns once everything submitted so far is committed; rethrows an archive error.
  void flush();

 private:
  struct Pending {
    std::string part_path;
    DownloadRow row;
  };
  void run();
  void commit(std::vector<Pending>& batch);

  std::string dir_;
  Archive& archive_;
  Callback on_committed_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::vector<Pending> waiting_;
  bool busy_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace dcgan::crawl
