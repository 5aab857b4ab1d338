// Signal flag for cooperative shutdown; see interrupt.h.
#include "dcgan/core/interrupt.h"

#include <csignal>

namespace dcgan {
namespace {
volatile std::sig_atomic_t g_requested = 0;

extern "C" void on_signal(int signal_number) {
  g_requested = 1;
  std::signal(signal_number, SIG_DFL);  // a second signal terminates at once
}
}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupt_requested() { return g_requested != 0; }
void request_interrupt() { g_requested = 1; }
void clear_interrupt() { g_requested = 0; }

}  // namespace dcgan
