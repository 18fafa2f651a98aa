// Handing freed heap back to the system: after a large structure is freed block by block to make
// room for its successor, the freed pages must not stay counted while the successor grows.
#pragma once

namespace ks::core {

// Returns the free pages of the heap to the system (glibc's malloc_trim); no-op elsewhere.
void releaseFreedMemory();

} // namespace ks::core
