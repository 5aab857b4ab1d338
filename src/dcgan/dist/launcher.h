// `dcgan train --nproc N`: a one-machine job without torchrun. Starts N copies of this program
// with torchrun's variables (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT a
// free loopback port), each in its own process group so that a terminal's Ctrl-C reaches only
// the launcher, which forwards SIGINT/SIGTERM once to every rank (each then saves and stops as
// a single process would). Every line a rank prints comes out prefixed "[rank K] ".
#pragma once

#include <string>
#include <vector>

namespace dcgan::dist {

// Runs `program` with `args` (not including the program name) as ranks 0..nproc-1 and waits for
// all of them. Returns the worst exit status: the largest, a rank killed by a signal counting
// as 128 + the signal. Throws IoError when a rank cannot be started.
int run_local_ranks(int nproc, const std::string& program, const std::vector<std::string>& args);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

}  // namespace dcgan::dist
