#pragma once
// hub_id.hpp — HubId, the address of one hub of a grove::Runtime, and
// this_hub(), the hub the calling thread runs (docs/design/runtime.md).

#include <compare>
#include <cstddef>

namespace grove {

// HubId names a hub of a Runtime by its index, 0 .. Runtime::size() - 1.
// It is a plain value: the same index names the same hub for as long as
// the Runtime lives.
struct HubId {
  std::size_t index = 0;
  friend auto operator<=>(const HubId&, const HubId&) = default;
};

// this_hub() is the HubId of the calling thread's hub when that thread is
// one of a Runtime's hubs (a fiber started by spawn_on or an actor placed
// by the Runtime); anywhere else (main, a plain thread) it throws
// UsageError.
HubId this_hub();
// on_runtime_hub() tells whether the calling thread is one of a Runtime's
// hubs (this_hub() would answer).
bool on_runtime_hub() noexcept;

}  // namespace grove
