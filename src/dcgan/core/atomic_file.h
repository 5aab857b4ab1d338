// Crash-safe file replacement: data goes to a temporary file in the same directory, is
// fsync'ed, then renamed over the target, and the directory is fsync'ed. A reader (or a
// process restarted after kill -9) sees either the old file or the new one, never a mix.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace dcgan {

// Writes `bytes` to `path` atomically. Throws IoError naming the path on failure.
// `durable` = false skips the fsyncs: the file is still never seen half-written by readers,
// but may be lost on power failure. For bulk outputs whose completion is marked elsewhere.
void atomic_write(const std::string& path, std::string_view bytes, bool durable = true);

// For writers that need a file name (torch::save, cv::imwrite): `write_to(tmp_path)` fills a
// temporary file, which is then fsync'ed and renamed to `path`. The temporary is removed if
// `write_to` throws.
void atomic_write_with(const std::string& path,
                       const std::function<void(const std::string& tmp_path)>& write_to,
                       bool durable = true);

// For batches written with durable = false and then vouched for by one durable file (a marker,
// a manifest line): syncs every file written so far on the file system holding `dir`, with one
// syncfs() (one journal commit instead of an fsync per file). Throws IoError naming `dir`.
void sync_file_system(const std::string& dir);

// fsyncs the folder `dir` itself, so that renames and new names in it survive a power cut.
// Throws IoError naming `dir`.
void sync_dir(const std::string& dir);

// Removes the temporaries that atomic writes of a process killed mid-write left under `dir`
// and its subfolders (NAME.tmp-PID-N whose PID no longer runs); a live writer's are kept.
// Returns how many were removed. A folder that does not exist has none.
int remove_stale_temporaries(const std::string& dir);

// Reads a whole file. Throws IoError naming the path.
std::string read_file(const std::string& path);

// Creates `dir` and its parents. Throws IoError naming the directory.
void ensure_dir(const std::string& dir);

}  // namespace dcgan
