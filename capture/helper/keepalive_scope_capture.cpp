// keepalive-scope-capture: the only part of Keepalive Scope that holds capture privileges, the
// way Wireshark's dumpcap does. It links libpcap and nothing else of ours, opens one interface
// with a BPF filter, drops every capability once the handle is open, and writes what it captures
// to standard output as a pcap stream (nanosecond timestamps), flushed packet by packet. The
// program that started it decodes the stream; it stops on SIGTERM, SIGINT, a closed pipe, or
// when its parent goes away. main stays one function of some 80 lines so that what runs with
// capture privileges, and when they are dropped, reads top to bottom in one place.
//
//   keepalive-scope-capture -i IFACE [-f FILTER] [-s SNAPLEN]
//   keepalive-scope-capture --list        interfaces libpcap can open, one per line
#include <linux/capability.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void onSignal(int)
{
    g_stop = 1;
}

int usage()
{
    std::fputs("usage: keepalive-scope-capture -i IFACE [-f FILTER] [-s SNAPLEN] | --list\n", stderr);
    return 2;
}

// Nothing is needed once the handle is open: give up all capabilities for good.
void dropCapabilities()
{
    __user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
    __user_cap_data_struct data[2] {};
    syscall(SYS_capset, &header, data);
}

int list()
{
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        std::fprintf(stderr, "keepalive-scope-capture: cannot list interfaces: %s\n", errbuf);
        return 1;
    }
    for (pcap_if_t* d = all; d; d = d->next)
        std::printf("%s\t%s\n", d->name, d->description ? d->description : "");
    pcap_freealldevs(all);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::string device, filter;
    int snaplen = 262144;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--list")
            return list();
        if (i + 1 >= argc)
            return usage();
        if (arg == "-i")
            device = argv[++i];
        else if (arg == "-f")
            filter = argv[++i];
        else if (arg == "-s")
            snaplen = std::atoi(argv[++i]);
        else
            return usage();
    }
    if (device.empty() || snaplen <= 0)
        return usage();
    const pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM); // cleared by exec of a program with file capabilities: set here
    struct sigaction sa { };
    sa.sa_handler = onSignal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pcap = pcap_create(device.c_str(), errbuf);
    if (!pcap) {
        std::fprintf(stderr, "keepalive-scope-capture: cannot open %s: %s\n", device.c_str(), errbuf);
        return 1;
    }
    pcap_set_snaplen(pcap, snaplen);
    pcap_set_promisc(pcap, 0);
    pcap_set_immediate_mode(pcap, 1);
    pcap_set_timeout(pcap, 10);
    pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO);
    const int rc = pcap_activate(pcap);
    if (rc < 0) {
        const bool perm = rc == PCAP_ERROR_PERM_DENIED || std::strstr(pcap_geterr(pcap), "ermission");
        std::fprintf(stderr, "keepalive-scope-capture: %s %s: %s\n",
            perm ? "no permission to capture on" : "cannot capture on", device.c_str(),
            rc == PCAP_ERROR ? pcap_geterr(pcap) : pcap_statustostr(rc));
        pcap_close(pcap);
        return perm ? 3 : 1;
    }
    dropCapabilities();
    if (!filter.empty()) {
        bpf_program program {};
        if (pcap_compile(pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0
            || pcap_setfilter(pcap, &program) != 0) {
            std::fprintf(
                stderr, "keepalive-scope-capture: filter \"%s\" rejected: %s\n", filter.c_str(), pcap_geterr(pcap));
            pcap_close(pcap);
            return 2;
        }
        pcap_freecode(&program);
    }
    pcap_dumper_t* out = pcap_dump_fopen(pcap, stdout);
    if (!out || pcap_dump_flush(out) != 0) {
        std::fprintf(stderr, "keepalive-scope-capture: cannot write to standard output: %s\n", pcap_geterr(pcap));
        pcap_close(pcap);
        return 1;
    }
    pcap_setnonblock(pcap, 1, errbuf);
    const int fd = pcap_get_selectable_fd(pcap);
    bool broken = false;
    auto handler = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) { pcap_dump(user, h, bytes); };
    while (!g_stop && !broken && getppid() == parent) {
        pollfd p { fd, POLLIN, 0 };
        if (poll(&p, 1, 100) < 0)
            continue;
        int n = 0;
        while ((n = pcap_dispatch(pcap, 256, handler, reinterpret_cast<u_char*>(out))) > 0) { }
        broken = n == PCAP_ERROR || pcap_dump_flush(out) != 0;
    }
    pcap_dump_close(out);
    pcap_close(pcap);
    return 0;
}
