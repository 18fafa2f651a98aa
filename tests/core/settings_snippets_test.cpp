// Code snippets: each stack's spelling of the same knobs, only explicit settings, gaps named.
#include "core/settings_snippets.h"

#include <gtest/gtest.h>

using namespace ks::core;

namespace {

KeepaliveSettings sample()
{
    KeepaliveSettings s;
    EXPECT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 30000), "");
    EXPECT_EQ(s.set(SettingSide::Client, "keepalive_permit_without_calls", 1), "");
    EXPECT_EQ(s.set(SettingSide::Server, "min_ping_interval_without_data_ms", 10000), "");
    EXPECT_EQ(s.set(SettingSide::Server, "max_ping_strikes", 3), "");
    EXPECT_EQ(s.set(SettingSide::Tcp, "tcp_keepidle_s", 60), "");
    return s;
}

} // namespace

TEST(SettingsSnippets, grpcCppUsesChannelArgumentsForSetValuesOnly)
{
    const auto text = settingsSnippet(sample(), SnippetLanguage::GrpcCpp);
    EXPECT_NE(text.find("args.SetInt(\"grpc.keepalive_time_ms\", 30000);"), std::string::npos) << text;
    EXPECT_NE(text.find("builder.AddChannelArgument(\"grpc.http2.max_ping_strikes\", 3);"), std::string::npos) << text;
    EXPECT_EQ(text.find("keepalive_timeout_ms"), std::string::npos) << text;
    EXPECT_NE(text.find("TCP_KEEPIDLE=60"), std::string::npos) << text;
}

TEST(SettingsSnippets, goWritesClientParametersAndEnforcementPolicyWithDurations)
{
    const auto text = settingsSnippet(sample(), SnippetLanguage::Go);
    EXPECT_NE(text.find("keepalive.ClientParameters{"), std::string::npos) << text;
    EXPECT_NE(text.find("Time: 30 * time.Second,"), std::string::npos) << text;
    EXPECT_NE(text.find("PermitWithoutStream: true,"), std::string::npos) << text;
    EXPECT_NE(text.find("keepalive.EnforcementPolicy{\n\t\tMinTime: 10 * time.Second,"), std::string::npos) << text;
    EXPECT_NE(text.find("max_ping_strikes has no grpc-go equivalent"), std::string::npos) << text;
}

TEST(SettingsSnippets, javaUsesNettyBuildersAndPermitKeepAliveTime)
{
    const auto text = settingsSnippet(sample(), SnippetLanguage::Java);
    EXPECT_NE(
        text.find("NettyChannelBuilder.forTarget(target)\n    .keepAliveTime(30, TimeUnit.SECONDS)"), std::string::npos)
        << text;
    EXPECT_NE(text.find(".keepAliveWithoutCalls(true)"), std::string::npos) << text;
    EXPECT_NE(text.find(".permitKeepAliveTime(10, TimeUnit.SECONDS)"), std::string::npos) << text;
    EXPECT_NE(text.find("EpollChannelOption.TCP_KEEPIDLE, 60"), std::string::npos) << text;
}

TEST(SettingsSnippets, pythonListsOptionsTuples)
{
    const auto text = settingsSnippet(sample(), SnippetLanguage::Python);
    EXPECT_NE(text.find("(\"grpc.keepalive_time_ms\", 30000),"), std::string::npos) << text;
    EXPECT_NE(text.find("(\"grpc.http2.min_ping_interval_without_data_ms\", 10000),"), std::string::npos) << text;
}

TEST(SettingsSnippets, defaultsProduceNoSettingLines)
{
    const auto text = settingsSnippet(KeepaliveSettings {}, SnippetLanguage::GrpcCpp);
    EXPECT_EQ(text.find("SetInt"), std::string::npos) << text;
    EXPECT_EQ(text.find("AddChannelArgument"), std::string::npos) << text;
}

TEST(SettingsSnippets, languageIsFoundByExtensionAndByNameOnlyWhenAsked)
{
    // The window saves by file extension; `lint --code` takes the extension or the name.
    EXPECT_EQ(snippetLanguageFor("go"), SnippetLanguage::Go);
    EXPECT_EQ(snippetLanguageFor("py"), SnippetLanguage::Python);
    EXPECT_EQ(snippetLanguageFor("grpc-java"), std::nullopt);
    EXPECT_EQ(snippetLanguageFor("grpc-java", /*orName=*/true), SnippetLanguage::Java);
    EXPECT_EQ(snippetLanguageFor("grpc++", /*orName=*/true), SnippetLanguage::GrpcCpp);
    EXPECT_EQ(snippetLanguageFor("rust", /*orName=*/true), std::nullopt);
    EXPECT_EQ(snippetLanguageFor("", /*orName=*/true), std::nullopt);
}
