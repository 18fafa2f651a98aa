// TLS session secrets in the NSS key log format (what SSLKEYLOGFILE-aware programs, Go's
// tls.Config.KeyLogWriter, Envoy's key_log and grpc++'s key log path write), from files or from a
// pcapng Decryption Secrets Block. The engine looks secrets up by the ClientHello's random.
//
// API for the window and the command line:
//   ks::capture::KeyLog keys;
//   std::vector<std::string> warnings;          // "keys.txt:12: ..." per bad line, capped
//   if (!keys.loadFile("keys.txt", warnings, error)) ... // error: the file cannot be read
//   keys.addText(textFromDsb, "capture.pcapng (Decryption Secrets Block)", warnings);
//   keys.merge(otherKeyLog);
//   engine.setKeyLog(std::make_shared<ks::capture::KeyLog>(std::move(keys)));
// The engine calls refresh() (re-reads the loaded files from where they ended) when a TLS
// handshake finds no secrets, so a key log written while a live capture runs is picked up.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ks::capture {

// One label's secret: 32 bytes for SHA-256 suites, 48 for SHA-384 and for a TLS 1.2 master.
struct TlsSecret {
    std::uint8_t size = 0; // 0: not in the log
    std::array<std::uint8_t, 64> bytes {};
    bool present() const { return size != 0; }
};

struct TlsSessionSecrets {
    TlsSecret master; // CLIENT_RANDOM (TLS 1.2 master secret)
    TlsSecret clientHandshake; // CLIENT_HANDSHAKE_TRAFFIC_SECRET
    TlsSecret serverHandshake; // SERVER_HANDSHAKE_TRAFFIC_SECRET
    TlsSecret clientTraffic0; // CLIENT_TRAFFIC_SECRET_0
    TlsSecret serverTraffic0; // SERVER_TRAFFIC_SECRET_0
};

using ClientRandom = std::array<std::uint8_t, 32>;

class KeyLog {
public:
    // Warnings beyond this many per source are counted in one last line.
    static constexpr std::size_t kMaxWarningsPerSource = 20;

    // Reads a key log file and remembers its path for refresh(). False (with error set) when
    // the file cannot be read; bad lines are skipped with a warning naming file and line.
    bool loadFile(const std::string& path, std::vector<std::string>& warnings, std::string& error);
    // Adds the lines of text; source names where they came from in warnings.
    void addText(std::string_view text, std::string_view source, std::vector<std::string>& warnings);
    void merge(const KeyLog& other);
    // Re-reads the loaded files from where they were last read; true when secrets were added.
    bool refresh();

    const TlsSessionSecrets* find(const ClientRandom& random) const;
    std::size_t sessionCount() const { return m_sessions.size(); }
    bool empty() const { return m_sessions.empty() && m_files.empty(); }

private:
    struct RandomHash {
        std::size_t operator()(const ClientRandom& r) const;
    };
    struct File {
        std::string path;
        std::uint64_t offset = 0; // bytes consumed (whole lines only)
        std::uint64_t line = 0;
    };
    bool readFrom(File& file, std::vector<std::string>& warnings, std::string& error);
    void addLines(
        std::string_view text, std::string_view source, std::uint64_t firstLine, std::vector<std::string>& warnings);

    std::unordered_map<ClientRandom, TlsSessionSecrets, RandomHash> m_sessions;
    std::vector<File> m_files;
};

} // namespace ks::capture
