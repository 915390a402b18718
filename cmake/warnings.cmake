# Interface target carrying the project's warning flags; linked privately by every target.
add_library(yishi_warnings INTERFACE)
target_compile_options(yishi_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(YISHI_WERROR)
  target_compile_options(yishi_warnings INTERFACE -Werror)
endif()
