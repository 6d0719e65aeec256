// The scenario format's id rules, layered over an engine whose duplicate_id
// covers resting orders only (ADR docs/adr/0005-order-identity.md):
//   - duplicate_id: the id belongs to any order accepted so far in the
//     script (resting, filled or cancelled);
//   - capacity: `max_ids` ids are remembered, after which an order that
//     passes every other check is refused (checked last, as the engine's own
//     capacity is).
// A script is finite, so remembering its ids is bounded by its length; a
// venue that runs for months does not use this (its gateway mints ids).
// Rejects go through Engine::reject(), so they are sequenced exactly like
// the engine's own, and engine + LifetimeIds gives the event stream that
// docs/SEMANTICS.md specifies for scripts.
//
// Thread safety: none; used by the one thread that drives the engine.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "rialto/core/types.h"

namespace rialto::script {

class LifetimeIds {
 public:
  static constexpr uint64_t kDefaultMaxIds = uint64_t{1} << 22;

  explicit LifetimeIds(uint64_t max_ids = kDefaultMaxIds) : max_ids_(max_ids) {}

  /// Submits `cmd` to `engine` under the scenario rules.
  template <class Engine>
  void submit(Engine& engine, const NewOrder& cmd) {
    if (accepted_.contains(cmd.id.value())) return engine.reject(cmd, RejectReason::duplicate_id);
    if (engine.check(cmd) == RejectReason::none) {  // it will be accepted: the id is used from now on
      if (accepted_.size() >= max_ids_) return engine.reject(cmd, RejectReason::capacity);
      accepted_.insert(cmd.id.value());
    }
    engine.submit(cmd);
  }

  // The same rule for an edge that learns only afterwards whether an order
  // was accepted (a venue client): refuse when used(id), else when full()
  // and nothing else would reject it; remember(id) once it is accepted.
  [[nodiscard]] bool used(uint64_t id) const { return accepted_.contains(id); }
  [[nodiscard]] bool full() const { return accepted_.size() >= max_ids_; }
  void remember(uint64_t id) { accepted_.insert(id); }

  [[nodiscard]] uint64_t size() const { return accepted_.size(); }

 private:
  uint64_t max_ids_;
  std::unordered_set<uint64_t> accepted_;
};

}  // namespace rialto::script
