#include "memory_release.h"

#include <cstdlib> // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ks::core {

void releaseFreedMemory()
{
#if defined(__GLIBC__)
    // Blocks of a few hundred KB come from the heap, not mmap, once glibc's mmap threshold has
    // risen (it does when a larger mmap'ed block is freed): without this, a block freed stays
    // resident until something reuses it.
    malloc_trim(0);
#endif
}

} // namespace ks::core
