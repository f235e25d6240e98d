// Prints docs/configuration.md from the config key table (a unit test checks it is current).
#include <iostream>

#include "aqe/config/config.h"

int main() {
  std::cout << aqe::config::render_reference_markdown();
  return 0;
}
