// Cooperative SIGINT/SIGTERM handling: the handler only sets a flag; long loops poll
// interrupt_requested() at safe points (between training steps, between files), save their
// state and throw dcgan::Interrupted. A second signal restores the default action, so
// pressing Ctrl-C twice still kills a stuck process.
#pragma once

namespace dcgan {

void install_interrupt_handlers();
bool interrupt_requested();
// For tests and for in-process re-runs.
void request_interrupt();
void clear_interrupt();

}  // namespace dcgan
