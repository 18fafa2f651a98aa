// Capture files and streams: pcap (microsecond, nanosecond, and the modified Kuznetzov
// variant) and pcapng, read by our own record parser rather than libpcap's so that a record
// longer than the file's snaplen is read as stored, each pcapng interface keeps its own link
// type, and timestamps are converted without overflow. Timestamps come out in nanoseconds.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ks::capture {

// An allocator that leaves new elements uninitialised: the read buffer grows to 1 MiB at open,
// and zeroing it touched 256 pages before the first read (half of a small capture's CPU: 19.9 ms
// of a 5 KB capture's analysis, 10.3 ms without, on a quiet machine).
template <typename T> struct UninitAllocator : std::allocator<T> {
    template <typename U> struct rebind {
        using other = UninitAllocator<U>;
    };
    template <typename U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <typename U, typename... A> void construct(U* p, A&&... a)
    {
        ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
    }
};

// The TLS key log lines of the Decryption Secrets Blocks before the first packet of a pcapng
// held in memory (what PacketSource::embeddedKeyLog reads from a file).
std::string pcapngDecryptionSecrets(std::span<const std::uint8_t> file);

// What the reader met that the results should mention (packet numbers count every record
// from 1, as tshark's frame numbers do).
struct SourceNotes {
    std::uint64_t records = 0;
    std::uint64_t fractionTooLarge = 0; // sub-second field >= one second
    std::uint64_t firstFractionTooLarge = 0;
    std::uint64_t timeOutOfRange = 0; // not representable in int64 nanoseconds (after 2262)
    std::uint64_t firstTimeOutOfRange = 0;
    std::uint64_t unknownInterface = 0; // pcapng packet naming an interface never described
    std::uint64_t firstUnknownInterface = 0;
    std::uint64_t longerThanSnaplen = 0; // read as stored
    std::uint64_t untimed = 0; // Simple Packet Blocks: no timestamp, given the previous packet's
    std::uint64_t firstUntimed = 0;
    // Set by the reader when a pcapng file was merged by time (pcapng_merge.h): its streams
    // (section x interface), sections, and how far a packet came after later ones in the file.
    // pcap: another file header where a record should start (files joined with cat); the first
    // is before this record number.
    std::uint64_t pcapFileHeaders = 0;
    std::uint64_t firstPcapFileHeader = 0;
    std::uint64_t mergedStreams = 0;
    std::uint64_t mergedSections = 0;
    std::int64_t mergedMaxLateNs = 0;
};

class PacketSource {
public:
    // Idle: only with setIdleWait, on a stream that sent nothing for that long (no record begun).
    enum class Status { Packet, End, Error, Idle };

    // path "-" reads standard input. On failure returns nullptr and a one-line reason in error.
    // With interrupt (the window's cancel flag; it must outlive the source), a FIFO is opened
    // without waiting for its writer, and reads wait in short polls, so a FIFO nothing writes to
    // never holds the reading thread past a cancel. Without it, reads block as `cat` would.
    static std::unique_ptr<PacketSource> open(
        const std::string& path, std::string& error, const std::atomic<bool>* interrupt = nullptr);
    // A pipe already open (a capture command's stdout), named in messages as name; takes fd.
    // While interrupt is set, reads stop waiting and the stream ends (it must outlive the source).
    static std::unique_ptr<PacketSource> openPipe(
        int fd, const std::string& name, const std::atomic<bool>* interrupt, std::string& error);
    // A capture held in memory (fuzz targets, tests); name is used in messages.
    static std::unique_ptr<PacketSource> openBytes(
        std::span<const std::uint8_t> bytes, const std::string& name, std::string& error);
    ~PacketSource();
    PacketSource(const PacketSource&) = delete;
    PacketSource& operator=(const PacketSource&) = delete;

    // The file's link type (pcap) or the first interface's (pcapng), as a libpcap DLT_ value.
    int linkType() const { return m_linkType; }
    // The link type of the packet next() returned last (pcapng interfaces may differ).
    int packetLinkType() const { return m_packetLinkType; }
    // Link types of the interfaces described so far.
    const std::vector<int>& linkTypes() const { return m_linkTypes; }
    // Decimal digits of the capture's timestamps: 6 (microseconds) or 9 (nanoseconds).
    int decimals() const { return m_decimals; }
    bool isStream() const { return m_isStream; }
    bool isPcapng() const { return m_format == Format::Pcapng; }
    const std::string& path() const { return m_path; }
    // Bytes taken from the file or pipe so far (read ahead by up to one buffer), for progress.
    std::uint64_t bytesRead() const { return m_bytesRead; }
    // Size of a regular file; -1 for a pipe or a device.
    std::int64_t fileSize() const { return m_fileSize; }
    // The stream ended because the interrupt was set while no data was pending (a cancelled
    // read, not the writer's end of file).
    bool interrupted() const { return m_interrupted; }
    const SourceNotes& notes() const { return m_notes; }

    // TLS key log lines from the pcapng Decryption Secrets Blocks before the first packet
    // (what editcap --inject-secrets tls,KEYS writes); empty when none. Regular files and
    // openBytes only: the blocks are scanned (bounded) before the first packet is read.
    const std::string& embeddedKeyLog() const { return m_embeddedKeyLog; }
    // Key log lines of Decryption Secrets Blocks met while reading that embeddedKeyLog does not
    // hold: after the first packet (two pcapng files joined with cat), or anywhere in a stream.
    // Taken (and cleared) by the reader, which hands them to the engine before the next packet.
    // Bounded with embeddedKeyLog: 64 MB of secrets in all.
    bool hasLateSecrets() const { return !m_lateSecrets.empty(); }
    std::string takeLateSecrets() { return std::exchange(m_lateSecrets, {}); }

    // On Error, error holds a reason (e.g. a truncated last packet).
    Status next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error);
    // A stream whose writer sends nothing for ms milliseconds between records makes next()
    // return Idle (0: wait as long as it takes, the default). The reader releases what it holds.
    void setIdleWait(int ms) { m_idleWaitMs = ms; }

    // pcapng: the section (from 0, one per Section Header Block: files joined with cat) and the
    // interface of the packet next() returned last, and where its block starts in the file.
    int packetSection() const { return m_section; }
    std::uint32_t packetInterface() const { return m_packetInterface; }
    std::uint64_t packetOffset() const { return m_packetOffset; }
    // A second reader of the same file or bytes (regular files and openBytes only) that starts
    // at the block of the packet this one returned last, in this one's section state; filtered,
    // it returns only the packets of that packet's section and interface (pcapng_merge.h). Null
    // when the file cannot be opened again.
    std::unique_ptr<PacketSource> cursorForLastPacket(bool filtered, std::string& error) const;

    // Records larger than this are taken as a corrupt file (Wireshark's limit for most links).
    static constexpr std::uint32_t kMaxRecord = 262144;
    // pcapng blocks larger than this are taken as a corrupt file.
    static constexpr std::uint32_t kMaxBlock = 16 * 1024 * 1024;

private:
    struct Interface {
        int linkType = 0;
        std::uint64_t unitsPerSecond = 1'000'000;
        int shift = -1; // unitsPerSecond == 2^shift, else -1
        std::int64_t offsetSeconds = 0;
    };
    enum class Format { Pcap, Pcapng };

    PacketSource() = default;
    bool start(std::string& error);
    // Makes n bytes available at m_pos; false at the end of input. (Inline: a few calls per
    // packet, nearly always already buffered; refill reads.)
    bool ensure(std::size_t n) { return m_end - m_pos >= n || refill(n); }
    bool refill(std::size_t n);
    std::uint16_t u16(std::size_t at) const
    {
        const std::uint8_t* p = m_buf.data() + m_pos + at;
        return m_big ? static_cast<std::uint16_t>(p[0] << 8 | p[1]) : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
    }
    std::uint32_t u32(std::size_t at) const
    {
        const std::uint8_t* p = m_buf.data() + m_pos + at;
        return m_big ? std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3]
                     : std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
    }
    bool readPcapHeader(std::string& error);
    bool atPcapFileHeader();
    // At a block boundary with nothing buffered, a stream with an idle wait: nothing arrived for it.
    bool quiet() const { return m_idleWaitMs > 0 && m_pos == m_end && pollQuiet(); }
    bool pollQuiet() const;
    bool readSectionHeader(std::string& error);
    bool addInterface(std::size_t body, std::size_t bodyLength, std::string& error);
    // A Decryption Secrets Block at m_pos (body of bodyLength bytes): its TLS key log lines go to
    // m_lateSecrets unless the prescan (files and bytes, not streams) read them into m_embeddedKeyLog.
    void readLateSecrets(std::size_t bodyLength);
    static constexpr std::uint32_t kDecryptionSecretsBlock = 0x0000000A;
    static constexpr std::uint64_t kMaxSecretBytes = 64u << 20;
    Status nextPcap(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error);
    Status nextPcapng(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error);
    std::int64_t pcapngTime(const Interface& itf, std::uint64_t units);
    std::int64_t checkedTime(bool ok, std::int64_t ns);
    std::string truncated(std::size_t have, std::size_t want) const;

    int m_section = -1;
    std::uint32_t m_packetInterface = 0;
    std::uint64_t m_packetOffset = 0;
    // A cursor (cursorForLastPacket) returns only this section's packets of this interface.
    bool m_filtered = false;
    int m_filterSection = 0;
    std::uint32_t m_filterInterface = 0;
    std::vector<std::uint8_t> m_bytes; // openBytes: the capture, for cursors

    int m_idleWaitMs = 0;
    int m_fd = -1;
    const std::atomic<bool>* m_interrupt = nullptr; // set: a pipe's reads stop waiting
    std::vector<std::uint8_t, UninitAllocator<std::uint8_t>> m_buf;
    std::size_t m_pos = 0;
    std::size_t m_end = 0;
    bool m_eof = false;
    bool m_interrupted = false;

    Format m_format = Format::Pcap;
    bool m_big = false; // byte order of the file (pcap) or the current section (pcapng)
    bool m_nano = false;
    std::size_t m_recordHeader = 16;
    std::vector<Interface> m_interfaces;
    std::vector<int> m_linkTypes;
    std::int64_t m_lastTsNs = 0;

    std::string m_path;
    int m_linkType = 0;
    int m_packetLinkType = 0;
    int m_decimals = 6;
    bool m_isStream = false;
    std::uint64_t m_bytesRead = 0;
    std::int64_t m_fileSize = -1;
    SourceNotes m_notes;
    std::string m_embeddedKeyLog;
    std::string m_lateSecrets;
    std::uint64_t m_secretBytes = 0; // embedded and late, against the 64 MB bound
};

} // namespace ks::capture
