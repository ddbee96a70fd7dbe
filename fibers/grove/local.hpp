#pragma once
// local.hpp — fiber-local storage (gevent.local): each fiber that touches a
// Local<T> sees its own T, created on first use and destroyed when that
// fiber ends (on its own stack). The main fiber has its own value too.
//
//   grove::Local<int> depth;        // usually a static or a long-lived member
//   grove::spawn([&] { depth.get() = 3; });

#include <grove/hub.hpp>

#include <functional>
#include <memory>
#include <utility>

namespace grove {

template <class T>
class Local {
 public:
  // Local() default-constructs each fiber's value; Local(init) calls init().
  Local() : init_([] { return std::make_shared<T>(); }) {}
  explicit Local(std::function<T()> init)
      : init_([f = std::move(init)] { return std::make_shared<T>(f()); }) {}
  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;
  // The Local must outlive every fiber that used it, or be destroyed after
  // they ended: values are keyed by its address.

  // get() is the running fiber's value, created on first use.
  T& get() {
    auto& locals = detail::scheduler().current()->more().locals;
    for (auto& [key, value] : locals)
      if (key == this) return *static_cast<T*>(value.get());
    std::shared_ptr<T> fresh = init_();
    T& ref = *fresh;
    locals.emplace_back(this, std::move(fresh));
    return ref;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // has_value() tells whether the running fiber has created its value yet.
  bool has_value() const {
    auto* f = detail::scheduler().current();
    if (!f->extras) return false;
    for (auto& entry : f->extras->locals)
      if (entry.first == this) return true;
    return false;
  }

 private:
  std::function<std::shared_ptr<T>()> init_;
};

}  // namespace grove
