// libpcap sources: pcap (microsecond or nanosecond) and pcapng files, or a pcap stream on
// standard input ("-"). Timestamps come out in nanoseconds with the file's own resolution known.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

typedef struct pcap pcap_t;

namespace ks::capture {

// The TLS key log lines of the Decryption Secrets Blocks before the first packet of a pcapng
// held in memory (what PacketSource::embeddedKeyLog reads from a file).
std::string pcapngDecryptionSecrets(std::span<const std::uint8_t> file);

class PacketSource {
public:
    enum class Status { Packet, End, Error };

    // path "-" reads standard input. On failure returns nullptr and a one-line reason in error.
    static std::unique_ptr<PacketSource> open(const std::string& path, std::string& error);
    ~PacketSource();
    PacketSource(const PacketSource&) = delete;
    PacketSource& operator=(const PacketSource&) = delete;

    int linkType() const { return m_linkType; }
    // Decimal digits of the capture's timestamps: 6 (microseconds) or 9 (nanoseconds).
    int decimals() const { return m_decimals; }
    bool isStream() const { return m_isStream; }
    const std::string& path() const { return m_path; }
    // Bytes taken from the file or pipe so far (read ahead by up to one buffer), for progress.
    std::uint64_t bytesRead() const { return m_bytesRead; }
    // Size of a regular file; -1 for a pipe or a device.
    std::int64_t fileSize() const { return m_fileSize; }

    // TLS key log lines from the pcapng Decryption Secrets Blocks before the first packet
    // (what editcap --inject-secrets tls,KEYS writes); empty when none. Regular files only:
    // libpcap skips these blocks, so the file's blocks are scanned (bounded) before it reads.
    const std::string& embeddedKeyLog() const { return m_embeddedKeyLog; }

    // On Error, error holds a reason (e.g. a truncated last packet).
    Status next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error);

private:
    PacketSource() = default;

    pcap_t* m_pcap = nullptr;
    std::string m_path;
    int m_linkType = 0;
    int m_decimals = 6;
    bool m_isStream = false;
    std::uint64_t m_bytesRead = 0;
    std::int64_t m_fileSize = -1;
    std::string m_embeddedKeyLog;
};

} // namespace ks::capture
