// The keepalive settings as code to paste: grpc++ ChannelArguments / ServerBuilder, grpc-go
// keepalive.ClientParameters / ServerParameters / EnforcementPolicy, grpc-java
// NettyChannelBuilder / NettyServerBuilder, and Python channel/server options. Only settings set
// explicitly are written; knobs a stack lacks are named in a comment rather than dropped silently.
#pragma once

#include "keepalive_settings.h"

#include <optional>
#include <string>
#include <string_view>

namespace ks::core {

enum class SnippetLanguage : std::uint8_t { GrpcCpp, Go, Java, Python };
inline constexpr SnippetLanguage kSnippetLanguages[] { SnippetLanguage::GrpcCpp, SnippetLanguage::Go,
    SnippetLanguage::Java, SnippetLanguage::Python };
std::string_view snippetLanguageName(SnippetLanguage language); // "grpc++", "grpc-go", "grpc-java", "python"
std::string_view snippetFileExtension(SnippetLanguage language); // "cc", "go", "java", "py"
// The language whose file extension is `extension` ("go"), or whose name it is ("grpc-go") when
// `orName`; nullopt for anything else.
std::optional<SnippetLanguage> snippetLanguageFor(std::string_view extension, bool orName = false);

std::string settingsSnippet(const KeepaliveSettings& settings, SnippetLanguage language);

} // namespace ks::core
