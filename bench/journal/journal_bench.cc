// rialto_journal_bench: the journal's numbers, in one run, on one data
// directory (--dir; default a temporary directory under /tmp, which may be
// tmpfs: the file-system type is printed, prefer a directory on the real disk).
//   (a) the disk's raw sequential write + fdatasync for batches of 4 KiB..4 MiB;
//   (b) the Writer with 64-byte payloads under fsync, async and none;
//   (c) CRC32C: the SSE4.2 path, the table path and boost::crc_optimal.
// A benchmark, never a test: it prints numbers and checks nothing but errors.
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/crc.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rialto/journal/crc32c.h"
#include "rialto/journal/writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using rialto::journal::Policy;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string fs_type(const std::string& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) return "unknown (statfs failed)";
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(st.f_type));
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53: return std::string("ext2/3/4 (") + hex + ")";
    case 0x01021994: return std::string("tmpfs (") + hex + ") -- memory, not a disk";
    case 0x58465342: return std::string("xfs (") + hex + ")";
    case 0x9123683E: return std::string("btrfs (") + hex + ")";
    case 0x794C7630: return std::string("overlayfs (") + hex + ")";
    case 0x2FC12FC1: return std::string("zfs (") + hex + ")";
    case 0xF2F52010: return std::string("f2fs (") + hex + ")";
    case 0x6969: return std::string("nfs (") + hex + ")";
    default: return std::string("type ") + hex;
  }
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "rialto_journal_bench: %s\n", what.c_str());
  std::exit(1);
}

// (a) write + fdatasync of `batch` bytes, repeated for ~seconds.
void raw_disk(const std::string& dir, double seconds) {
  std::printf("\n(a) raw sequential write + fdatasync (O_APPEND file, %.1f s per size)\n", seconds);
  std::printf("%10s %10s %10s\n", "batch", "MB/s", "syncs/s");
  for (size_t batch = 4096; batch <= (4u << 20); batch *= 4) {
    const std::string path = dir + "/raw.bin";
    ::unlink(path.c_str());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) die(path + ": " + std::strerror(errno));
    std::vector<char> buf(batch, 'x');
    uint64_t bytes = 0;
    uint64_t syncs = 0;
    const auto t0 = Clock::now();
    while (seconds_since(t0) < seconds || syncs < 4) {
      size_t done = 0;
      while (done < batch) {
        const ssize_t w = ::write(fd, buf.data() + done, batch - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die(path + ": write: " + std::strerror(errno));
        done += static_cast<size_t>(w);
      }
      if (::fdatasync(fd) != 0) die(path + ": fdatasync: " + std::strerror(errno));
      bytes += batch;
      ++syncs;
    }
    const double s = seconds_since(t0);
    ::close(fd);
    ::unlink(path.c_str());
    std::printf("%8zu K %10.1f %10.0f\n", batch >> 10, bytes / s / 1e6, syncs / s);
  }
}

// (b) the Writer: 64-byte payloads for ~seconds, poll() every 16 records.
void writer_runs(const std::string& dir, double seconds) {
  std::printf("\n(b) Writer, 64-byte payloads (81 bytes a record), %.1f s per policy, poll every 16 records\n",
              seconds);
  std::printf("%6s %8s %12s %9s %10s %12s %10s\n", "policy", "buffers", "records/s", "MB/s", "batches", "avg batch B",
              "syncs/s");
  char payload[64];
  std::memset(payload, 0x5A, sizeof payload);
  struct Run {
    Policy policy;
    uint32_t batch_bytes;
  };
  for (const Run run : {Run{Policy::fsync, 1u << 20}, Run{Policy::fsync, 4u << 20}, Run{Policy::async, 1u << 20},
                        Run{Policy::none, 1u << 20}}) {
    const Policy p = run.policy;
    const std::string d = dir + "/writer-" + std::string(rialto::journal::to_string(p));
    std::filesystem::remove_all(d);
    rialto::journal::WriterOptions o;
    o.dir = d;
    o.policy = p;
    o.batch_bytes = run.batch_bytes;
    std::string error;
    auto w = rialto::journal::Writer::open(o, rialto::journal::posix_fs(), 1, &error);
    if (!w) die(error);
    uint64_t n = 0;
    const auto t0 = Clock::now();
    for (;;) {
      for (int i = 0; i < 16; ++i) {
        std::memcpy(payload, &n, sizeof n);
        (void)w->append(1, payload, sizeof payload);
        ++n;
      }
      w->poll(now_ns());
      if ((n & 0xFFFF) == 0 && seconds_since(t0) >= seconds) break;
    }
    w->close();
    const double s = seconds_since(t0);
    if (w->failed()) die(w->error());
    const auto st = w->stats();
    const double bytes = static_cast<double>(n) * 81;
    std::printf("%6s %6u K %12.0f %9.1f %10llu %12.0f %10.0f\n", std::string(rialto::journal::to_string(p)).c_str(),
                run.batch_bytes >> 10, n / s, bytes / s / 1e6, static_cast<unsigned long long>(st.batches),
                st.batches > 0 ? static_cast<double>(st.bytes) / st.batches : 0.0, st.syncs / s);
    std::filesystem::remove_all(d);
  }
}

// (c) CRC32C: median of 5 interleaved rounds per buffer size.
void crc_runs() {
  std::printf("\n(c) CRC32C GB/s (median of 5 interleaved rounds, 256 MiB per round)\n");
  std::printf("%8s %12s %12s %12s\n", "buffer", "sse4.2", "table", "boost");
  std::vector<unsigned char> area(1 << 20);
  for (size_t i = 0; i < area.size(); ++i) area[i] = static_cast<unsigned char>(i * 131 + 7);
  using BoostCrc = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;
  volatile uint32_t sink = 0;
  for (size_t len : {size_t{64}, size_t{64} << 10}) {
    std::vector<double> r[3];
    const size_t total = 256u << 20;
    for (int round = 0; round < 5; ++round) {
      for (int which = 0; which < 3; ++which) {
        uint32_t acc = 0;
        const auto t0 = Clock::now();
        for (size_t done = 0; done < total; done += len) {
          const unsigned char* p = area.data() + (done % area.size());
          if (which == 0) {
            acc ^= rialto::journal::crc32c(p, len);
          } else if (which == 1) {
            acc ^= rialto::journal::crc32c_portable(p, len);
          } else {
            BoostCrc c;
            c.process_bytes(p, len);
            acc ^= c.checksum();
          }
        }
        r[which].push_back(total / seconds_since(t0) / 1e9);
        sink = sink + acc;
      }
    }
    double med[3];
    for (int i = 0; i < 3; ++i) {
      std::sort(r[i].begin(), r[i].end());
      med[i] = r[i][2];
    }
    std::printf("%6zu B %12.2f %12.2f %12.2f\n", len, med[0], med[1], med[2]);
  }
  std::printf("(sse4.2 path active: %s)\n", rialto::journal::crc32c_hardware() ? "yes" : "no");
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: rialto_journal_bench [--dir DIR] [--seconds S]\n");
      return 2;
    }
  }
  bool temp = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/rialto-journal-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) die(std::string("mkdtemp: ") + std::strerror(errno));
    dir = tmpl;
    temp = true;
  } else {
    std::filesystem::create_directories(dir);
  }
  std::printf("cpu: %s\n", cpu_model().c_str());
  std::printf("dir: %s\nfile system: %s\n", dir.c_str(), fs_type(dir).c_str());
  raw_disk(dir, seconds / 2);
  writer_runs(dir, seconds);
  crc_runs();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
