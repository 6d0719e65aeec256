// The `rialto` command line. Each subcommand is a thin adapter over a module.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <new>
#include <string>
#include <string_view>

#include "bench_cmd.h"
#include "serve_cmd.h"
#include "client_cmd.h"
#include "load_cmd.h"
#include "rialto/mdview/mdview.h"
#include "rialto/script/script.h"

namespace {

int run_script(const std::string& path, const rialto::script::Options& options) {
  try {
    if (path == "-") return rialto::script::run(std::cin, "<stdin>", std::cout, std::cerr, options);
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int e = errno;
      std::cerr << "rialto script: cannot open " << path << ": "
                << (e != 0 ? std::strerror(e) : "the file stream failed") << '\n';
      return rialto::script::kIoError;
    }
    return rialto::script::run(in, path, std::cout, std::cerr, options);
  } catch (const std::bad_alloc&) {
    std::cerr << "rialto script: out of memory (--max-orders " << options.engine.max_orders << ", --max-ids "
              << options.max_ids << ")\n";
    return 1;
  }
}

/// Flushes stdout; false (after saying so on stderr) if what was printed
/// could not be written, e.g. to a full disk or `> /dev/full`.
bool stdout_ok() {
  std::cout.flush();
  if (std::fflush(stdout) == 0 && !std::cout.fail() && std::ferror(stdout) == 0) return true;
  std::cerr << "rialto: cannot write output\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  CLI::App app{"rialto: a limit-order-book exchange core"};
  app.require_subcommand(1);

  rialto::script::Options script_options;
  std::string script_path;
  CLI::App* script = app.add_subcommand("script", "Run a scenario script (docs/SEMANTICS.md) and print its events");
  script->add_option("file", script_path, "script file, or - for stdin")->required();
  script->add_option("--max-orders", script_options.engine.max_orders, "resting order capacity")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 30));
  script->add_option("--max-ids", script_options.max_ids, "order ids a script may use (lifetime duplicate_id)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  script->add_option("--max-symbols", script_options.engine.max_symbols, "symbol capacity (symbol lines)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 30));
  CLI::App* bench = rialto::app::add_bench_command(app);
  CLI::App* serve = rialto::app::add_serve_command(app);
  CLI::App* client = rialto::app::add_client_command(app);
  CLI::App* load = rialto::app::add_load_command(app);
  CLI::App* md = rialto::mdview::add_md_command(app);
  app.set_version_flag("--version", "rialto " RIALTO_VERSION);

  // CLI11 reports a word that is not a subcommand as "A subcommand is
  // required"; name the word instead.
  if (argc > 1) {
    const std::string_view first = argv[1];
    const auto named = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(std::string(first)); });
    if (!first.empty() && first.front() != '-' && named.empty()) {
      std::cerr << "rialto: unknown subcommand " << rialto::script::quote_for_message(first) << " (try --help)\n";
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // --help and --version print here too
    if (rc == 0) return stdout_ok() ? 0 : 1;
    return 2;
  }
  if (script->parsed()) return run_script(script_path, script_options);
  if (serve->parsed()) return rialto::app::run_serve_command();
  if (client->parsed()) return rialto::app::run_client_command();
  if (load->parsed()) return rialto::app::run_load_command();
  if (md->parsed()) return rialto::mdview::run_md_command();
  if (bench->parsed()) {
    const int rc = rialto::app::run_bench_command();
    return stdout_ok() || rc != 0 ? rc : 1;
  }
  return 2;
}
