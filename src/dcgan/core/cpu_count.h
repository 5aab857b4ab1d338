// How many threads "every core" means: the one count the decoders, the crop workers and the
// compute threads all default to.
#pragma once

namespace dcgan {

// std::thread::hardware_concurrency(), at least 1.
int default_thread_count();

}  // namespace dcgan
