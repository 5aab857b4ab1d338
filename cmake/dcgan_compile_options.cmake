# dcgan_target_defaults(target): warnings and include root shared by every project target, and,
# for a target that links LibTorch, the precompiled <torch/torch.h> of dcgan_torch_pch
# (src/CMakeLists.txt). Parsing that header is almost half of a LibTorch file's compile time (a
# kernels test: 24.6 s without it, 13.8 s with it), and the suites compile dozens of such files in
# up to three builds. A compiler uses a PCH only with the code model it was built with, so no
# target sets POSITION_INDEPENDENT_CODE: libraries (-fPIC) and executables (-fPIE) would differ.
# Everything is static and linked into executables, which the compilers here build
# position-independent by default anyway. Call it after the target's target_link_libraries.
function(dcgan_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(DCGAN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TARGET dcgan_torch_pch)
    dcgan_links_torch(${target} links_torch)
    if(links_torch)
      target_precompile_headers(${target} REUSE_FROM dcgan_torch_pch)
    endif()
  endif()
endfunction()

# dcgan_links_torch(target out): whether `target` compiles against LibTorch, i.e. dcgan_torch is
# among its link libraries or, through their public interfaces, theirs.
function(dcgan_links_torch target out)
  get_target_property(pending ${target} LINK_LIBRARIES)
  set(seen)
  while(pending)
    list(POP_FRONT pending lib)
    if(NOT TARGET "${lib}" OR lib IN_LIST seen)
      continue()  # a plain library file or flag, a $<LINK_ONLY:...> (no headers), or done
    endif()
    list(APPEND seen ${lib})
    get_target_property(aliased ${lib} ALIASED_TARGET)
    if(aliased)
      set(lib ${aliased})
    endif()
    if(lib STREQUAL "dcgan_torch")
      set(${out} TRUE PARENT_SCOPE)
      return()
    endif()
    get_target_property(interface ${lib} INTERFACE_LINK_LIBRARIES)
    if(interface)
      list(APPEND pending ${interface})
    endif()
  endwhile()
  set(${out} FALSE PARENT_SCOPE)
endfunction()
