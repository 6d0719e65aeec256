// Child processes for the end-to-end tests: `rialto serve` started on port 0
// (its log captured in a file, its port read from the `listening on` line),
// and one-shot runs of `rialto script` / `rialto client` with stdin fed and
// stdout/stderr collected.
//
// Thread safety: a ServerProcess is used by one thread (its log may be read
// from any thread: log() re-reads the file).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rialto::e2e {

/// The built `rialto` binary ($<TARGET_FILE:rialto>).
[[nodiscard]] const char* rialto_binary();
/// tests/scenarios in the source tree.
[[nodiscard]] const char* scenario_dir();

/// "exited 0", "exited 2", "killed by signal 11 (Segmentation fault)".
[[nodiscard]] std::string describe_status(int wait_status);
[[nodiscard]] bool exited_zero(int wait_status);

struct ProcessResult {
  std::string out;
  std::string err;
  int status = -1;  // waitpid status
  bool timed_out = false;
};

/// Runs `argv` (argv[0] a path), writes `input` to its stdin (then closes
/// it), collects stdout and stderr; kills it after timeout_ms.
[[nodiscard]] ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                                        int timeout_ms);

/// A child process whose stdin is a pipe kept open, stdout collected
/// incrementally (for a client killed in the middle of a script).
class Child {
 public:
  [[nodiscard]] bool start(const std::vector<std::string>& argv, std::string& error);
  ~Child();
  [[nodiscard]] bool write_stdin(const std::string& text);
  /// Reads stdout until `needle` appears or timeout_ms; the whole stdout so far.
  std::string read_until(const std::string& needle, int timeout_ms);
  /// Sends `sig` and reaps the child; its wait status.
  int kill_and_wait(int sig);
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string collected_;
};

/// `rialto serve --config FILE --listen 127.0.0.1:0` with the config text
/// given; stderr (the log) and stdout go to files in a fresh temp directory.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();  // SIGKILL if still running (no checks: use finish())
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Starts it (with `extra_args` after the usual ones, e.g. --data-dir D)
  /// and waits for the port; false with `error` set otherwise (then
  /// exit_status() says how it ended if it exited).
  [[nodiscard]] bool start(const std::string& config_toml, std::string& error,
                           const std::vector<std::string>& extra_args = {});
  /// The wait status once it exited (after a failed start, signal_and_wait
  /// or finish); -1 while running.
  [[nodiscard]] int exit_status() const { return exited_ ? status_ : -1; }
  [[nodiscard]] uint16_t port() const { return port_; }
  /// The market-data port, from the `market data on 127.0.0.1:PORT` log
  /// line (waited for up to 5 s); 0 if there is none.
  [[nodiscard]] uint16_t md_port() const;
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::vector<std::string> log_lines() const;
  /// Waits until a log line contains `needle` (true) or timeout_ms passes.
  [[nodiscard]] bool wait_for_log(const std::string& needle, int timeout_ms) const;
  /// Counts log lines containing `needle`.
  [[nodiscard]] size_t count_log(const std::string& needle) const;

  /// Sends `sig` and waits up to timeout_ms for the exit (then SIGKILL);
  /// the wait status.
  int signal_and_wait(int sig, int timeout_ms);

  /// SIGTERM (unless it already exited), then checks: exit status 0, stdout
  /// empty, a `stopped:` line, and every log line matching one of the
  /// patterns every run may print or one of `allowed` (line_matches
  /// patterns, without the `rialto serve: ` prefix). Returns the problems,
  /// one per line; empty when there are none.
  [[nodiscard]] std::string finish(const std::vector<std::string>& allowed = {});

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool exited_ = false;
  uint16_t port_ = 0;
  std::string dir_;
  std::string log_path_;
  std::string out_path_;
};

/// A config with an empty venue (no symbols, no accounts: a demo venue)
/// plus the given extra TOML tables' lines, e.g. "[matching]\nshards = 2\n".
[[nodiscard]] std::string venue_config(const std::string& matching_lines, const std::string& limits_lines = "");

[[nodiscard]] std::string read_file(const std::string& path);

/// Whole-line pattern match: `*` matches any characters, `#` one or more
/// digits, every other character itself.
[[nodiscard]] bool line_matches(std::string_view pattern, std::string_view line);

}  // namespace rialto::e2e
