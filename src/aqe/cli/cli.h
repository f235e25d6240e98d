// The command-line front end: parses argv (CLI11), builds the context, calls a feature,
// renders its result. The only module that prints.
#pragma once

namespace aqe::cli {

int run_cli(int argc, char** argv);

}  // namespace aqe::cli
