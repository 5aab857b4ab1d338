// Where this process sits in a data-parallel job, read from the launcher's environment:
// torchrun's WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (also what `dcgan train
// --nproc N` sets), or Slurm's SLURM_NTASKS, SLURM_PROCID, SLURM_LOCALID with the rendezvous
// address from --dist-master HOST:PORT (else MASTER_ADDR / MASTER_PORT). Without either, a
// job of one.
#pragma once

#include <string>

namespace dcgan::dist {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;       // the rank among this machine's processes (picks its GPU)
  std::string master_addr;  // rank 0's host, where the rendezvous store listens
  int master_port = 0;
  std::string launcher;  // "torchrun", "slurm" or "" (a job of one)

  bool distributed() const { return world_size > 1; }
  std::string to_string() const;
};

// Reads the environment. `dist_master` ("HOST:PORT", may be "") overrides MASTER_ADDR and
// MASTER_PORT. Throws ConfigError naming the variable or flag when a value is missing or out of
// range (a RANK of 3 in a WORLD_SIZE of 2, a port of 70000, ...).
DistEnv read_dist_env(const std::string& dist_master);

}  // namespace dcgan::dist
