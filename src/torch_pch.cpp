// The one source of dcgan_torch_pch (src/CMakeLists.txt): a target needs a file to compile
// its precompiled header for. Nothing is linked from it.
