// Opening captures and buffering their bytes; the record formats are in packet_source_formats.cpp.
// A pipe is read as far as each record needs, so a live `tcpdump -w -` stream is not held back.
#include "packet_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ks::capture {

namespace {

// One read() per megabyte of a file, not per record.
constexpr std::size_t kReadChunk = 1 << 20;

std::string displayName(const std::string& path)
{
    return path == "-" ? std::string("standard input") : path;
}

std::uint32_t readU32(const std::uint8_t* p, bool bigEndian)
{
    return bigEndian ? std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]
                     : std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
}

// pcapng Decryption Secrets Blocks (type 0x0A, secrets type 0x544c534b "TLSK": NSS key log
// lines) among the blocks before the first packet, read with pread so the record reader's
// position is not disturbed. Bounded: at most 4096 blocks and 64 MB of secrets. (pcapng spec,
// section 4.7.)
template <typename ReadAt> std::string scanDecryptionSecrets(ReadAt readAt)
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

// Without an interrupt flag, read() itself waits. With one, wait in short polls so that another
// thread can end the stream of a command that went quiet (or left a child holding the pipe).
bool waitReadable(int fd, const std::atomic<bool>* interrupt)
{
    if (!interrupt)
        return true;
    for (;;) {
        // What is already in the pipe is still read after the interrupt: a stopped command's
        // last packets (and its end of file) are there.
        const bool stopping = interrupt->load();
        pollfd p { fd, POLLIN, 0 };
        const int ready = ::poll(&p, 1, stopping ? 0 : 100);
        if (ready > 0 || (ready < 0 && errno != EINTR))
            return true; // data, end of file, or an error for read() to report
        if (stopping)
            return false;
    }
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

std::unique_ptr<PacketSource> PacketSource::open(
    const std::string& path, std::string& error, const std::atomic<bool>* interrupt)
{
    std::unique_ptr<PacketSource> src(new PacketSource);
    src->m_path = path;
    if (path == "-") {
        src->m_fd = ::dup(STDIN_FILENO);
        src->m_isStream = true;
        if (src->m_fd < 0) {
            error = "standard input: cannot read (" + std::string(std::strerror(errno)) + ")";
            return nullptr;
        }
    } else {
        // A FIFO's open() waits for a writer; with an interrupt it must not (reads then poll).
        struct stat before { };
        const bool fifo = interrupt && ::stat(path.c_str(), &before) == 0 && S_ISFIFO(before.st_mode);
        src->m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
        if (src->m_fd < 0) {
            error = path + ": cannot open (" + std::strerror(errno) + ")";
            return nullptr;
        }
        struct stat st { };
        if (::fstat(src->m_fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            error = path + ": is a directory, not a capture file";
            return nullptr;
        }
        src->m_isStream = !S_ISREG(st.st_mode);
        if (src->m_isStream)
            src->m_interrupt = interrupt;
        if (S_ISREG(st.st_mode)) {
            src->m_fileSize = static_cast<std::int64_t>(st.st_size);
            src->m_embeddedKeyLog = readDecryptionSecrets(src->m_fd);
            src->m_secretBytes = src->m_embeddedKeyLog.size();
        }
    }
    if (!src->start(error))
        return nullptr;
    return src;
}

std::unique_ptr<PacketSource> PacketSource::openPipe(
    int fd, const std::string& name, const std::atomic<bool>* interrupt, std::string& error)
{
    std::unique_ptr<PacketSource> src(new PacketSource);
    src->m_path = name;
    src->m_fd = fd;
    src->m_interrupt = interrupt;
    src->m_isStream = true;
    if (!src->start(error))
        return nullptr;
    return src;
}

std::unique_ptr<PacketSource> PacketSource::openBytes(
    std::span<const std::uint8_t> bytes, const std::string& name, std::string& error)
{
    std::unique_ptr<PacketSource> src(new PacketSource);
    src->m_path = name;
    src->m_buf.assign(bytes.begin(), bytes.end());
    src->m_end = bytes.size();
    src->m_eof = true;
    src->m_bytesRead = bytes.size();
    src->m_fileSize = static_cast<std::int64_t>(bytes.size());
    src->m_bytes.assign(bytes.begin(), bytes.end());
    src->m_embeddedKeyLog = pcapngDecryptionSecrets(bytes);
    src->m_secretBytes = src->m_embeddedKeyLog.size();
    if (!src->start(error))
        return nullptr;
    return src;
}

std::unique_ptr<PacketSource> PacketSource::cursorForLastPacket(bool filtered, std::string& error) const
{
    std::unique_ptr<PacketSource> c(new PacketSource);
    c->m_path = m_path;
    if (m_fd < 0) {
        c->m_buf.assign(m_bytes.begin(), m_bytes.end());
        c->m_end = m_bytes.size();
        c->m_pos = static_cast<std::size_t>(m_packetOffset);
        c->m_eof = true;
    } else {
        c->m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (c->m_fd < 0 || ::lseek(c->m_fd, static_cast<off_t>(m_packetOffset), SEEK_SET) < 0) {
            error = m_path + ": cannot open again (" + std::strerror(errno) + ")";
            return nullptr;
        }
        c->m_bytesRead = m_packetOffset;
    }
    c->m_fileSize = m_fileSize;
    c->m_format = m_format;
    c->m_big = m_big;
    c->m_nano = m_nano;
    c->m_recordHeader = m_recordHeader;
    c->m_interfaces = m_interfaces;
    c->m_linkTypes = m_linkTypes;
    c->m_linkType = m_linkType;
    c->m_packetLinkType = m_packetLinkType;
    c->m_decimals = m_decimals;
    c->m_section = m_section;
    c->m_lastTsNs = m_lastTsNs;
    c->m_secretBytes = kMaxSecretBytes; // the first reader hands on the secrets
    c->m_filtered = filtered;
    c->m_filterSection = m_section;
    c->m_filterInterface = m_packetInterface;
    return c;
}

PacketSource::~PacketSource()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool PacketSource::refill(std::size_t n)
{
    if (m_eof)
        return false;
    if (m_pos > 0) {
        std::memmove(m_buf.data(), m_buf.data() + m_pos, m_end - m_pos);
        m_end -= m_pos;
        m_pos = 0;
    }
    if (m_buf.size() < std::max(n, kReadChunk))
        m_buf.resize(std::max(n, kReadChunk));
    while (m_end < n) {
        if (!waitReadable(m_fd, m_interrupt)) {
            m_eof = m_interrupted = true;
            return false;
        }
        const ssize_t got = ::read(m_fd, m_buf.data() + m_end, m_buf.size() - m_end);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue; // EAGAIN: a FIFO opened without waiting for its writer; poll again
        if (got <= 0) {
            m_eof = true;
            return false;
        }
        m_end += static_cast<std::size_t>(got);
        m_bytesRead += static_cast<std::uint64_t>(got);
    }
    return true;
}

std::string PacketSource::truncated(std::size_t have, std::size_t want) const
{
    return "truncated capture: record " + std::to_string(m_notes.records + 1) + " has " + std::to_string(have)
        + " of its " + std::to_string(want) + " bytes";
}

bool PacketSource::start(std::string& error)
{
    const std::string name = displayName(m_path);
    if (!ensure(4)) {
        if (m_end == m_pos)
            error
                = name + (m_isStream ? ": no capture data arrived (empty pipe)" : ": the file is empty, not a capture");
        else
            error = name + ": not a pcap or pcapng capture (too short); write captures with tcpdump -w or dumpcap";
        return false;
    }
    m_big = false;
    const std::uint32_t magic = u32(0);
    bool ok = false;
    if (magic == 0x0a0d0d0a) {
        m_format = Format::Pcapng;
        ok = readSectionHeader(error);
    } else {
        m_format = Format::Pcap;
        ok = readPcapHeader(error);
    }
    if (!ok) {
        error = name + ": " + error;
        return false;
    }
    m_packetLinkType = m_linkType;
    return true;
}

bool PacketSource::pollQuiet() const
{
    if (m_fd < 0 || !m_isStream || m_eof)
        return false;
    pollfd p { m_fd, POLLIN, 0 };
    return ::poll(&p, 1, m_idleWaitMs) == 0;
}

PacketSource::Status PacketSource::next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error)
{

    const Status status = m_format == Format::Pcap ? nextPcap(tsNs, frame, error) : nextPcapng(tsNs, frame, error);
    if (status == Status::Packet)
        m_lastTsNs = tsNs;
    return status;
}

} // namespace ks::capture
