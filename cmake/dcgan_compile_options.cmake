# dcgan_target_defaults(target): warnings and include root shared by every project target.
function(dcgan_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(DCGAN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
