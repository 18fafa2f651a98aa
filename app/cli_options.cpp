// The option table's parser and help printer (see cli_options.h).
#include "cli_options.h"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace ks::app {

namespace {

const CliOption* findOption(const CliCommand& command, std::string_view name)
{
    const auto it = std::find_if(
        command.options.begin(), command.options.end(), [&](const CliOption& o) { return o.name == name; });
    return it == command.options.end() ? nullptr : &*it;
}

std::string str(std::string_view s)
{
    return std::string(s);
}

} // namespace

std::string CliArgs::value(std::string_view name, std::string fallback) const
{
    const auto it = values.find(name);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> CliArgs::all(std::string_view name) const
{
    const auto it = values.find(name);
    return it == values.end() ? std::vector<std::string> {} : it->second;
}

bool parseCli(const CliCommand& command, const std::vector<std::string>& args, CliArgs& out, std::string& error)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            if (out.operands.size() >= command.maxOperands) {
                error = command.maxOperands == 0 ? "unexpected argument " + arg
                    : command.maxOperands == 1   ? "one " + str(command.operandWhat) + " at a time (got "
                        + out.operands.front() + " and " + arg + ")"
                                               : "too many arguments (" + arg + ")";
                return false;
            }
            out.operands.push_back(arg);
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inlineValue;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            name = arg.substr(0, eq);
            inlineValue = arg.substr(eq + 1);
        }
        const CliOption* option = findOption(command, name);
        if (!option) {
            error = "unknown option " + arg;
            return false;
        }
        std::string value;
        if (option->value.empty()) {
            if (inlineValue) {
                error = name + " takes no value (got " + arg + ")";
                return false;
            }
        } else {
            if (inlineValue) {
                value = *inlineValue;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                error = name + " needs a value (" + str(option->value) + ")";
                return false;
            }
            if (value.empty()) {
                error = name + " needs a non-empty value (" + str(option->value) + ")";
                return false;
            }
            if (!option->repeatable && out.has(name)) {
                error = name + " given twice (" + out.value(name) + " and " + value + "): give it once";
                return false;
            }
        }
        out.values[name].push_back(std::move(value));
    }
    return true;
}

std::string cliUsage(const CliCommand& command)
{
    std::string text = str(command.synopsis) + str(command.operands);
    std::vector<std::string> heads;
    std::size_t width = 0;
    for (const auto& o : command.options) {
        // Appended piece by piece: GCC 12 warns -Wrestrict on " " + std::string (GCC bug 105651).
        std::string head(o.name);
        if (!o.value.empty()) {
            head += ' ';
            head += o.value;
        }
        heads.push_back(std::move(head));
        width = std::max(width, heads.back().size());
    }
    width = std::min<std::size_t>(width, 24);
    for (std::size_t i = 0; i < command.options.size(); ++i) {
        const auto& head = heads[i];
        std::string_view help = command.options[i].help;
        std::string line = "  " + head;
        // A head wider than the column gets its help on the next line.
        if (head.size() > width) {
            text += line + "\n";
            line.clear();
        }
        bool first = true;
        while (first || !help.empty()) {
            const auto nl = help.find('\n');
            const auto piece = help.substr(0, nl);
            if (line.empty())
                line = std::string(width + 2, ' ');
            line.resize(std::max(line.size(), width + 2), ' ');
            text += line + "  " + str(piece)
                + (command.options[i].repeatable && nl == std::string_view::npos ? "; repeatable" : "") + "\n";
            line.clear();
            help = nl == std::string_view::npos ? std::string_view {} : help.substr(nl + 1);
            first = false;
        }
    }
    return text + str(command.epilogue);
}

int parseCliOrExit(const CliCommand& command, const std::vector<std::string>& args, CliArgs& out)
{
    std::string error;
    if (!parseCli(command, args, out, error)) {
        std::fprintf(stderr, "%s: %s\n%s\n", str(command.program).c_str(), error.c_str(),
            std::string(command.synopsis.substr(0, command.synopsis.find('\n'))).c_str());
        std::fprintf(stderr, "(%s --help lists the options)\n", str(command.program).c_str());
        return 2;
    }
    if (out.help) {
        std::fputs(cliUsage(command).c_str(), stdout);
        return 0;
    }
    return -1;
}

} // namespace ks::app
