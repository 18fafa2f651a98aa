// The client socket's TCP keepalive (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT),
// applied by gRPC itself to every socket the channel connects, through its socket mutator hook.
#pragma once

#include <cstdint>
#include <optional>

typedef struct grpc_socket_mutator grpc_socket_mutator;

namespace ks::core::lab {

struct TcpKeepaliveOptions {
    bool enabled = false;
    std::optional<int> idleS;
    std::optional<int> intervalS;
    std::optional<int> count;
    bool operator==(const TcpKeepaliveOptions&) const = default;
};

// A new mutator with one reference, to hand to grpc::ChannelArguments::SetSocketMutator (which
// takes that reference). Only client connection sockets are changed.
grpc_socket_mutator* createTcpKeepaliveMutator(const TcpKeepaliveOptions& options);

// Applies the options to one socket; returns false (errno set) when the kernel refuses one.
bool applyTcpKeepalive(int fd, const TcpKeepaliveOptions& options);

} // namespace ks::core::lab
