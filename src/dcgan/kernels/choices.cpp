// The process-wide table of oneDNN implementation choices; see choices.h.
#include "dcgan/kernels/choices.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "dcgan/core/error.h"
#include "dcgan/core/log.h"

namespace dcgan::kernels {
namespace {

std::mutex& table_mutex() {
  static std::mutex mutex;
  return mutex;
}

KernelChoices& table() {
  static KernelChoices choices;
  return choices;
}

}  // namespace

KernelChoices kernel_choices() {
  std::lock_guard<std::mutex> lock(table_mutex());
  return table();
}

void replay_kernel_choices(const KernelChoices& choices) {
  std::lock_guard<std::mutex> lock(table_mutex());
  for (const auto& [key, choice] : choices) table()[key] = choice;
}

std::optional<std::string> kernel_choice(const std::string& key) {
  std::lock_guard<std::mutex> lock(table_mutex());
  auto it = table().find(key);
  if (it == table().end()) return std::nullopt;
  return it->second;
}

void record_kernel_choice(const std::string& key, const std::string& choice) {
  std::lock_guard<std::mutex> lock(table_mutex());
  table()[key] = choice;
}

Json kernel_choices_to_json(const KernelChoices& choices) {
  Json json = Json::object();
  for (const auto& [key, choice] : choices) json[key] = choice;
  return json;
}

KernelChoices kernel_choices_from_json(const Json& json, const std::string& source) {
  if (!json.is_object()) throw DataError(source + ": kernel choices are not a JSON object");
  KernelChoices choices;
  for (const auto& [key, choice] : json.items()) {
    if (!choice.is_string())
      throw DataError(source + ": kernel choice for " + key + " is not a string");
    choices[key] = choice.get<std::string>();
  }
  return choices;
}

KernelChoices read_kernel_choices_file(const std::string& path) {
  if (!std::filesystem::exists(path)) return {};
  try {
    return kernel_choices_from_json(read_json_file(path), path);
  } catch (const Error& e) {
    DCGAN_WARN("ignoring " << path << " (" << e.what() << "); oneDNN kernels are chosen again");
    return {};
  }
}

void write_kernel_choices_file(const std::string& path, const KernelChoices& choices) {
  write_json_file(path, kernel_choices_to_json(choices));
}

std::string machine_kernel_choices_name(const std::string& onednn) {
  std::string text = onednn;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      text += "|" + line;
      break;
    }
  }
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char name[40];
  std::snprintf(name, sizeof name, "kernels-%016llx.json", static_cast<unsigned long long>(hash));
  return name;
}

}  // namespace dcgan::kernels
