// `dcgan train --nproc N`: a one-machine job without torchrun. Starts N copies of this program
// with torchrun's variables (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT a
// free loopback port), each in its own process group so that a terminal's Ctrl-C reaches only
// the launcher, which forwards SIGINT/SIGTERM once to every rank (each then saves and stops as
// a single process would); a launcher killed outright takes its ranks down with SIGTERM. Every
// line a rank prints comes out prefixed "[rank K] ".
#pragma once

#include <string>
#include <vector>

namespace dcgan::dist {

// Runs `program` with `args` (not including the program name) as ranks 0..nproc-1 and waits for
// all of them. Returns the worst exit status: the largest, a rank killed by a signal counting
// as 128 + the signal; `statuses` (when given) receives each rank's. Throws IoError when a rank
// cannot be started.
int run_local_ranks(int nproc, const std::string& program, const std::vector<std::string>& args,
                    std::vector<int>* statuses = nullptr);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

// This program's path (/proc/self/exe), to start its ranks with.
std::string own_program();
// This process's arguments (/proc/self/cmdline, without the program name) with every `flag`
// and its value ("--nproc 2" or "--nproc=2") taken out: what each rank runs.
std::vector<std::string> own_arguments_without(const std::string& flag);
// One line on run_local_ranks' statuses: "rank 1 was killed by signal 9, rank 0 exited with 5"
// (the worst first; ranks with the same outcome together).
std::string describe_rank_statuses(const std::vector<int>& statuses);

}  // namespace dcgan::dist
