// Warning sentences for analyze, reports and the window; each names a count and, where one
// packet is the example, its number (counted from 1, as tshark's frame numbers are).
#include "capture_warnings.h"

#include "core/json_writer.h"

namespace ks::capture {

namespace {

std::string n(std::uint64_t v)
{
    return std::to_string(v);
}

std::string seconds(std::int64_t ns)
{
    std::string s;
    core::appendSeconds(s, ns, 6);
    return s;
}

} // namespace

std::vector<std::string> captureWarnings(const EngineCounters& c, const SourceNotes* notes)
{
    std::vector<std::string> out;
    if (c.malformedPackets)
        out.push_back(n(c.malformedPackets) + " packets had truncated or inconsistent IP/TCP headers and were skipped");
    if (c.cutPackets)
        out.push_back(n(c.cutPackets) + " TCP segments were cut short by the capture's snapshot length (first: packet "
            + n(c.firstCutPacket) + "; " + n(c.cutBytes)
            + " payload bytes missing): the HTTP/2 frames in them cannot be read, so PINGs, GOAWAYs and "
              "even HTTP/2 itself may be missed. Capture whole packets (tcpdump -s 0)");
    if (c.connectionsWithHoles)
        out.push_back(n(c.connectionsWithHoles) + " connection(s) have bytes the capture does not hold ("
            + n(c.holeBytes) + " bytes in holes of their TCP streams, first: connection " + n(c.firstHoleConnection)
            + "; packets the capture missed, as a busy host drops them, or lost before its point): frames in them "
              "(a GOAWAY, a call's end) are unknown, so those connections' ends are told as far as the capture "
              "shows. Capture with a larger buffer (tcpdump -B) or a narrower filter");
    const std::uint64_t unknownInterface = notes ? notes->unknownInterface : 0;
    if (unknownInterface)
        out.push_back(n(unknownInterface) + " packets name a pcapng interface the file never describes (first: packet "
            + n(notes->firstUnknownInterface) + ") and were skipped");
    if (c.unreadableLinkPackets > unknownInterface)
        out.push_back(n(c.unreadableLinkPackets - unknownInterface) + " packets are on an interface whose link type ("
            + linkTypeDescription(c.firstUnreadableLinkType) + ") cannot be decoded, and were skipped");
    if (c.duplicates)
        out.push_back(n(c.duplicates) + " TCP segments appear twice in the capture (first copy: packet "
            + n(c.firstDuplicate)
            + "; the same segment again at once, as `tcpdump -i any` records a packet on each port of a bridge "
              "or on two interfaces): each copy was skipped, so it counts as neither a retransmission nor a "
              "second frame (tshark counts both copies). Capture on one interface to avoid them");
    if (c.fragmentsNotReassembled)
        out.push_back(n(c.fragmentsNotReassembled) + " of " + n(c.ipv4Fragments)
            + " IPv4 fragments belong to datagrams that never came whole (a fragment lost, cut by the "
              "snaplen, or more than 30 s apart); their TCP segments are missing");
    if (c.timeBackwards)
        out.push_back("time runs backwards at packet " + n(c.firstTimeBackwards) + " (" + n(c.timeBackwards)
            + " packets in all, by up to " + seconds(c.largestStepBackNs)
            + " s): each is placed at the latest earlier time, so no gap or duration is negative"
            + (c.clockSteps ? "; " + n(c.clockSteps)
                        + " step(s) back of 1 s or more are taken for the capturing host's clock being set back, and "
                          "the packets after each keep their spacing, moved forward by the step (the time across a "
                          "step is unknown)"
                            : std::string()));
    if (notes && notes->pcapFileHeaders)
        out.push_back("another pcap file header where a packet record should start (before packet "
            + n(notes->firstPcapFileHeader) + "; " + n(notes->pcapFileHeaders)
            + " in all): pcap files joined with cat; each is read on as a new file. A pcap file has no room for a "
              "second "
              "header, so its times are not merged with the first file's (where they run back, see the time "
              "warning): join captures with `mergecap -w joined.pcapng a.pcap b.pcap` instead");
    // dumpcap writes interfaces' buffers as they fill (tens of ms late): said only where file
    // order would have looked like a clock step.
    if (notes && (notes->mergedSections > 1 || notes->mergedMaxLateNs >= 1'000'000'000))
        out.push_back("the pcapng file holds " + n(notes->mergedStreams) + " packet streams (interfaces"
            + (notes->mergedSections > 1 ? " in " + n(notes->mergedSections) + " sections: captures joined with cat"
                                         : std::string())
            + "), and packets are written up to " + seconds(notes->mergedMaxLateNs)
            + " s after later ones: each stream was read in its own order and the streams merged by timestamp, "
              "as mergecap does (a late interface or a joined capture is not taken for a clock step)");
    if (notes && notes->untimed)
        out.push_back(n(notes->untimed) + " packets are Simple Packet Blocks, which carry no timestamp (first: packet "
            + n(notes->firstUntimed)
            + "): each is given the time of the packet before it on its interface, so times, gaps and round trips "
              "that rest on them are approximate");
    if (notes && notes->fractionTooLarge)
        out.push_back("packet " + n(notes->firstFractionTooLarge)
            + " has a sub-second timestamp field of one second or more (" + n(notes->fractionTooLarge)
            + " packets in all); the excess is carried into the seconds, so its time may be wrong");
    if (notes && notes->timeOutOfRange)
        out.push_back("packet " + n(notes->firstTimeOutOfRange)
            + " has a timestamp outside 1677..2262, which cannot be represented (" + n(notes->timeOutOfRange)
            + " packets in all); each takes the previous packet's time");
    return out;
}

} // namespace ks::capture
