// Comparisons for the kill trials and the full-disk tests (kill_trial_support.h).
#include "kill_trial_support.h"

#include <sqlite3.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "dcgan/core/atomic_file.h"
#include "dcgan/gan/checkpoint.h"
#include "dcgan/gan/models.h"

namespace fs = std::filesystem;

namespace dcgan::testing {

std::map<std::string, std::string> files_by_name(const std::string& dir,
                                                 const std::vector<std::string>& except) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) continue;
    if (std::find(except.begin(), except.end(), name) != except.end()) continue;
    files[name] = read_file(entry.path().string());
  }
  return files;
}

std::string files_difference(const std::map<std::string, std::string>& found,
                             const std::map<std::string, std::string>& expected) {
  std::string text;
  for (const auto& [name, bytes] : found) {
    auto it = expected.find(name);
    if (it == expected.end()) {
      text += " extra " + name + ";";
    } else if (it->second != bytes) {
      text += " different " + name + ";";
    }
  }
  for (const auto& [name, bytes] : expected) {
    if (found.count(name) == 0) text += " missing " + name + ";";
  }
  return text;
}

std::vector<std::string> archive_rows(const std::string& archive_path) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(archive_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return {"cannot open " + archive_path};
  }
  const char* queries[] = {
      "SELECT 'post', site, post_key, id, md5, tags, rating, file_ext, file_size, width, height, "
      "preview_url, sample_url, jpeg_url, file_url FROM posts",
      "SELECT 'download', site, post_key, kind, url, status, path, bytes, md5, last_error "
      "FROM downloads",
      "SELECT 'page', site, url, page, status, posts, error FROM pages"};
  for (const char* query : queries) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, query, -1, &statement, nullptr) != SQLITE_OK) {
      rows.push_back(std::string("query failed: ") + sqlite3_errmsg(db));
      continue;
    }
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        row += (i ? "|" : "") + (text ? std::string(reinterpret_cast<const char*>(text)) : "NULL");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<std::string> sorted_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

namespace {

std::vector<torch::Tensor> weights_of(const std::string& checkpoint) {
  const gan::OpenedCheckpoint opened = gan::open_checkpoint(checkpoint);
  auto g = gan::make_generator(opened.model);
  auto d = gan::make_discriminator(opened.model);
  gan::load_checkpoint(opened, opened.model, *g, d.get(), nullptr, nullptr);
  std::vector<torch::Tensor> all;
  for (auto* module :
       {static_cast<torch::nn::Module*>(g.get()), static_cast<torch::nn::Module*>(d.get())}) {
    for (const auto& p : module->parameters()) all.push_back(p.detach().clone());
    for (const auto& b : module->buffers()) all.push_back(b.detach().clone());
  }
  return all;
}

}  // namespace

bool same_weights(const std::string& a, const std::string& b, std::string* why) {
  const auto wa = weights_of(a), wb = weights_of(b);
  if (wa.size() != wb.size()) {
    *why = "different tensor counts";
    return false;
  }
  for (size_t i = 0; i < wa.size(); ++i) {
    if (!torch::equal(wa[i], wb[i])) {
      *why = "tensor " + std::to_string(i) + " differs";
      return false;
    }
  }
  return true;
}

}  // namespace dcgan::testing
