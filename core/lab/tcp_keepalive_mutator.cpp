// gRPC C-core 1.51 installs only the opaque name grpc_socket_mutator (grpc/impl/codegen/
// grpc_types.h) and the GRPC_ARG_SOCKET_MUTATOR argument; the vtable lives in the uninstalled
// src/core/lib/iomgr/socket_mutator.h. libgrpc exports grpc_socket_mutator_init with C++
// linkage, so this file declares the same layout (stable since mutate_fd_2 arrived in 1.23) and
// lets gRPC call us for each socket it creates: that is the channel's real socket, including
// every reconnect, which a socket made by hand and passed in with CreateChannelFromFd is not.
#include "tcp_keepalive_mutator.h"

#include <grpc/impl/codegen/grpc_types.h>
#include <grpc/support/sync.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef enum {
    GRPC_FD_CLIENT_CONNECTION_USAGE,
    GRPC_FD_SERVER_LISTENER_USAGE,
    GRPC_FD_SERVER_CONNECTION_USAGE,
} grpc_fd_usage;

typedef struct {
    int fd;
    grpc_fd_usage usage;
} grpc_mutate_socket_info;

struct grpc_socket_mutator_vtable {
    bool (*mutate_fd)(int fd, grpc_socket_mutator* mutator);
    int (*compare)(grpc_socket_mutator* a, grpc_socket_mutator* b);
    void (*destroy)(grpc_socket_mutator* mutator);
    bool (*mutate_fd_2)(const grpc_mutate_socket_info* info, grpc_socket_mutator* mutator);
};

struct grpc_socket_mutator {
    const grpc_socket_mutator_vtable* vtable;
    gpr_refcount refcount;
};

void grpc_socket_mutator_init(grpc_socket_mutator* mutator, const grpc_socket_mutator_vtable* vtable);

namespace ks::core::lab {

namespace {

struct KeepaliveMutator {
    grpc_socket_mutator base; // first: gRPC hands back a pointer to it
    TcpKeepaliveOptions options;
};

KeepaliveMutator* self(grpc_socket_mutator* m)
{
    return reinterpret_cast<KeepaliveMutator*>(m);
}

bool mutateFd2(const grpc_mutate_socket_info* info, grpc_socket_mutator* m)
{
    if (info->usage != GRPC_FD_CLIENT_CONNECTION_USAGE)
        return true;
    return applyTcpKeepalive(info->fd, self(m)->options);
}

bool mutateFd(int fd, grpc_socket_mutator* m)
{
    return applyTcpKeepalive(fd, self(m)->options);
}

int compare(grpc_socket_mutator* a, grpc_socket_mutator* b)
{
    return self(a)->options == self(b)->options ? 0 : (a < b ? -1 : 1);
}

void destroy(grpc_socket_mutator* m)
{
    delete self(m);
}

constexpr grpc_socket_mutator_vtable kVtable { mutateFd, compare, destroy, mutateFd2 };

} // namespace

bool applyTcpKeepalive(int fd, const TcpKeepaliveOptions& o)
{
    const int on = o.enabled ? 1 : 0;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0)
        return false;
    if (!o.enabled)
        return true;
    auto set = [fd](int option, const std::optional<int>& value) {
        return !value || setsockopt(fd, IPPROTO_TCP, option, &*value, sizeof *value) == 0;
    };
    return set(TCP_KEEPIDLE, o.idleS) && set(TCP_KEEPINTVL, o.intervalS) && set(TCP_KEEPCNT, o.count);
}

grpc_socket_mutator* createTcpKeepaliveMutator(const TcpKeepaliveOptions& options)
{
    auto* m = new KeepaliveMutator {};
    m->options = options;
    grpc_socket_mutator_init(&m->base, &kVtable);
    return &m->base;
}

} // namespace ks::core::lab
