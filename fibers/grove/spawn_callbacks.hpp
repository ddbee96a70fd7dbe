#pragma once
// spawn_callbacks.hpp — add_spawn_callback / remove_spawn_callback
// (gevent's Greenlet.add_spawn_callback): code told of every new fiber, for
// tracing, metrics or copying context into the spawn tree.
//
//   auto id = grove::add_spawn_callback([](grove::Fiber<> f) {
//     std::printf("%s spawned by %llu\n", f.name().c_str(),
//                 (unsigned long long)f.parent_id().value_or(0));
//   });
//   ...
//   grove::remove_spawn_callback(id);
//
// Callbacks are process-wide: every hub calls them, on its own thread, with
// each fiber spawned from then on (spawn, spawn_later, Group/Pool spawns,
// Greenlet subclasses, actors). A callback runs in the spawner's context
// right after the fiber is created, before it first runs; it may spawn (the
// callbacks see that fiber too) but must not block. An exception escaping a
// callback propagates out of the spawn call and the new fiber dies unstarted.
// Registering and removing are thread-safe; a callback may be called from
// several threads at once. With no callback registered a spawn pays one
// relaxed atomic load.

#include <grove/fiber.hpp>

#include <cstdint>
#include <functional>

namespace grove {

// SpawnCallbackId names one registration; remove_spawn_callback() takes it.
using SpawnCallbackId = std::uint64_t;

// add_spawn_callback(cb) registers cb(new fiber); an empty cb is a UsageError.
SpawnCallbackId add_spawn_callback(std::function<void(Fiber<>)> cb);
// remove_spawn_callback(id) unregisters it; false if it was not registered.
// A call already under way on another thread may still finish.
bool remove_spawn_callback(SpawnCallbackId id);

}  // namespace grove
