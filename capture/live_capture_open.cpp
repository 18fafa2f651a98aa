// Where a live capture's packets come from (LiveCapture, live_capture.h): an interface opened
// with libpcap directly, the privileged capture helper when this process may not capture, or a
// capture command whose standard output is a pcap stream; and what to say when none may.
#include "live_capture.h"

#include "packet_source.h"

#include <fcntl.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ks::capture {

namespace {

std::string selfPath()
{
    char self[4096] = {};
    const auto n = readlink("/proc/self/exe", self, sizeof self - 1);
    return n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string();
}

bool executable(const std::string& path)
{
    struct stat st { };
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

} // namespace

std::string LiveCapture::captureHelperPath()
{
    if (const char* env = std::getenv("KS_CAPTURE_HELPER"); env && *env)
        return executable(env) ? std::string(env) : std::string();
    const std::string self = selfPath();
    const std::string dir = self.substr(0, self.rfind('/') + 1);
    for (const std::string& candidate :
        { dir + "keepalive-scope-capture", dir + "../libexec/keepalive-scope/keepalive-scope-capture" })
        if (executable(candidate))
            return candidate;
    return {};
}

std::string LiveCapture::permissionHint()
{
    const std::string helper = captureHelperPath();
    const std::string self = selfPath();
    const std::string dir = self.substr(0, self.rfind('/') + 1);
    // The Debian package lets only root and one group run the helper (installer/postinst), the
    // way Wireshark's dumpcap is kept to the wireshark group: name the group rather than setcap.
    for (const std::string& candidate :
        { dir + "keepalive-scope-capture", dir + "../libexec/keepalive-scope/keepalive-scope-capture" }) {
        struct stat st { };
        char installed[4096] = {};
        if (!helper.empty() || self.empty() || !::realpath(candidate.c_str(), installed) || ::stat(installed, &st) != 0
            || !S_ISREG(st.st_mode))
            continue;
        const group* owner = ::getgrgid(st.st_gid);
        const std::string name = owner ? std::string(owner->gr_name) : std::to_string(st.st_gid);
        return "live capture goes through the capture helper " + std::string(installed)
            + ", which only root and members of the group " + name + " may run: add yourself with\n  sudo usermod -aG "
            + name + " \"$USER\"\nand log in again\n"
            + "(the lab goes on without the wire: channel and RPC events only)";
    }
    std::string hint
        = "live capture needs the CAP_NET_RAW capability: run as root, or grant it once with\n  sudo setcap "
          "cap_net_raw,cap_net_admin=eip ";
    hint += helper.empty() ? (selfPath().empty() ? std::string("keepalive-scope") : selfPath()) : helper;
    hint += helper.empty() ? "\n" : "\n(the capture helper; the Debian package does this when it is installed)\n";
    return hint + "(the lab goes on without the wire: channel and RPC events only)";
}

std::vector<std::string> LiveCapture::devices(std::string& error)
{
    std::vector<std::string> out;
    pcap_if_t* all = nullptr;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    if (pcap_findalldevs(&all, errbuf) != 0) {
        error = std::string("cannot list capture interfaces: ") + errbuf;
        return out;
    }
    for (pcap_if_t* d = all; d; d = d->next)
        out.emplace_back(d->name);
    pcap_freealldevs(all);
    return out;
}

std::string LiveCapture::openDirect(const std::string& device, const std::string& filter)
{
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap = pcap_create(device.c_str(), errbuf);
    if (!m_pcap)
        return "cannot open " + device + " for capture: " + errbuf;
    pcap_set_snaplen(m_pcap, 262144);
    pcap_set_promisc(m_pcap, 0);
    pcap_set_immediate_mode(m_pcap, 1); // deliver each packet at once, not per buffer
    pcap_set_timeout(m_pcap, 10);
    pcap_set_tstamp_precision(m_pcap, PCAP_TSTAMP_PRECISION_NANO);
    const int rc = pcap_activate(m_pcap);
    if (rc < 0) {
        std::string reason = rc == PCAP_ERROR ? pcap_geterr(m_pcap) : pcap_statustostr(rc);
        m_permissionDenied
            = rc == PCAP_ERROR_PERM_DENIED || (rc == PCAP_ERROR && reason.find("ermission") != std::string::npos);
        pcap_close(m_pcap);
        m_pcap = nullptr;
        if (m_permissionDenied)
            return "no permission to capture on " + device + " (" + reason + ")";
        return "cannot capture on " + device + ": " + reason;
    }
    bpf_program program {};
    if (pcap_compile(m_pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0
        || pcap_setfilter(m_pcap, &program) != 0) {
        std::string reason = pcap_geterr(m_pcap);
        pcap_freecode(&program);
        pcap_close(m_pcap);
        m_pcap = nullptr;
        return "capture filter \"" + filter + "\" rejected: " + reason;
    }
    pcap_freecode(&program);
    m_linkType = pcap_datalink(m_pcap);
    pcap_setnonblock(m_pcap, 1, errbuf);
    return {};
}

// The privileged helper writes a pcap stream to a pipe; the same PacketSource that reads
// `analyze -` reads it here, as it reads a capture command's.
std::string LiveCapture::openHelper(const std::string& device, const std::string& filter)
{
    const std::string helper = captureHelperPath();
    if (helper.empty())
        return "no capture helper (keepalive-scope-capture) beside the program";
    return openCommand({ helper, "-i", device, "-f", filter }, {});
}

// Blocks until the command wrote its capture header, or failed, or cancelStart().
std::string LiveCapture::openCommand(const std::vector<std::string>& argv, const std::string& shellLine)
{
    std::string error;
    auto command = shellLine.empty() ? CaptureCommand::spawn(argv, error) : CaptureCommand::shell(shellLine, error);
    if (!command)
        return error;
    CaptureCommand* raw = command.get();
    {
        std::lock_guard lock(m_commandMutex);
        m_command = std::move(command);
    }
    if (m_cancelled.load())
        raw->terminate();
    m_source = raw->openStream(error);
    if (!m_source) {
        std::lock_guard lock(m_commandMutex);
        m_command.reset();
        return error;
    }
    m_linkType = m_source->linkType();
    return {};
}

} // namespace ks::capture
