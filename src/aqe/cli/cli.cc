#include "aqe/cli/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

namespace aqe::cli {

int run_cli(int argc, char** argv) {
  CLI::App app{"aqe"};
  app.set_version_flag("--version", AQE_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace aqe::cli
