#include "rialto/server/replay.h"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "durable.h"
#include "matcher.h"
#include "rialto/journal/fs.h"
#include "rialto/journal/reader.h"
#include "rialto/journal/snapshot.h"

namespace rialto::server {

namespace {

namespace fs = std::filesystem;

/// The matcher's sink: formats engine events (other outputs answer a
/// session, not part of the shard's output stream).
struct ReplayOut {
  std::ostream& out;
  bool hash_only;
  std::string line;
  uint64_t events = 0;
  void push(const ShardOutput& o) {
    if (o.kind != OutputKind::event) return;
    ++events;
    if (hash_only) return;
    line.clear();
    format_event(o.event, line);
    out << line;
  }
};

/// The posix file system seen through one directory that holds only `name`:
/// replays a single journal file with the directory reader.
class OneFileFs final : public journal::Fs {
 public:
  explicit OneFileFs(std::string name) : name_(std::move(name)) {}
  int create_append(const std::string&) override { return -EROFS; }
  int64_t write(int, const void*, size_t) override { return -EROFS; }
  int fdatasync(int) override { return -EROFS; }
  int close(int) override { return 0; }
  int read_file(const std::string& p, std::string* out) override { return real().read_file(p, out); }
  int64_t file_size(const std::string& p) override { return real().file_size(p); }
  int rename(const std::string&, const std::string&) override { return -EROFS; }
  int remove(const std::string&) override { return -EROFS; }
  int truncate(const std::string&, uint64_t) override { return -EROFS; }
  int make_dir(const std::string&) override { return -EROFS; }
  int list_dir(const std::string&, std::vector<std::string>* names) override {
    names->assign(1, name_);
    return 0;
  }
  int sync_dir(const std::string&) override { return -EROFS; }

 private:
  static journal::Fs& real() { return journal::posix_fs(); }
  std::string name_;
};

/// The first seq of a segment named journal-<seq>.rj (0 if not so named).
uint64_t first_seq_of(const std::string& name) {
  const std::string base = fs::path(name).filename().string();
  if (base.size() != 31 || base.rfind("journal-", 0) != 0) return 0;
  uint64_t v = 0;
  for (size_t i = 8; i < 28; ++i) {
    if (base[i] < '0' || base[i] > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(base[i] - '0');
  }
  return v;
}

struct Source {
  uint32_t shard = 0;
  std::string dir;
  std::string only_file;  // non-empty: replay just this journal file of dir
};

int replay_one(const ReplayOptions& o, const Source& src, std::ostream& out, std::ostream& err) {
  engine::EngineConfig ec;
  ec.max_orders = o.venue.max_orders_per_shard;
  ec.max_symbols = o.venue.max_symbols_per_shard;
  ReplayOut sink{out, o.hash_only, {}, 0};
  Matcher<ReplayOut> m(ec, sink);
  if (!m.ok()) {
    err << "rialto replay: cannot allocate the engine's tables (max_orders_per_shard " << ec.max_orders << ")\n";
    return 1;
  }
  uint64_t from = 1;
  std::string snapshot = o.from_snapshot;
  if (snapshot.empty()) {
    // Retention removes the segments that a snapshot covers: start from the
    // oldest snapshot that the remaining journal continues.
    journal::ReaderOptions probe;
    probe.dir = src.dir;
    std::string error;
    auto r = journal::Reader::open(probe, journal::posix_fs(), &error);
    const uint64_t first = r && !r->segments().empty() ? first_seq_of(r->segments().front()) : 1;
    if (src.only_file.empty() && first > 1) {
      std::vector<journal::SnapshotFile> snaps;
      if (journal::list_snapshots(journal::posix_fs(), src.dir, &snaps, &error)) {
        for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
          if (it->seq + 1 >= first) {
            snapshot = it->path;
            break;
          }
        }
      }
      if (!snapshot.empty()) out << "# shard " << src.shard << ": from snapshot " << snapshot << '\n';
    }
  }
  if (!snapshot.empty()) {
    uint64_t seq = 0;
    std::vector<std::byte> payload;
    std::string error;
    if (!journal::read_snapshot(journal::posix_fs(), snapshot, &seq, &payload, &error)) {
      err << "rialto replay: " << error << '\n';
      return 3;
    }
    if (!m.load(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), &error)) {
      err << "rialto replay: " << snapshot << ": " << error << '\n';
      return 3;
    }
    from = seq + 1;
  }
  OneFileFs one(src.only_file);
  journal::Fs& fsys = src.only_file.empty() ? journal::posix_fs() : one;
  journal::ReaderOptions ro;
  ro.dir = src.dir;
  ro.from_seq = from;
  std::string error;
  auto reader = journal::Reader::open(ro, fsys, &error);
  if (!reader) {
    err << "rialto replay: " << error << '\n';
    return 3;
  }
  journal::Record rec;
  uint64_t records = 0;
  uint64_t first = 0;
  uint64_t last = from - 1;
  for (;;) {
    const journal::ReadStatus s = reader->next(&rec);
    if (s == journal::ReadStatus::record) {
      ShardInput in;
      if (!decode_input(rec.type, reinterpret_cast<const uint8_t*>(rec.payload.data()), rec.payload.size(), &in,
                        &error)) {
        err << "rialto replay: " << rec.file << ": record at offset " << rec.offset << " (seq " << rec.seq
            << "): " << error << '\n';
        return 3;
      }
      if (first == 0) first = rec.seq;
      last = rec.seq;
      ++records;
      m.apply(in);
      continue;
    }
    if (s == journal::ReadStatus::end) break;
    if (s == journal::ReadStatus::corruption) {
      err << "rialto replay: " << reader->message() << '\n';
      return 3;
    }
    err << "rialto replay: warning: " << reader->message() << " (not repaired: replay only reads)\n";
  }
  out << "# shard " << src.shard << ": " << records << " records";
  if (records > 0) out << ", seq " << first << ".." << last;
  out << ", " << sink.events << " events, output hash " << to_hex(m.output_hash()) << '\n';
  return 0;
}

}  // namespace

int replay(const ReplayOptions& o, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  const fs::path p(o.path);
  std::vector<Source> sources;
  if (fs::is_regular_file(p, ec)) {
    sources.push_back({0, p.parent_path().empty() ? "." : p.parent_path().string(), p.filename().string()});
  } else if (fs::is_directory(p, ec)) {
    std::vector<uint32_t> shards;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_directory() && name.rfind("shard-", 0) == 0 && name.size() > 6 &&
          name.find_first_not_of("0123456789", 6) == std::string::npos) {
        shards.push_back(static_cast<uint32_t>(std::stoul(name.substr(6))));
      }
    }
    std::sort(shards.begin(), shards.end());
    for (uint32_t k : shards) sources.push_back({k, (p / ("shard-" + std::to_string(k))).string(), {}});
    if (sources.empty()) sources.push_back({0, p.string(), {}});  // a shard's own directory
  } else {
    err << "rialto replay: " << o.path.substr(0, 200) << ": no such file or directory\n";
    return 2;
  }
  if (!o.from_snapshot.empty() && sources.size() > 1) {
    err << "rialto replay: --from-snapshot names one shard's snapshot: give that shard's directory\n";
    return 2;
  }
  for (const Source& s : sources) {
    if (int rc = replay_one(o, s, out, err); rc != 0) return rc;
  }
  return 0;
}

}  // namespace rialto::server
