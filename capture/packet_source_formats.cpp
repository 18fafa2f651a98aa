// pcap and pcapng records (pcap: draft-ietf-opsawg-pcap; pcapng: draft-ietf-opsawg-pcapng).
// Every length is checked before it is used; timestamps are converted with overflow checks.
#include "packet_source.h"

#include <pcap/dlt.h>

#include <limits>

namespace ks::capture {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// LINKTYPE_ values in files map to libpcap's DLT_ values; they differ only for a few.
int dltOf(std::uint32_t linkType)
{
    const int lt = static_cast<int>(linkType & 0x03ffffffu); // upper bits: FCS length
    return lt == 101 ? DLT_RAW : lt;
}

std::string unknownFormat()
{
    return "not a pcap or pcapng capture (libpcap: unknown file format); write captures with tcpdump -w or dumpcap";
}

} // namespace

bool PacketSource::readPcapHeader(std::string& error)
{
    std::uint32_t magic = u32(0);
    if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1 || magic == 0x34cdb2a1) {
        m_big = true;
        magic = u32(0);
    }
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d && magic != 0xa1b2cd34) {
        error = unknownFormat();
        return false;
    }
    if (!ensure(24)) {
        error = "the capture file header is truncated (" + std::to_string(m_end - m_pos) + " of 24 bytes)";
        return false;
    }
    m_nano = magic == 0xa1b23c4d;
    m_recordHeader = magic == 0xa1b2cd34 ? 24 : 16; // modified pcap: 8 more bytes per record
    m_decimals = m_nano ? 9 : 6;
    m_linkType = dltOf(u32(20));
    m_linkTypes = { m_linkType };
    m_interfaces.push_back({ m_linkType, m_nano ? 1'000'000'000u : 1'000'000u, -1, 0 });
    m_pos += 24;
    return true;
}

std::int64_t PacketSource::checkedTime(bool ok, std::int64_t ns)
{
    if (ok)
        return ns;
    // Not representable (beyond 2262 or before 1677): keep the previous packet's time.
    if (m_notes.timeOutOfRange++ == 0)
        m_notes.firstTimeOutOfRange = m_notes.records;
    return m_lastTsNs;
}

bool PacketSource::atPcapFileHeader()
{
    // A magic number in either byte order and version 2.4 in the same order: a record header
    // holding both (a capture time in 2055 or 2014 and a 2.4 version as its fraction) is not
    // a plausible record.
    // (The first byte of every magic in either order, read before waiting for 24 bytes: a record
    // header's first byte is a capture time's, rarely one of these.)
    const std::uint8_t first = m_buf[m_pos];
    if (first != 0xa1 && first != 0xd4 && first != 0x4d && first != 0x34)
        return false;
    if (!ensure(24))
        return false;
    const std::uint8_t* p = m_buf.data() + m_pos;
    const std::uint32_t le = std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
    const std::uint32_t be = std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
    const auto magic = [](std::uint32_t m) { return m == 0xa1b2c3d4 || m == 0xa1b23c4d || m == 0xa1b2cd34; };
    if (magic(le))
        return p[4] == 2 && p[5] == 0 && p[6] == 4 && p[7] == 0;
    if (magic(be))
        return p[4] == 0 && p[5] == 2 && p[6] == 0 && p[7] == 4;
    return false;
}

PacketSource::Status PacketSource::nextPcap(
    std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error)
{
    for (;;) {
        if (quiet())
            return Status::Idle;
        if (!ensure(m_recordHeader)) {
            if (m_end == m_pos)
                return Status::End;
            error = truncated(m_end - m_pos, m_recordHeader);
            return Status::Error;
        }
        if (!atPcapFileHeader())
            break;
        // Another pcap file begins (`cat a.pcap b.pcap`): read on with its header's byte order,
        // precision and link type, and say so.
        if (m_notes.pcapFileHeaders++ == 0)
            m_notes.firstPcapFileHeader = m_notes.records + 1;
        m_big = false;
        if (!readPcapHeader(error))
            return Status::Error;
    }
    const std::uint32_t seconds = u32(0); // unsigned: 2^31 and later are 2038..2106
    const std::uint32_t fraction = u32(4);
    const std::uint32_t caplen = u32(8);
    const std::uint32_t wireLength = u32(12);
    if (caplen > kMaxRecord) {
        error = "record " + std::to_string(m_notes.records + 1) + " claims " + std::to_string(caplen)
            + " captured bytes, more than any link allows (the file is corrupt)";
        return Status::Error;
    }
    if (!ensure(m_recordHeader + caplen)) {
        error = truncated(m_end - m_pos - m_recordHeader, caplen);
        return Status::Error;
    }
    ++m_notes.records;
    const std::uint32_t perSecond = m_nano ? 1'000'000'000u : 1'000'000u;
    if (fraction >= perSecond && m_notes.fractionTooLarge++ == 0)
        m_notes.firstFractionTooLarge = m_notes.records;
    if (caplen > wireLength)
        ++m_notes.longerThanSnaplen;
    // At most 4.3e9 s * 1e9 + 4.3e12: within int64.
    tsNs = std::int64_t(seconds) * kNsPerSecond + std::int64_t(fraction) * (m_nano ? 1 : 1000);
    frame = std::span<const std::uint8_t>(m_buf.data() + m_pos + m_recordHeader, caplen);
    m_pos += m_recordHeader + caplen;
    m_packetLinkType = m_linkType;
    return Status::Packet;
}

bool PacketSource::readSectionHeader(std::string& error)
{
    if (!ensure(28)) {
        error = "the capture file header is truncated (pcapng section header)";
        return false;
    }
    m_big = false;
    if (u32(8) != 0x1a2b3c4d) {
        m_big = true;
        if (u32(8) != 0x1a2b3c4d) {
            error = unknownFormat();
            return false;
        }
    }
    const std::uint32_t length = u32(4);
    if (length < 28 || length % 4 != 0 || length > kMaxBlock) {
        error = "corrupt pcapng section header (block length " + std::to_string(length) + ")";
        return false;
    }
    if (!ensure(length)) {
        error = "the capture file header is truncated (pcapng section header)";
        return false;
    }
    m_pos += length;
    ++m_section;
    m_interfaces.clear(); // interface ids are per section
    // Describe the first interface now if it comes next (it normally does), for linkType().
    if (ensure(8) && u32(0) == 1) {
        const std::uint32_t idb = u32(4);
        if (idb >= 20 && idb % 4 == 0 && idb <= kMaxBlock && ensure(idb)) {
            if (!addInterface(8, idb - 12, error))
                return false;
            m_pos += idb;
        }
    }
    return true;
}

bool PacketSource::addInterface(std::size_t body, std::size_t bodyLength, std::string& error)
{
    if (bodyLength < 8) {
        error = "corrupt pcapng interface description (too short)";
        return false;
    }
    Interface itf;
    itf.linkType = dltOf(u16(body));
    int resolution = 6;
    for (std::size_t opt = body + 8; opt + 4 <= body + bodyLength;) {
        const std::uint16_t code = u16(opt);
        const std::uint16_t len = u16(opt + 2);
        if (code == 0 || opt + 4 + len > body + bodyLength)
            break;
        if (code == 9 && len >= 1) { // if_tsresol
            const std::uint8_t v = m_buf[m_pos + opt + 4];
            const int exponent = v & 0x7f;
            if ((v & 0x80) ? exponent > 62 : exponent > 18) {
                error = "pcapng interface " + std::to_string(m_interfaces.size()) + ": unsupported time resolution "
                    + std::string((v & 0x80) ? "2^-" : "10^-") + std::to_string(exponent);
                return false;
            }
            itf.unitsPerSecond = 1;
            for (int i = 0; i < exponent; ++i)
                itf.unitsPerSecond *= (v & 0x80) ? 2 : 10;
            itf.shift = (v & 0x80) ? exponent : -1;
            resolution = (v & 0x80) ? (exponent > 20 ? 9 : 6) : exponent;
        } else if (code == 14 && len == 8) { // if_tsoffset, seconds
            const std::uint64_t hi = u32(opt + 4), lo = u32(opt + 8);
            itf.offsetSeconds = static_cast<std::int64_t>(m_big ? hi << 32 | lo : lo << 32 | hi);
        }
        opt += 4 + ((std::size_t(len) + 3) & ~std::size_t(3));
    }
    if (m_interfaces.empty() && m_linkTypes.empty()) {
        m_linkType = itf.linkType;
        m_decimals = resolution > 6 ? 9 : 6;
    }
    m_interfaces.push_back(itf);
    m_linkTypes.push_back(itf.linkType);
    return true;
}

std::int64_t PacketSource::pcapngTime(const Interface& itf, std::uint64_t units)
{
    const std::uint64_t whole = units / itf.unitsPerSecond;
    const std::uint64_t rem = units % itf.unitsPerSecond;
    std::uint64_t fractionNs;
    if (itf.shift >= 0)
        fractionNs = itf.shift <= 34 ? (rem * 1'000'000'000u) >> itf.shift
                                     : ((rem >> (itf.shift - 34)) * 1'000'000'000u) >> 34;
    else if (itf.unitsPerSecond <= 1'000'000'000u)
        fractionNs = rem * (1'000'000'000u / itf.unitsPerSecond);
    else
        fractionNs = rem / (itf.unitsPerSecond / 1'000'000'000u);
    std::int64_t seconds = 0, ns = 0;
    const bool ok = whole <= std::uint64_t(std::numeric_limits<std::int64_t>::max())
        && !__builtin_add_overflow(static_cast<std::int64_t>(whole), itf.offsetSeconds, &seconds)
        && !__builtin_mul_overflow(seconds, kNsPerSecond, &ns)
        && !__builtin_add_overflow(ns, static_cast<std::int64_t>(fractionNs), &ns);
    return checkedTime(ok, ns);
}

void PacketSource::readLateSecrets(std::size_t bodyLength)
{
    constexpr std::uint32_t kTlsKeyLog = 0x544c534b; // "TLSK": NSS key log lines (pcapng section 4.7)
    if (!m_isStream && m_notes.records == 0)
        return; // before the first packet of a file (or bytes): the prescan put these in embeddedKeyLog
    if (bodyLength < 8 || u32(8) != kTlsKeyLog)
        return;
    const std::uint32_t size = u32(12);
    if (size > bodyLength - 8 || m_secretBytes + size > kMaxSecretBytes)
        return;
    m_secretBytes += size;
    m_lateSecrets.append(reinterpret_cast<const char*>(m_buf.data() + m_pos + 16), size);
    if (!m_lateSecrets.empty() && m_lateSecrets.back() != '\n')
        m_lateSecrets += '\n';
}

PacketSource::Status PacketSource::nextPcapng(
    std::int64_t& tsNs, std::span<const std::uint8_t>& frame, std::string& error)
{
    for (;;) {
        if (quiet())
            return Status::Idle; // between blocks (an ISB, say, may have come last)
        if (!ensure(12)) {
            if (m_end == m_pos)
                return Status::End;
            error = truncated(m_end - m_pos, 12);
            return Status::Error;
        }
        const std::uint32_t type = u32(0);
        if (type == 0x0a0d0d0a) { // a new section, perhaps of the other byte order
            if (m_filtered && m_section >= m_filterSection)
                return Status::End; // a cursor's section is over
            if (!readSectionHeader(error))
                return Status::Error;
            continue;
        }
        const std::uint32_t length = u32(4);
        if (length < 12 || length % 4 != 0 || length > kMaxBlock) {
            error = "corrupt pcapng block after record " + std::to_string(m_notes.records) + " (block length "
                + std::to_string(length) + ")";
            return Status::Error;
        }
        if (!ensure(length)) {
            error = truncated(m_end - m_pos, length);
            return Status::Error;
        }
        const std::size_t bodyLength = length - 12;
        std::size_t dataAt = 0;
        std::uint32_t caplen = 0, wireLength = 0, iface = 0;
        std::uint64_t units = 0;
        bool packet = false, timed = true;
        if (type == 1) {
            if (!addInterface(8, bodyLength, error))
                return Status::Error;
        } else if ((type == 6 || type == 2) && bodyLength >= 20) {
            // enhanced packet; the obsolete packet block differs only in its 16-bit interface id
            iface = type == 6 ? u32(8) : u16(8);
            units = std::uint64_t(u32(12)) << 32 | u32(16);
            caplen = u32(20);
            wireLength = u32(24);
            dataAt = 28;
            packet = true;
        } else if (type == 3 && bodyLength >= 4) { // simple packet: interface 0, no timestamp
            wireLength = u32(8);
            caplen = std::min<std::uint32_t>(wireLength, static_cast<std::uint32_t>(bodyLength - 4));
            dataAt = 12;
            packet = true;
            timed = false;
        }
        if (!packet) {
            if (type == kDecryptionSecretsBlock)
                readLateSecrets(bodyLength);
            m_pos += length;
            continue;
        }
        if (m_filtered && iface != m_filterInterface) {
            m_pos += length; // another interface's packet: its own cursor returns it
            continue;
        }
        if (dataAt + caplen > length - 4) {
            error = "corrupt pcapng packet block: record " + std::to_string(m_notes.records + 1) + " claims "
                + std::to_string(caplen) + " bytes in a block of " + std::to_string(length);
            return Status::Error;
        }
        ++m_notes.records;
        m_packetInterface = iface;
        m_packetOffset = m_bytesRead - (m_end - m_pos);
        if (iface >= m_interfaces.size()) {
            if (m_notes.unknownInterface++ == 0)
                m_notes.firstUnknownInterface = m_notes.records;
            m_packetLinkType = -1; // no link type: the engine counts it as unreadable
        } else {
            m_packetLinkType = m_interfaces[iface].linkType;
        }
        if (caplen > wireLength)
            ++m_notes.longerThanSnaplen;
        if (!timed && m_notes.untimed++ == 0)
            m_notes.firstUntimed = m_notes.records;
        tsNs = (timed && iface < m_interfaces.size()) ? pcapngTime(m_interfaces[iface], units) : m_lastTsNs;
        frame = std::span<const std::uint8_t>(m_buf.data() + m_pos + dataAt, caplen);
        m_pos += length;
        return Status::Packet;
    }
}

} // namespace ks::capture
