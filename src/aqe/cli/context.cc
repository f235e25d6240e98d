#include "aqe/cli/command.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

namespace aqe::cli {

namespace {

// Logging starts before the config is read (flags and environment only); once it is read,
// log.level and log.file from a config file apply too. --verbose and the environment win,
// as the precedence rule says, because they are already part of the effective value.
void apply_log_config(const config::Config& c) {
  auto logger = spdlog::default_logger();
  if (!logger) return;
  const std::string level_origin = c.origin(config::kLogLevel);
  if (level_origin != "default" && logger->level() != spdlog::level::debug) {
    std::string level = c.get(config::kLogLevel);
    logger->set_level(level == "warn" ? spdlog::level::warn : spdlog::level::from_str(level));
  }
  const std::string file = c.get(config::kLogFile);
  if (!file.empty() && c.origin(config::kLogFile).rfind("env ", 0) != 0) {
    try {
      logger->sinks().push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
    } catch (const spdlog::spdlog_ex& e) {
      logger->warn("log.file: cannot open {}: {}", file, e.what());
    }
  }
}

}  // namespace

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
  config_warnings = config_->warnings();
  apply_log_config(*config_);
  return &*config_;
}

void Context::set_flag_value(const std::string& key, nlohmann::json value, const std::string& flag) {
  config_flags.push_back({key, std::move(value), flag});
  config_.reset();
}

std::string Context::env_or(const std::string& name, const std::string& fallback) const {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? fallback : it->second;
}

const ci::CiFacts& Context::ci_facts() {
  if (!ci_facts_) ci_facts_ = ci::detect_ci(env, project_dir);
  return *ci_facts_;
}

std::filesystem::path Context::state_dir() {
  std::string dir;
  if (auto cfg = config()) dir = (*cfg)->get(config::kStateDir);
  if (dir.empty()) dir = env_or("QE_STATE_DIR", ".aqe");
  return project_dir / dir;
}

exec::PythonDiscoveryInput python_discovery_input(const config::Config& c,
                                                  const std::filesystem::path& project_dir) {
  exec::PythonDiscoveryInput in;
  in.project_dir = project_dir;
  const std::string value = c.get(config::kPythonInterpreter);
  const std::string origin = c.origin(config::kPythonInterpreter);
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
