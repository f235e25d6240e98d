#include "aqe/cli/cli.h"

int main(int argc, char** argv) { return aqe::cli::run_cli(argc, argv); }
