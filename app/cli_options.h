// The option table every command reads its arguments through: each command lists its options
// once (name, value, help), and parsing, --help and the error messages all come from that list,
// so they cannot disagree. No Qt: both programs (keepalive-scope, keepalive-scope-gui) use it.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ks::app {

struct CliOption {
    std::string_view name; // "--json"
    std::string_view value; // empty: a flag; else the value's name in help ("FILE", "NAME[,NAME..]")
    std::string_view help; // what it does; '\n' starts a further help line
    bool repeatable = false; // a valued option given twice is refused unless repeatable
};

struct CliCommand {
    std::string_view program; // "keepalive-scope analyze": prefixes every message
    std::string_view synopsis; // the usage lines, ending in '\n'
    std::string_view operands; // help lines for the operands (FILE, NAME), ending in '\n'; may be empty
    std::vector<CliOption> options;
    std::string_view epilogue; // exit status and the like, ending in '\n'; may be empty
    std::size_t maxOperands = 1;
    std::string_view operandWhat = "argument"; // "one capture at a time"
};

struct CliArgs {
    std::map<std::string, std::vector<std::string>, std::less<>> values; // a flag has one empty value
    std::vector<std::string> operands;
    bool help = false;

    bool has(std::string_view name) const { return values.find(name) != values.end(); }
    // The option's value, or fallback when it was not given.
    std::string value(std::string_view name, std::string fallback = {}) const;
    // Every value of a repeatable option, in order.
    std::vector<std::string> all(std::string_view name) const;
};

// Parses args against the command's table: "--name value" and "--name=value" for valued options,
// "-h"/"--help" for help, "-" and anything not starting with '-' as an operand. On a problem
// returns false with error set to one line naming it (no usage text; see cliUsage).
bool parseCli(const CliCommand& command, const std::vector<std::string>& args, CliArgs& out, std::string& error);

// The command's help: synopsis, operands, one aligned block per option, epilogue.
std::string cliUsage(const CliCommand& command);

// Parse, and on help print the usage to stdout, on error the message and usage to stderr.
// Returns -1 to go on, else the exit status to return (0 after help, 2 after an error).
int parseCliOrExit(const CliCommand& command, const std::vector<std::string>& args, CliArgs& out);

} // namespace ks::app
