// NSS key log parsing: "LABEL <client_random hex> <secret hex>" lines, '#' comments, blank lines
// (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/).
#include "key_log.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ks::capture {

namespace {

constexpr std::uint64_t kMaxFileBytes = 256ull << 20; // a key log this large is not a key log

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes hex into out; false when not hex or not the expected size.
bool decodeHex(std::string_view hex, std::uint8_t* out, std::size_t size)
{
    if (hex.size() != size * 2)
        return false;
    for (std::size_t i = 0; i < size; ++i) {
        const int hi = hexValue(hex[2 * i]);
        const int lo = hexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

std::string_view nextField(std::string_view& rest)
{
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
        rest.remove_prefix(1);
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t')
        ++end;
    const auto field = rest.substr(0, end);
    rest.remove_prefix(end);
    return field;
}

TlsSecret* slotFor(TlsSessionSecrets& s, std::string_view label)
{
    if (label == "CLIENT_RANDOM")
        return &s.master;
    if (label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
        return &s.clientHandshake;
    if (label == "SERVER_HANDSHAKE_TRAFFIC_SECRET")
        return &s.serverHandshake;
    if (label == "CLIENT_TRAFFIC_SECRET_0")
        return &s.clientTraffic0;
    if (label == "SERVER_TRAFFIC_SECRET_0")
        return &s.serverTraffic0;
    return nullptr;
}

bool knownUnusedLabel(std::string_view label)
{
    // Valid labels this tool has no use for (0-RTT, exporters, ECH): accepted silently. So are
    // the secrets after a KeyUpdate, which OpenSSL 3.0 logs as CLIENT_TRAFFIC_SECRET_N and
    // SERVER_TRAFFIC_SECRET_N (a literal N): they are derived from secret 0 here, as Wireshark does.
    for (std::string_view prefix : { "CLIENT_TRAFFIC_SECRET_", "SERVER_TRAFFIC_SECRET_" })
        if (label.size() > prefix.size() && label.substr(0, prefix.size()) == prefix
            && (label.substr(prefix.size()) == "N"
                || label.substr(prefix.size()).find_first_not_of("0123456789") == std::string_view::npos))
            return true;
    return label == "CLIENT_EARLY_TRAFFIC_SECRET" || label == "EARLY_EXPORTER_SECRET" || label == "EXPORTER_SECRET"
        || label == "ECH_SECRET" || label == "ECH_CONFIG" || label == "RSA";
}

} // namespace

std::size_t KeyLog::RandomHash::operator()(const ClientRandom& r) const
{
    std::uint64_t h;
    std::memcpy(&h, r.data(), sizeof h); // the random is random
    return static_cast<std::size_t>(h);
}

bool KeyLog::loadFile(const std::string& path, std::vector<std::string>& warnings, std::string& error)
{
    for (auto& f : m_files)
        if (f.path == path)
            return readFrom(f, warnings, error);
    File file;
    file.path = path;
    if (!readFrom(file, warnings, error))
        return false;
    m_files.push_back(std::move(file));
    return true;
}

bool KeyLog::readFrom(File& file, std::vector<std::string>& warnings, std::string& error)
{
    std::ifstream in(file.path, std::ios::binary);
    if (!in) {
        error = file.path + ": cannot read the key log (" + std::strerror(errno) + ")";
        return false;
    }
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(in.tellg());
    if (size > kMaxFileBytes) {
        error = file.path + ": " + std::to_string(size >> 20)
            + " MB is too large for a key log (NSS key log lines, at most 256 MB)";
        return false;
    }
    if (size < file.offset) {
        file.offset = 0; // rewritten from the start
        file.line = 0;
    }
    if (size == file.offset)
        return true;
    std::string text(size - file.offset, '\0');
    in.seekg(static_cast<std::streamoff>(file.offset));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    // Only whole lines: the writer may be in the middle of one. A line ends at LF, CRLF or a lone
    // CR: grpc++ 1.51's key logger (set_tls_session_key_log_file_path) ends its lines with CR.
    const auto lastEnd = text.find_last_of("\r\n");
    if (lastEnd == std::string::npos)
        return true;
    text.resize(lastEnd + 1);
    addLines(text, file.path, file.line + 1, warnings);
    file.offset += text.size();
    for (std::size_t i = 0; i < text.size(); ++i)
        file.line += text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'));
    return true;
}

void KeyLog::addText(std::string_view text, std::string_view source, std::vector<std::string>& warnings)
{
    addLines(text, source, 1, warnings);
}

void KeyLog::addLines(
    std::string_view text, std::string_view source, std::uint64_t firstLine, std::vector<std::string>& warnings)
{
    std::size_t bad = 0;
    std::uint64_t lineNo = firstLine;
    auto warn = [&](const std::string& what) {
        if (++bad <= kMaxWarningsPerSource)
            warnings.push_back(std::string(source) + ":" + std::to_string(lineNo) + ": " + what);
    };
    while (!text.empty()) {
        const auto end = text.find_first_of("\r\n");
        std::string_view line = text.substr(0, end);
        const bool crlf
            = end != std::string_view::npos && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n';
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + (crlf ? 2 : 1));
        std::string_view rest = line;
        const auto label = nextField(rest);
        if (label.empty() || label.front() == '#') {
            ++lineNo;
            continue;
        }
        const auto randomHex = nextField(rest);
        const auto secretHex = nextField(rest);
        const auto extra = nextField(rest);
        ClientRandom random {};
        TlsSessionSecrets scratch;
        TlsSecret* slot = slotFor(scratch, label);
        if (!slot && !knownUnusedLabel(label)) {
            warn("unknown label \"" + std::string(label.substr(0, 40))
                + "\"; expected CLIENT_RANDOM or a TLS 1.3 *_TRAFFIC_SECRET label (NSS key log format)");
        } else if (secretHex.empty() || !extra.empty()) {
            warn("expected three fields (LABEL CLIENT_RANDOM SECRET), line skipped");
        } else if (!decodeHex(randomHex, random.data(), random.size())) {
            warn("the client random must be 64 hex digits (32 bytes), line skipped");
        } else if (slot) {
            const std::size_t n = secretHex.size() / 2;
            const bool sizeOk = label == "CLIENT_RANDOM" ? n == 48 : (n == 32 || n == 48);
            if (!sizeOk || !decodeHex(secretHex, slot->bytes.data(), n)) {
                warn(label == "CLIENT_RANDOM"
                        ? "the master secret must be 96 hex digits (48 bytes), line skipped"
                        : "the secret must be 64 or 96 hex digits (SHA-256 or SHA-384), line skipped");
            } else {
                slot->size = static_cast<std::uint8_t>(n);
                *slotFor(m_sessions[random], label) = *slot;
            }
        }
        ++lineNo;
    }
    if (bad > kMaxWarningsPerSource)
        warnings.push_back(
            std::string(source) + ": " + std::to_string(bad - kMaxWarningsPerSource) + " more bad lines not listed");
}

void KeyLog::merge(const KeyLog& other)
{
    for (const auto& [random, secrets] : other.m_sessions) {
        auto& mine = m_sessions[random];
        for (auto member :
            { &TlsSessionSecrets::master, &TlsSessionSecrets::clientHandshake, &TlsSessionSecrets::serverHandshake,
                &TlsSessionSecrets::clientTraffic0, &TlsSessionSecrets::serverTraffic0 })
            if ((secrets.*member).present())
                mine.*member = secrets.*member;
    }
    for (const auto& f : other.m_files) {
        bool known = false;
        for (const auto& mine : m_files)
            known = known || mine.path == f.path;
        if (!known)
            m_files.push_back(f);
    }
}

bool KeyLog::refresh()
{
    bool grew = false;
    std::vector<std::string> ignored;
    std::string error;
    for (auto& f : m_files) {
        const auto before = f.offset;
        // Unchanged files are not opened: a live capture asks often.
        std::error_code ec;
        const auto size = std::filesystem::file_size(f.path, ec);
        if (!ec && size == f.offset)
            continue;
        readFrom(f, ignored, error);
        grew = grew || f.offset != before;
    }
    return grew;
}

const TlsSessionSecrets* KeyLog::find(const ClientRandom& random) const
{
    const auto it = m_sessions.find(random);
    return it == m_sessions.end() ? nullptr : &it->second;
}

} // namespace ks::capture
