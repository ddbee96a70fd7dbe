#pragma once
// local.hpp — fiber-local storage (gevent.local): each fiber that touches a
// Local<T> sees its own T, created on first use. The main fiber has its own
// value too.
//
//   grove::Local<int> depth;        // usually a static or a long-lived member
//   grove::spawn([&] { depth.get() = 3; });
//
// A value lives until its fiber ends or its Local is destroyed, whichever
// comes first (gevent: a local's values go with the local object):
// - a fiber's remaining values are destroyed on its own stack, newest
//   first, when it ends (the main fiber's when its hub is destroyed);
// - ~Local destroys every fiber's value of it, on the destroying thread,
//   and the fibers that held one simply no longer do.
// Each Local has an id never reused, so a new Local never sees an old one's
// value, even at the same address. A Local may be shared by the fibers of
// several hub threads (a static, say): values are made and destroyed under
// a per-Local lock, so threads may end, or the Local be destroyed, in any
// order. As with any object, no fiber may use a Local (get, has_value)
// while or after it is destroyed. A lookup costs a scan of the running
// fiber's values; switching fibers costs nothing.

#include <grove/hub.hpp>
#include <grove/detail/local_slot.hpp>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace grove {

namespace detail {

template <class T>
struct LocalValue final : LocalSlot {
  LocalValue() : value() {}
  explicit LocalValue(const std::function<T()>& init) : value(init()) {}
  T value;
};

}  // namespace detail

template <class T>
class Local {
 public:
  // Local() value-initialises each fiber's value; Local(init) calls init().
  Local() : core_(std::make_shared<detail::LocalCore>()) {}
  explicit Local(std::function<T()> init) : core_(std::make_shared<detail::LocalCore>()), init_(std::move(init)) {}
  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;
  // ~Local() destroys every fiber's value of this Local.
  ~Local() { detail::destroy_local(*core_); }

  // get() is the running fiber's value, created on first use.
  T& get() {
    auto& entries = detail::scheduler().current()->more().locals;
    for (auto& e : entries)
      if (e.id == core_->id) return static_cast<detail::LocalValue<T>*>(e.slot)->value;
    return create(entries);
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // has_value() tells whether the running fiber has created its value yet.
  bool has_value() const {
    auto* f = detail::scheduler().current();
    if (!f->extras) return false;
    for (auto& e : f->extras->locals)
      if (e.id == core_->id) return true;
    return false;
  }

 private:
  T& create(std::vector<detail::LocalEntry>& entries) {
    auto fresh = init_ ? std::make_unique<detail::LocalValue<T>>(init_) : std::make_unique<detail::LocalValue<T>>();
    detail::drop_dead_locals(entries);  // entries of Locals destroyed meanwhile
    entries.reserve(entries.size() + 1);
    detail::attach_local(*core_, fresh.get());
    T& ref = fresh->value;
    entries.push_back(detail::LocalEntry{core_->id, core_, fresh.release()});
    return ref;
  }

  std::shared_ptr<detail::LocalCore> core_;
  std::function<T()> init_;
};

}  // namespace grove
