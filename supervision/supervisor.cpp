// supervisor.cpp — grove::Supervisor, the facade over detail::SupervisorCore
// (supervision/src/supervisor_core.hpp): construction, start/stop, the
// queries, and the commands that run on the supervisor's fiber.

#include <grove/supervisor.hpp>

#include "src/supervisor_core.hpp"

#include <grove/async_result.hpp>
#include <grove/queue.hpp>

#include <boost/core/demangle.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grove {

namespace detail {

void throw_template_mismatch(const std::string& id, const std::type_info& expected, const std::type_info& given) {
  throw UsageError("grove::Supervisor::start_child: template '" + id + "' takes " +
                   boost::core::demangle(expected.name()) + ", was given " + boost::core::demangle(given.name()));
}

namespace {

ChildInfo info_of(const SupervisedChild& c) {
  return ChildInfo{c.spec.id, c.fiber, c.spec.restart, c.spec.type, c.spec.handle};
}

}  // namespace

}  // namespace detail

// ------------------------------------------------------------------ Supervisor

Supervisor::Supervisor(SupervisorConfig config, std::vector<ChildSpec> children) {
  if (config.strategy == Strategy::simple_one_for_one)
    throw UsageError("grove::Supervisor: simple_one_for_one takes one ChildTemplate, not a list of children");
  core_ = std::make_shared<detail::SupervisorCore>(std::move(config), std::move(children), std::nullopt);
}

Supervisor::Supervisor(SupervisorConfig config, ChildTemplate child_template) {
  if (config.strategy != Strategy::simple_one_for_one)
    throw UsageError("grove::Supervisor: a ChildTemplate needs Strategy::simple_one_for_one");
  if (!child_template.instantiate) throw UsageError("grove::Supervisor: the child template is empty");
  core_ =
      std::make_shared<detail::SupervisorCore>(std::move(config), std::vector<ChildSpec>{}, std::move(child_template));
}

Fiber<> Supervisor::start() {
  auto& c = *core_;
  if (c.running)
    throw SupervisorError("grove::Supervisor::start: supervisor '" + c.config.name + "' is running already");
  auto queue = std::make_shared<Queue<detail::SupervisorEvent>>();
  AsyncResult<void> started;
  c.events = queue;
  c.running = true;
  Fiber<> f = spawn([core = core_, queue, started]() mutable { core->run(queue, started); });
  f.set_name(c.config.name);
  f.link([](Fiber<>) {});  // the exit is reported through links, not as unhandled
  c.self = f;
  started.get();
  return f;
}

void Supervisor::stop() {
  auto& c = *core_;
  if (c.running) {
    Fiber<> f = c.self;
    try {
      c.call<void>("stop", [&c] { c.stopping = true; });
    } catch (const SupervisorError&) {
      // it ended (gave up, or was killed) before serving the stop
    }
    f.join();
  }
  c.retire_all();
}

bool Supervisor::running() const { return core_->running; }
Fiber<> Supervisor::fiber() const { return core_->self; }
const SupervisorConfig& Supervisor::config() const { return core_->config; }
std::size_t Supervisor::restart_count() const { return core_->restart_total; }

std::vector<ChildInfo> Supervisor::which_children() const {
  std::vector<ChildInfo> out;
  out.reserve(core_->children.size());
  for (auto& c : core_->children) out.push_back(detail::info_of(c));
  return out;
}

ChildCounts Supervisor::count_children() const {
  ChildCounts n;
  for (auto& c : core_->children) {
    ++n.specs;
    if (c.fiber && !c.fiber.dead()) ++n.active;
    if (c.spec.type == ChildType::supervisor) ++n.supervisors;
    else ++n.workers;
  }
  return n;
}

ChildInfo Supervisor::start_child(ChildSpec spec) {
  auto& c = *core_;
  if (c.tmpl)
    throw UsageError(
        "grove::Supervisor::start_child: a simple_one_for_one supervisor takes the template's arguments, not a spec");
  return c.call<ChildInfo>("start_child", [&c, spec = std::move(spec)]() mutable {
    auto it = c.add(std::move(spec), false);
    try {
      c.start_one(it);
    } catch (...) {
      c.by_id.erase(it->spec.id);
      c.children.erase(it);
      throw;
    }
    ChildInfo info = detail::info_of(*it);
    if (!it->fiber && it->spec.restart == Restart::temporary) c.remove(it);  // ignored: forgotten
    return info;
  });
}

ChildInfo Supervisor::start_from_template(std::any packed) {
  auto& c = *core_;
  if (!c.tmpl)
    throw UsageError("grove::Supervisor::start_child(args...): only a simple_one_for_one supervisor has a template");
  return c.call<ChildInfo>("start_child", [&c, packed = std::move(packed)]() mutable {
    ChildSpec spec = c.tmpl->instantiate(packed);
    spec.id = c.tmpl->id + "-" + std::to_string(c.next_dynamic++);
    auto it = c.add(std::move(spec), true);
    try {
      c.start_one(it);
    } catch (...) {
      c.remove(it);
      throw;
    }
    ChildInfo info = detail::info_of(*it);
    if (!it->fiber) c.remove(it);  // ignored: no child is added, as OTP's simple_one_for_one
    return info;
  });
}

void Supervisor::terminate_child(const std::string& id) {
  auto& c = *core_;
  c.call<void>("terminate_child", [&c, id] {
    auto it = c.find(id);
    c.shutdown_child(*it);
    if (it->dynamic || it->spec.restart == Restart::temporary) c.remove(it);
  });
}

ChildInfo Supervisor::restart_child(const std::string& id) {
  auto& c = *core_;
  return c.call<ChildInfo>("restart_child", [&c, id] {
    auto it = c.find(id);
    if (it->dynamic) throw SupervisorError("grove::Supervisor::restart_child: not supported by simple_one_for_one");
    if (it->fiber) throw SupervisorError("grove::Supervisor::restart_child: child '" + id + "' is running");
    c.start_one(it);
    return detail::info_of(*it);
  });
}

void Supervisor::delete_child(const std::string& id) {
  auto& c = *core_;
  c.call<void>("delete_child", [&c, id] {
    auto it = c.find(id);
    if (it->dynamic) throw SupervisorError("grove::Supervisor::delete_child: not supported by simple_one_for_one");
    if (it->fiber) throw SupervisorError("grove::Supervisor::delete_child: child '" + id + "' is running");
    c.remove(it);
  });
}

ChildSpec supervisor_child(std::string id, Supervisor sup, ChildOptions options) {
  ChildSpec spec;
  spec.id = std::move(id);
  spec.with(options);
  spec.start = [sup]() mutable { return sup.start(); };
  spec.retire = [weak = std::weak_ptr<detail::SupervisorCore>(sup.core_)] {
    if (auto core = weak.lock(); core && !core->running) core->retire_all();
  };
  spec.handle = sup;
  return spec;
}

}  // namespace grove
