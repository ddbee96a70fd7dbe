#pragma once
// detail/stream_order.hpp — the receiving end of one ordered stream: the
// messages one node sends to one actor, stamped 1, 2, 3, ...
// (docs/cluster.md, "Ordering"). accept() delivers in stamp order: a stamp
// seen before is a duplicate (dropped), one beyond the next expected is held
// back until the gap fills, or until skip_gap() gives the gap up as lost (at
// most once: NATS does not resend) and delivers what was held. One hub's
// state; no locks.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace grove::cluster::detail {

template <class T>
class StreamOrder {
 public:
  enum class Verdict { deliver, duplicate, held };

  // accept(seq, item, out) files item under its stamp; the items now
  // deliverable, in order, are appended to out.
  Verdict accept(std::uint64_t seq, T item, std::vector<T>& out) {
    if (seq < next_ || held_.count(seq)) return Verdict::duplicate;
    if (seq > next_) {
      held_.emplace(seq, std::move(item));
      return Verdict::held;
    }
    out.push_back(std::move(item));
    ++next_;
    drain(out);
    return Verdict::deliver;
  }

  // skip_gap(out) gives up the missing stamps before the first held one:
  // returns how many were skipped (lost) and appends what becomes
  // deliverable to out. Nothing held: 0.
  std::uint64_t skip_gap(std::vector<T>& out) {
    if (held_.empty()) return 0;
    const std::uint64_t lost = held_.begin()->first - next_;
    next_ = held_.begin()->first;
    drain(out);
    return lost;
  }

  // skip_to(last) declares every stamp up to `last` sent (the sender's
  // heartbeat says so): the ones never seen are lost; returns how many.
  std::uint64_t skip_to(std::uint64_t last, std::vector<T>& out) {
    std::uint64_t lost = 0;
    while (next_ <= last) {
      if (held_.empty() || held_.begin()->first > last) {
        lost += last + 1 - next_;
        next_ = last + 1;
        break;
      }
      lost += skip_gap(out);
    }
    drain(out);
    return lost;
  }

  bool holding() const noexcept { return !held_.empty(); }
  std::size_t held() const noexcept { return held_.size(); }
  std::uint64_t next() const noexcept { return next_; }

 private:
  void drain(std::vector<T>& out) {
    while (!held_.empty() && held_.begin()->first == next_) {
      out.push_back(std::move(held_.begin()->second));
      held_.erase(held_.begin());
      ++next_;
    }
  }

  std::uint64_t next_ = 1;
  std::map<std::uint64_t, T> held_;
};

}  // namespace grove::cluster::detail
