// The oneDNN CPU engine and stream every kernel in this library runs on: one engine per process,
// one stream per calling thread (a stream is not to be shared between threads).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace dcgan::kernels {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

}  // namespace dcgan::kernels
