// Opening captures with libpcap. The file's timestamp resolution is read from its header
// (pcap magic, or pcapng if_tsresol) before libpcap takes the stream, so times print at the
// capture's own resolution; a pipe gets the peeked bytes back through fopencookie.
#include "packet_source.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdio_ext.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ks::capture {

namespace {

constexpr std::size_t kMaxPeek = 64 * 1024;

std::uint32_t readU32(const std::uint8_t* p, bool bigEndian)
{
    return bigEndian ? std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]
                     : std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
}

// Decimal digits of the timestamps, from the first bytes of a capture.
int resolutionFromHeader(const std::uint8_t* p, std::size_t n)
{
    if (n < 4)
        return 6;
    const std::uint32_t le = readU32(p, false);
    if (le == 0xa1b23c4d || le == 0x4d3cb2a1)
        return 9;
    if (le != 0x0a0d0d0a || n < 12)
        return 6;
    // pcapng: section header block, then (usually) the first interface description block.
    const bool big = readU32(p + 8, true) == 0x1a2b3c4d;
    const std::uint32_t shbLength = readU32(p + 4, big);
    std::size_t off = shbLength;
    if (off + 20 > n || readU32(p + off, big) != 1)
        return 6;
    const std::uint32_t idbLength = readU32(p + off + 4, big);
    const std::size_t end = std::min<std::size_t>(off + idbLength - 4, n);
    std::size_t opt = off + 16;
    while (opt + 4 <= end) {
        const unsigned code = big ? (p[opt] << 8 | p[opt + 1]) : (p[opt + 1] << 8 | p[opt]);
        const unsigned len = big ? (p[opt + 2] << 8 | p[opt + 3]) : (p[opt + 3] << 8 | p[opt + 2]);
        if (code == 0)
            break;
        if (code == 9 && len == 1 && opt + 5 <= end) {
            const std::uint8_t v = p[opt + 4];
            if (v & 0x80)
                return (v & 0x7f) >= 30 ? 9 : 6; // power-of-two resolutions: 2^-30 ~ ns
            return v >= 9 ? 9 : (v > 6 ? 9 : 6);
        }
        opt += 4 + ((len + 3) & ~3u);
    }
    return 6;
}

// pcapng Decryption Secrets Blocks (type 0x0A, secrets type 0x544c534b "TLSK": NSS key log
// lines) among the blocks before the first packet, read with pread so libpcap's stream is not
// disturbed. Bounded: at most 4096 blocks and 64 MB of secrets. (pcapng spec, section 4.7.)
template <typename ReadAt>
std::string scanDecryptionSecrets(ReadAt readAt)
{
    constexpr std::uint32_t kDsb = 0x0000000A;
    constexpr std::uint32_t kTlsKeyLog = 0x544c534b;
    std::string out;
    std::uint8_t head[16];
    if (readAt(head, 12, 0) != 12 || readU32(head, false) != 0x0a0d0d0a)
        return out;
    const bool big = readU32(head + 8, true) == 0x1a2b3c4d;
    std::uint64_t off = 0;
    for (int i = 0; i < 4096; ++i) {
        if (readAt(head, 16, off) < 8)
            break;
        const std::uint32_t type = readU32(head, big);
        const std::uint32_t length = readU32(head + 4, big);
        if (length < 12 || length % 4 != 0)
            break;
        if (type == 2 || type == 3 || type == 6)
            break; // packets: secrets after them apply to later packets only; not read
        if (type == kDsb && length >= 20 && readU32(head + 8, big) == kTlsKeyLog) {
            const std::uint32_t size = readU32(head + 12, big);
            if (size <= length - 20 && out.size() + size <= (64u << 20)) {
                const std::size_t at = out.size();
                out.resize(at + size);
                if (readAt(out.data() + at, size, off + 16) != static_cast<std::int64_t>(size))
                    out.resize(at);
                else if (!out.empty() && out.back() != '\n')
                    out += '\n';
            }
        }
        off += length;
    }
    return out;
}

std::string readDecryptionSecrets(int fd)
{
    return scanDecryptionSecrets([fd](void* buf, std::size_t n, std::uint64_t off) -> std::int64_t {
        return ::pread(fd, buf, n, static_cast<off_t>(off));
    });
}

// A FILE that first returns bytes already read from a pipe, then the rest of the pipe.
struct ReplayCookie {
    std::vector<std::uint8_t> head;
    std::size_t offset = 0;
    int fd = -1;
    std::uint64_t* bytesRead = nullptr; // the source's progress counter; outlives the FILE
    // The FILE's buffer. glibc's setvbuf ignores the size when it has to allocate the buffer
    // itself (it then reads in st_blksize or BUFSIZ pieces, 8 KB here), so it gets this one.
    std::unique_ptr<char[]> buffer;
};

ssize_t replayRead(void* cookie, char* buf, size_t size)
{
    auto* c = static_cast<ReplayCookie*>(cookie);
    if (c->offset < c->head.size()) {
        const std::size_t n = std::min(size, c->head.size() - c->offset);
        std::memcpy(buf, c->head.data() + c->offset, n);
        c->offset += n;
        *c->bytesRead += n;
        return static_cast<ssize_t>(n);
    }
    for (;;) {
        const ssize_t n = ::read(c->fd, buf, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            *c->bytesRead += static_cast<std::uint64_t>(n);
        return n;
    }
}

int replayClose(void* cookie)
{
    delete static_cast<ReplayCookie*>(cookie);
    return 0;
}

std::string describeOpenError(const std::string& path, const std::string& pcapError)
{
    const std::string name = path == "-" ? std::string("standard input") : path;
    if (pcapError.find("unknown file format") != std::string::npos)
        return name + ": not a pcap or pcapng capture (libpcap: unknown file format); "
                      "write captures with tcpdump -w or dumpcap";
    if (pcapError.find("truncated") != std::string::npos)
        return name + ": the capture file header is truncated (" + pcapError + ")";
    return name + ": cannot read the capture (libpcap: " + pcapError + ")";
}

} // namespace

std::string pcapngDecryptionSecrets(std::span<const std::uint8_t> file)
{
    return scanDecryptionSecrets([file](void* buf, std::size_t n, std::uint64_t off) -> std::int64_t {
        if (off >= file.size())
            return 0;
        const std::size_t take = std::min<std::uint64_t>(n, file.size() - off);
        std::memcpy(buf, file.data() + off, take);
        return static_cast<std::int64_t>(take);
    });
}

std::unique_ptr<PacketSource> PacketSource::open(const std::string& path, std::string& error)
{
    std::unique_ptr<PacketSource> src(new PacketSource);
    src->m_path = path;
    FILE* fp = nullptr;
    int fd = -1;
    if (path == "-") {
        fd = ::dup(STDIN_FILENO);
        src->m_isStream = true;
    } else {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error = path + ": cannot open (" + std::strerror(errno) + ")";
            return nullptr;
        }
        struct stat st {};
        if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            ::close(fd);
            error = path + ": is a directory, not a capture file";
            return nullptr;
        }
        src->m_isStream = !S_ISREG(st.st_mode);
        if (S_ISREG(st.st_mode)) {
            src->m_fileSize = static_cast<std::int64_t>(st.st_size);
            src->m_embeddedKeyLog = readDecryptionSecrets(fd);
        }
    }
    if (fd < 0) {
        error = "standard input: cannot read (" + std::string(std::strerror(errno)) + ")";
        return nullptr;
    }
    auto* cookie = new ReplayCookie;
    cookie->fd = fd;
    cookie->bytesRead = &src->m_bytesRead;
    // Read only as far as the header needs: on a pipe, more could block until the next packet.
    std::size_t have = 0;
    auto fill = [&](std::size_t want) {
        want = std::min(want, kMaxPeek);
        if (cookie->head.size() < want)
            cookie->head.resize(want);
        while (have < want) {
            const ssize_t n = ::read(fd, cookie->head.data() + have, want - have);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            have += static_cast<std::size_t>(n);
        }
    };
    fill(4);
    if (have == 4 && readU32(cookie->head.data(), false) == 0x0a0d0d0a) {
        fill(12); // pcapng: section header block, then the first interface description block
        if (have == 12) {
            const bool big = readU32(cookie->head.data() + 8, true) == 0x1a2b3c4d;
            const std::size_t shb = readU32(cookie->head.data() + 4, big);
            fill(shb + 8);
            if (have == shb + 8)
                fill(shb + readU32(cookie->head.data() + shb + 4, big));
        }
    } else {
        fill(24); // pcap file header
    }
    cookie->head.resize(have);
    const std::string name = path == "-" ? std::string("standard input") : path;
    if (have == 0) {
        ::close(fd);
        delete cookie;
        error = name + (path == "-" ? ": no capture data arrived (empty pipe)" : ": the file is empty, not a capture");
        return nullptr;
    }
    src->m_decimals = resolutionFromHeader(cookie->head.data(), have);
    cookie_io_functions_t io {};
    io.read = replayRead;
    io.close = [](void* c) {
        auto* rc = static_cast<ReplayCookie*>(c);
        ::close(rc->fd);
        return replayClose(c);
    };
    fp = fopencookie(cookie, "r", io);
    if (!fp) {
        ::close(fd);
        delete cookie;
        error = name + ": cannot read (out of memory)";
        return nullptr;
    }
    // One read() per megabyte, not per 8 KB: 160 rather than 19,600 system calls on a 160 MB file.
    // A pipe still returns what it has at once: read() does not wait for the buffer to fill.
    constexpr std::size_t kBufferSize = 1 << 20;
    cookie->buffer = std::make_unique<char[]>(kBufferSize);
    std::setvbuf(fp, cookie->buffer.get(), _IOFBF, kBufferSize);
    // libpcap calls fread twice per packet; only this thread reads, so skip stdio's locking.
    __fsetlocking(fp, FSETLOCKING_BYCALLER);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    src->m_pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!src->m_pcap) {
        std::fclose(fp);
        error = describeOpenError(path, errbuf);
        return nullptr;
    }
    src->m_linkType = pcap_datalink(src->m_pcap);
    return src;
}

PacketSource::~PacketSource()
{
    if (m_pcap)
        pcap_close(m_pcap); // closes the FILE as well
}

PacketSource::Status PacketSource::next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame,
                                        std::string& error)
{
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(m_pcap, &header, &data);
    if (rc == 1) {
        tsNs = std::int64_t(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec;
        frame = std::span(data, header->caplen);
        return Status::Packet;
    }
    if (rc == PCAP_ERROR_BREAK)
        return Status::End;
    error = pcap_geterr(m_pcap);
    return Status::Error;
}

} // namespace ks::capture
