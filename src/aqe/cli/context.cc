#include "aqe/cli/command.h"

namespace aqe::cli {

Result<const config::Config*> Context::config() {
  if (config_) return &*config_;
  config::LoadOptions opts;
  opts.project_dir = project_dir;
  if (!global.config_file.empty()) opts.config_file = global.config_file;
  opts.env = env;
  opts.flags = config_flags;
  auto loaded = config::load_config(opts);
  if (!loaded) return loaded.error();
  config_ = std::move(loaded.value());
  return &*config_;
}

void Context::set_flag(const std::string& key, nlohmann::json value, const std::string& flag) {
  config_flags.push_back({key, std::move(value), flag});
  config_.reset();
}

std::string Context::env_or(const std::string& name, const std::string& fallback) const {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? fallback : it->second;
}

exec::PythonDiscoveryInput python_discovery_input(const config::Config& c,
                                                  const std::filesystem::path& project_dir) {
  exec::PythonDiscoveryInput in;
  in.project_dir = project_dir;
  const std::string value = c.get_string("python.interpreter");
  const std::string origin = c.origin("python.interpreter");
  if (origin.rfind("flag ", 0) == 0) {
    in.flag = value;
  } else if (origin == "env QE_PYTHON") {
    in.env = value;
  } else {
    in.config = value;
    in.config_origin = origin;
  }
  return in;
}

}  // namespace aqe::cli
