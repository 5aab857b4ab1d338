// See env.h.
#include "dcgan/dist/env.h"

#include <cstdlib>
#include <sstream>

#include "dcgan/core/error.h"

namespace dcgan::dist {
namespace {

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// The integer in `text` (the whole of it), else a ConfigError naming `what`.
int whole_number(const std::string& text, const std::string& what) {
  size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < 0 || value > 1000000) {
    throw ConfigError(what + " must be a whole number (got '" + text + "')");
  }
  return static_cast<int>(value);
}

int number_from(const char* name, int fallback) {
  const char* value = variable(name);
  return value == nullptr ? fallback : whole_number(value, name);
}

}  // namespace

std::string DistEnv::to_string() const {
  std::ostringstream text;
  text << "rank " << rank << " of " << world_size << " (local rank " << local_rank << ", "
       << (launcher.empty() ? "single process" : launcher) << ", rendezvous " << master_addr << ":"
       << master_port << ")";
  return text.str();
}

DistEnv read_dist_env(const std::string& dist_master) {
  DistEnv env;
  if (variable("WORLD_SIZE") != nullptr) {
    env.launcher = "torchrun";
    env.world_size = number_from("WORLD_SIZE", 1);
    env.rank = number_from("RANK", 0);
    env.local_rank = number_from("LOCAL_RANK", 0);
  } else if (variable("SLURM_NTASKS") != nullptr && variable("SLURM_PROCID") != nullptr) {
    env.launcher = "slurm";
    env.world_size = number_from("SLURM_NTASKS", 1);
    env.rank = number_from("SLURM_PROCID", 0);
    env.local_rank = number_from("SLURM_LOCALID", 0);
  }
  require(env.world_size >= 1, "WORLD_SIZE must be at least 1");
  require(env.rank < env.world_size, "RANK " + std::to_string(env.rank) + " is outside the job's " +
                                         std::to_string(env.world_size) + " ranks");
  if (!env.distributed()) return env;

  std::string host, port;
  if (!dist_master.empty()) {
    const size_t colon = dist_master.rfind(':');
    require(colon != std::string::npos && colon > 0 && colon + 1 < dist_master.size(),
            "--dist-master must be HOST:PORT (got '" + dist_master + "')");
    host = dist_master.substr(0, colon);
    port = dist_master.substr(colon + 1);
  } else {
    require(variable("MASTER_ADDR") != nullptr && variable("MASTER_PORT") != nullptr,
            "a " + env.launcher + " job of " + std::to_string(env.world_size) +
                " ranks needs the rendezvous address: set MASTER_ADDR and MASTER_PORT, or "
                "give --dist-master HOST:PORT");
    host = variable("MASTER_ADDR");
    port = variable("MASTER_PORT");
  }
  env.master_addr = host;
  env.master_port = whole_number(port, "the rendezvous port (MASTER_PORT or --dist-master)");
  require(env.master_port >= 1 && env.master_port <= 65535,
          "the rendezvous port must be between 1 and 65535 (got " + port + ")");
  return env;
}

}  // namespace dcgan::dist
