// The process-wide table of oneDNN implementation choices; see kernel_choices.h.
#include "dcgan/gan/kernel_choices.h"

#include <mutex>

#include "dcgan/core/error.h"

namespace dcgan::gan {
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
    if (!choice.is_string()) throw DataError(source + ": kernel choice for " + key + " is not a string");
    choices[key] = choice.get<std::string>();
  }
  return choices;
}

}  // namespace dcgan::gan
