// What the kill trials and the full-disk tests compare: a folder's files by name and bytes, a
// crawl archive's rows without their clocks, a JSON Lines file's records as a sorted list, and
// the weights and buffers of a checkpoint's G and D.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dcgan::testing {

// name -> bytes of every regular file directly in `dir` whose name is not in `except`.
std::map<std::string, std::string> files_by_name(const std::string& dir,
                                                 const std::vector<std::string>& except = {});

// What differs between two files_by_name() results: names only in one, names whose bytes
// differ ("" when none).
std::string files_difference(const std::map<std::string, std::string>& found,
                             const std::map<std::string, std::string>& expected);

// Every row of the archive's posts, downloads and pages tables as text, sorted, without the
// columns that record when or how often (seen_at, updated_at, fetched_at, attempts): a killed
// try is rightly counted, and clocks differ between runs.
std::vector<std::string> archive_rows(const std::string& archive_path);

// The non-empty lines of a file, sorted (records written by parallel workers come in any order).
std::vector<std::string> sorted_lines(const std::string& path);

// True when both checkpoints hold exactly the same G and D parameters and buffers; otherwise
// false with the first difference in `why`.
bool same_weights(const std::string& a, const std::string& b, std::string* why);

}  // namespace dcgan::testing
