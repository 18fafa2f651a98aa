// Bounded reads of user files: fstat first (refuse what is not a regular file), then read at
// most maxBytes + 1 bytes, so a file that grows or lies about its size is still bounded.
#include "input_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ks::core {

namespace {

const char* kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

} // namespace

std::string readInputFile(const std::string& path, std::string_view what, std::string& text, std::size_t maxBytes)
{
    // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused below anyway.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return path + ": cannot open (" + std::strerror(errno) + ")";
    struct stat st { };
    if (::fstat(fd, &st) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        return path + ": cannot read (" + reason + ")";
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return path + ": is " + kindOf(st.st_mode) + ", not " + std::string(what);
    }
    if (static_cast<std::uint64_t>(st.st_size) > maxBytes) {
        ::close(fd);
        return path + ": " + std::to_string(st.st_size) + " bytes is too large for " + std::string(what) + " (at most "
            + std::to_string(maxBytes) + ")";
    }
    text.clear();
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const std::string reason = std::strerror(errno);
            ::close(fd);
            return path + ": cannot read (" + reason + ")";
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > maxBytes) {
            ::close(fd);
            return path + ": too large for " + std::string(what) + " (more than " + std::to_string(maxBytes)
                + " bytes)";
        }
    }
    ::close(fd);
    return {};
}

} // namespace ks::core
