// Each stack's names for the same knobs: grpc-go keepalive package, grpc-java NettyChannelBuilder
// and NettyServerBuilder, and the C-core channel arguments that grpc++ and Python share.
#include "settings_snippets.h"

#include <cstdio>
#include <vector>

namespace ks::core {

namespace {

using S = SettingSide;

std::optional<std::int64_t> get(const KeepaliveSettings& s, S side, std::string_view key)
{
    return s.explicitValue(side, key);
}

// 30000 ms -> "30 * time.Second"; kInfinite -> "" (the Go default is infinity as well).
std::string goDuration(std::int64_t ms)
{
    if (ms % 3600000 == 0)
        return std::to_string(ms / 3600000) + " * time.Hour";
    if (ms % 60000 == 0)
        return std::to_string(ms / 60000) + " * time.Minute";
    if (ms % 1000 == 0)
        return std::to_string(ms / 1000) + " * time.Second";
    return std::to_string(ms) + " * time.Millisecond";
}

std::string javaDuration(std::int64_t ms)
{
    if (ms % 1000 == 0)
        return std::to_string(ms / 1000) + ", TimeUnit.SECONDS)";
    return std::to_string(ms) + ", TimeUnit.MILLISECONDS)";
}

std::vector<const SettingSpec*> setSpecs(const KeepaliveSettings& s, S side)
{
    std::vector<const SettingSpec*> out;
    for (const auto& spec : settingSpecs())
        if (spec.side == side && s.isSet(side, spec.key))
            out.push_back(&spec);
    return out;
}

std::string tcpComment(const KeepaliveSettings& s, std::string_view prefix, std::string_view how)
{
    const auto specs = setSpecs(s, S::Tcp);
    if (specs.empty())
        return {};
    std::string out(prefix);
    out.append(" TCP keep-alive (").append(how).append("):");
    for (const auto* spec : specs)
        out.append(" ")
            .append(spec->channelArg)
            .append("=")
            .append(std::to_string(*s.explicitValue(S::Tcp, spec->key)));
    out.append("\n");
    return out;
}

std::string cpp(const KeepaliveSettings& s)
{
    std::string out = "// Client\ngrpc::ChannelArguments args;\n";
    for (const auto* spec : setSpecs(s, S::Client))
        out += "args.SetInt(\"" + std::string(spec->channelArg) + "\", " + std::to_string(*get(s, S::Client, spec->key))
            + ");\n";
    out += "auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);\n";
    out += tcpComment(s, "//", "set on the client socket through a grpc_socket_mutator");
    out += "\n// Server\ngrpc::ServerBuilder builder;\n";
    for (const auto* spec : setSpecs(s, S::Server))
        out += "builder.AddChannelArgument(\"" + std::string(spec->channelArg) + "\", "
            + std::to_string(*get(s, S::Server, spec->key)) + ");\n";
    return out;
}

std::string python(const KeepaliveSettings& s)
{
    std::string out = "# Client\nchannel_options = [\n";
    for (const auto* spec : setSpecs(s, S::Client))
        out += "    (\"" + std::string(spec->channelArg) + "\", " + std::to_string(*get(s, S::Client, spec->key))
            + "),\n";
    out += "]\nchannel = grpc.insecure_channel(target, options=channel_options)\n";
    out += tcpComment(s, "#", "not exposed by grpcio; set it on the host (sysctl net.ipv4.tcp_keepalive_*)");
    out += "\n# Server\nserver_options = [\n";
    for (const auto* spec : setSpecs(s, S::Server))
        out += "    (\"" + std::string(spec->channelArg) + "\", " + std::to_string(*get(s, S::Server, spec->key))
            + "),\n";
    out += "]\nserver = grpc.server(futures.ThreadPoolExecutor(max_workers=10), options=server_options)\n";
    return out;
}

std::string go(const KeepaliveSettings& s)
{
    std::string out
        = "// Client\nconn, err := grpc.Dial(target,\n\tgrpc.WithKeepaliveParams(keepalive.ClientParameters{\n";
    std::string missing;
    const auto ms = [&](S side, std::string_view key, std::string_view field, std::string& dst) {
        if (const auto v = get(s, side, key); v && *v != kInfinite)
            dst += "\t\t" + std::string(field) + ": " + goDuration(*v) + ",\n";
    };
    ms(S::Client, "keepalive_time_ms", "Time", out);
    ms(S::Client, "keepalive_timeout_ms", "Timeout", out);
    if (const auto v = get(s, S::Client, "keepalive_permit_without_calls"))
        out += std::string("\t\tPermitWithoutStream: ") + (*v ? "true" : "false") + ",\n";
    out += "\t}),\n";
    if (const auto v = get(s, S::Client, "client_idle_timeout_ms"); v && *v != kInfinite)
        out += "\tgrpc.WithIdleTimeout(" + goDuration(*v) + "), // grpc-go 1.56 or later\n";
    out += ")\n";
    if (s.isSet(S::Client, "max_pings_without_data"))
        out += "// max_pings_without_data has no grpc-go equivalent (grpc-go keeps pinging).\n";
    out += tcpComment(s, "//",
        "grpc.WithContextDialer with a net.Dialer{KeepAlive: ...}; Go sets TCP_KEEPIDLE and TCP_KEEPINTVL to the same "
        "value");
    out += "\n// Server\nsrv := grpc.NewServer(\n\tgrpc.KeepaliveParams(keepalive.ServerParameters{\n";
    ms(S::Server, "max_connection_idle_ms", "MaxConnectionIdle", out);
    ms(S::Server, "max_connection_age_ms", "MaxConnectionAge", out);
    ms(S::Server, "max_connection_age_grace_ms", "MaxConnectionAgeGrace", out);
    ms(S::Server, "keepalive_time_ms", "Time", out);
    ms(S::Server, "keepalive_timeout_ms", "Timeout", out);
    out += "\t}),\n\tgrpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{\n";
    ms(S::Server, "min_ping_interval_without_data_ms", "MinTime", out);
    if (const auto v = get(s, S::Server, "keepalive_permit_without_calls"))
        out += std::string("\t\tPermitWithoutStream: ") + (*v ? "true" : "false") + ",\n";
    out += "\t}),\n)\n";
    if (s.isSet(S::Server, "max_ping_strikes"))
        out += "// max_ping_strikes has no grpc-go equivalent (grpc-go allows 2 strikes).\n";
    return out;
}

std::string java(const KeepaliveSettings& s)
{
    std::string out = "// Client\nManagedChannel channel = NettyChannelBuilder.forTarget(target)\n";
    const auto ms = [&](S side, std::string_view key, std::string_view method) {
        if (const auto v = get(s, side, key); v && *v != kInfinite)
            out += "    ." + std::string(method) + "(" + javaDuration(*v) + "\n";
    };
    const auto flag = [&](S side, std::string_view key, std::string_view method) {
        if (const auto v = get(s, side, key))
            out += "    ." + std::string(method) + "(" + (*v ? "true" : "false") + ")\n";
    };
    ms(S::Client, "keepalive_time_ms", "keepAliveTime");
    ms(S::Client, "keepalive_timeout_ms", "keepAliveTimeout");
    flag(S::Client, "keepalive_permit_without_calls", "keepAliveWithoutCalls");
    ms(S::Client, "client_idle_timeout_ms", "idleTimeout");
    if (s.isSet(S::Tcp, "so_keepalive"))
        out += std::string("    .withOption(ChannelOption.SO_KEEPALIVE, ")
            + (s.value(S::Tcp, "so_keepalive") ? "true" : "false") + ")\n";
    if (const auto v = get(s, S::Tcp, "tcp_keepidle_s"))
        out += "    .withOption(EpollChannelOption.TCP_KEEPIDLE, " + std::to_string(*v) + ")\n";
    if (const auto v = get(s, S::Tcp, "tcp_keepintvl_s"))
        out += "    .withOption(EpollChannelOption.TCP_KEEPINTVL, " + std::to_string(*v) + ")\n";
    if (const auto v = get(s, S::Tcp, "tcp_keepcnt"))
        out += "    .withOption(EpollChannelOption.TCP_KEEPCNT, " + std::to_string(*v) + ")\n";
    out += "    .usePlaintext()\n    .build();\n";
    if (s.isSet(S::Client, "max_pings_without_data"))
        out += "// max_pings_without_data has no grpc-java equivalent.\n";
    out += "\n// Server\nServer server = NettyServerBuilder.forPort(port)\n";
    ms(S::Server, "keepalive_time_ms", "keepAliveTime");
    ms(S::Server, "keepalive_timeout_ms", "keepAliveTimeout");
    ms(S::Server, "min_ping_interval_without_data_ms", "permitKeepAliveTime");
    flag(S::Server, "keepalive_permit_without_calls", "permitKeepAliveWithoutCalls");
    ms(S::Server, "max_connection_idle_ms", "maxConnectionIdle");
    ms(S::Server, "max_connection_age_ms", "maxConnectionAge");
    ms(S::Server, "max_connection_age_grace_ms", "maxConnectionAgeGrace");
    out += "    .addService(service)\n    .build();\n";
    if (s.isSet(S::Server, "max_ping_strikes"))
        out += "// max_ping_strikes has no grpc-java equivalent (grpc-java allows 2 strikes).\n";
    return out;
}

} // namespace

std::string_view snippetLanguageName(SnippetLanguage language)
{
    switch (language) {
    case SnippetLanguage::GrpcCpp:
        return "grpc++";
    case SnippetLanguage::Go:
        return "grpc-go";
    case SnippetLanguage::Java:
        return "grpc-java";
    case SnippetLanguage::Python:
        return "python";
    }
    return "";
}

std::string_view snippetFileExtension(SnippetLanguage language)
{
    switch (language) {
    case SnippetLanguage::GrpcCpp:
        return "cc";
    case SnippetLanguage::Go:
        return "go";
    case SnippetLanguage::Java:
        return "java";
    case SnippetLanguage::Python:
        return "py";
    }
    return "txt";
}

std::optional<SnippetLanguage> snippetLanguageFor(std::string_view extension, bool orName)
{
    for (const auto language : kSnippetLanguages)
        if (extension == snippetFileExtension(language) || (orName && extension == snippetLanguageName(language)))
            return language;
    return std::nullopt;
}

std::string settingsSnippet(const KeepaliveSettings& settings, SnippetLanguage language)
{
    switch (language) {
    case SnippetLanguage::GrpcCpp:
        return cpp(settings);
    case SnippetLanguage::Go:
        return go(settings);
    case SnippetLanguage::Java:
        return java(settings);
    case SnippetLanguage::Python:
        return python(settings);
    }
    return {};
}

} // namespace ks::core
