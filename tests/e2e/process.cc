#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace rialto::e2e {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return d < 0 ? 0 : static_cast<int>(d);
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

/// Writing to a child that died must be an error, not SIGPIPE.
void ignore_sigpipe() {
  static const bool done = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

/// Spawns argv with stdin/stdout/stderr taken from the given fds (dup2'ed).
pid_t spawn(const std::vector<std::string>& argv, int in, int out, int err, std::string& error) {
  ignore_sigpipe();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_adddup2(&fa, err, 2);
  pid_t pid = -1;
  auto args = c_argv(argv);
  const int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    error = "cannot spawn " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

/// waitpid with a deadline; -1 if it did not exit in time.
int wait_for(pid_t pid, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

const char* rialto_binary() { return RIALTO_BINARY; }
const char* scenario_dir() { return RIALTO_SCENARIO_DIR; }

std::string describe_status(int st) {
  if (st == -1) return "did not exit";
  if (WIFEXITED(st)) return "exited " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    return "killed by signal " + std::to_string(WTERMSIG(st)) + " (" + strsignal(WTERMSIG(st)) + ")";
  }
  return "wait status " + std::to_string(st);
}

bool exited_zero(int st) { return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input, int timeout_ms) {
  ProcessResult r;
  int pin[2], pout[2], perr[2];
  if (::pipe2(pin, O_CLOEXEC) != 0 || ::pipe2(pout, O_CLOEXEC) != 0 || ::pipe2(perr, O_CLOEXEC) != 0) {
    r.err = std::string("pipe failed: ") + std::strerror(errno);
    return r;
  }
  std::string error;
  const pid_t pid = spawn(argv, pin[0], pout[1], perr[1], error);
  ::close(pin[0]);
  ::close(pout[1]);
  ::close(perr[1]);
  if (pid < 0) {
    ::close(pin[1]);
    ::close(pout[0]);
    ::close(perr[0]);
    r.err = error;
    return r;
  }
  int in = pin[1];
  ::fcntl(in, F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (input.empty()) {
    ::close(in);
    in = -1;
  }
  int out = pout[0], err = perr[0];
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  while (out >= 0 || err >= 0) {
    std::vector<pollfd> fds;
    if (in >= 0) fds.push_back({in, POLLOUT, 0});
    if (out >= 0) fds.push_back({out, POLLIN, 0});
    if (err >= 0) fds.push_back({err, POLLIN, 0});
    const int left = ms_left(deadline);
    if (left == 0) {
      r.timed_out = true;
      break;
    }
    if (::poll(fds.data(), fds.size(), left) < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in) {
        ssize_t n = ::write(in, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // the child closed stdin
        if (written == input.size()) {
          ::close(in);
          in = -1;
        }
      } else {
        ssize_t n = ::read(p.fd, buf, sizeof buf);
        if (n > 0) {
          (p.fd == out ? r.out : r.err).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          ::close(p.fd);
          (p.fd == out ? out : err) = -1;
        }
      }
    }
  }
  for (int fd : {in, out, err}) {
    if (fd >= 0) ::close(fd);
  }
  if (r.timed_out) ::kill(pid, SIGKILL);
  r.status = wait_for(pid, r.timed_out ? 5000 : std::max(ms_left(deadline), 1000));
  if (r.status == -1) {
    ::kill(pid, SIGKILL);
    r.status = wait_for(pid, 5000);
    r.timed_out = true;
  }
  return r;
}

// ---- Child -----------------------------------------------------------------

bool Child::start(const std::vector<std::string>& argv, std::string& error) {
  int pin[2], pout[2];
  if (::pipe2(pin, O_CLOEXEC) != 0 || ::pipe2(pout, O_CLOEXEC) != 0) {
    error = std::string("pipe failed: ") + std::strerror(errno);
    return false;
  }
  pid_ = spawn(argv, pin[0], pout[1], 2, error);
  ::close(pin[0]);
  ::close(pout[1]);
  in_ = pin[1];
  out_ = pout[0];
  return pid_ > 0;
}

Child::~Child() {
  if (pid_ > 0) kill_and_wait(SIGKILL);
  if (in_ >= 0) ::close(in_);
  if (out_ >= 0) ::close(out_);
}

bool Child::write_stdin(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    ssize_t n = ::write(in_, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

std::string Child::read_until(const std::string& needle, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (collected_.find(needle) == std::string::npos && out_ >= 0) {
    pollfd p{out_, POLLIN, 0};
    const int left = ms_left(deadline);
    if (left == 0) break;
    if (::poll(&p, 1, left) <= 0) continue;
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n > 0) {
      collected_.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(out_);
      out_ = -1;
    }
  }
  return collected_;
}

int Child::kill_and_wait(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int st = wait_for(pid_, 10000);
  if (st == -1) {
    ::kill(pid_, SIGKILL);
    st = wait_for(pid_, 5000);
  }
  pid_ = -1;
  return st;
}

// ---- ServerProcess ---------------------------------------------------------

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    (void)wait_for(pid_, 5000);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool ServerProcess::start(const std::string& config_toml, std::string& error,
                          const std::vector<std::string>& extra_args) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rialto-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error = std::string("mkdtemp failed: ") + std::strerror(errno);
    return false;
  }
  dir_ = tmpl;
  const std::string config_path = dir_ + "/venue.toml";
  log_path_ = dir_ + "/serve.log";
  out_path_ = dir_ + "/serve.out";
  {
    std::ofstream c(config_path, std::ios::binary);
    c << config_toml;
    if (!c) {
      error = "cannot write " + config_path;
      return false;
    }
  }
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::string> argv = {rialto_binary(), "serve",  "--config",    config_path,
                                   "--listen",      "127.0.0.1:0", "--md-listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(argv, in, out, err, error);
  ::close(in);
  ::close(out);
  ::close(err);
  if (pid_ < 0) return false;
  const std::string listening = "rialto serve: listening on 127.0.0.1:";
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    const std::string text = log();
    if (const size_t at = text.find(listening); at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(text.substr(at + listening.size())));
      return true;
    }
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
      error = "rialto serve " + describe_status(st) + " before listening; its log:\n" + text;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  error = "rialto serve did not log its port within 20 s; its log:\n" + log();
  return false;
}

std::string ServerProcess::log() const { return read_file(log_path_); }

std::vector<std::string> ServerProcess::log_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(log());
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

bool ServerProcess::wait_for_log(const std::string& needle, int timeout_ms) const {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    if (log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (Clock::now() < deadline);
  return false;
}

uint16_t ServerProcess::md_port() const {
  const std::string needle = "market data on 127.0.0.1:";
  if (!wait_for_log(needle, 5000)) return 0;
  const std::string text = log();
  return static_cast<uint16_t>(std::stoi(text.substr(text.find(needle) + needle.size())));
}

size_t ServerProcess::count_log(const std::string& needle) const {
  size_t n = 0;
  for (const auto& l : log_lines()) n += l.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

int ServerProcess::signal_and_wait(int sig, int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (exited_) return status_;
  ::kill(pid_, sig);
  status_ = wait_for(pid_, timeout_ms);
  if (status_ == -1) {
    ::kill(pid_, SIGKILL);
    (void)wait_for(pid_, 5000);
  }
  exited_ = true;
  return status_;
}

std::string ServerProcess::finish(const std::vector<std::string>& allowed) {
  std::string problems;
  if (pid_ <= 0) return "the server was never started\n";
  if (!exited_) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
      problems += "the server exited by itself during the test (" + describe_status(st) + ")\n";
    }
  }
  const int st = signal_and_wait(SIGTERM, 15000);
  if (st == -1) problems += "the server did not exit within 15 s of SIGTERM (killed)\n";
  else if (!exited_zero(st)) problems += "the server " + describe_status(st) + "\n";
  static const std::vector<std::string> always = {
      "WARNING: demo venue: *",
      "no data directory: running in memory (nothing is journaled; a restart starts empty)",
      "listening on 127.0.0.1:#",
      "market data on 127.0.0.1:# (session #)",
      "md: ended session #: # messages, # logins, # disconnected (# slow)",
      "md: symbol * (shard #) is not published: *",  // ticks or prices ITCH's Price(4) cannot carry
      "md: an order of * is not published: *",
      "shard #: journal: # batches, # syncs, # bytes, # late",  // with a data directory, at shutdown
      "# matching shard(s), 0 instrument(s)",
      "session # account '*' from 127.0.0.1:#: logged on*",
      "session # account '*': logged out by the client",
      "session # account '*': instrument '*' added on shard #",
      "session #: cancel on disconnect: # orders",
      "received SIGTERM: shutting down (no new connections or inputs; finishing the queued inputs)",
      "stopped: # sessions, # inputs, # execution reports, # reports for ended sessions dropped",
  };
  std::vector<std::string> patterns = always;
  patterns.insert(patterns.end(), allowed.begin(), allowed.end());
  bool stopped = false;
  for (const std::string& line : log_lines()) {
    const std::string prefix = "rialto serve: ";
    bool ok = line.compare(0, prefix.size(), prefix) == 0;
    if (ok) {
      const std::string rest = line.substr(prefix.size());
      ok = false;
      for (const auto& pat : patterns) ok = ok || line_matches(pat, rest);
      stopped = stopped || rest.compare(0, 8, "stopped:") == 0;
    }
    if (!ok) problems += "unexpected server log line: " + line + "\n";
  }
  if (!stopped && exited_zero(st)) problems += "no `stopped:` line in the server log\n";
  const std::string out = read_file(out_path_);
  if (!out.empty()) problems += "the server printed on stdout: " + out + "\n";
  if (!problems.empty()) problems += "--- whole server log ---\n" + log();
  return problems;
}

bool line_matches(std::string_view pattern, std::string_view line) {
  if (pattern.empty()) return line.empty();
  const char c = pattern.front();
  if (c == '*') {
    for (size_t k = 0; k <= line.size(); ++k) {
      if (line_matches(pattern.substr(1), line.substr(k))) return true;
    }
    return false;
  }
  if (c == '#') {
    size_t k = 0;
    while (k < line.size() && line[k] >= '0' && line[k] <= '9') ++k;
    for (; k >= 1; --k) {
      if (line_matches(pattern.substr(1), line.substr(k))) return true;
    }
    return false;
  }
  return !line.empty() && line.front() == c && line_matches(pattern.substr(1), line.substr(1));
}

std::string venue_config(const std::string& matching_lines, const std::string& limits_lines) {
  std::string c = "[server]\nlisten = \"127.0.0.1:0\"\n";
  if (!matching_lines.empty()) c += "[matching]\n" + matching_lines;
  if (!limits_lines.empty()) c += "[limits]\n" + limits_lines;
  return c;
}

}  // namespace rialto::e2e
