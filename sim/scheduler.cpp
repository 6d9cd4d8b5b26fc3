#include "sim/scheduler.h"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cassert>
#include <exception>

namespace dwsim::sim {
namespace asio = boost::asio;

Waiter::Waiter(Scheduler& scheduler) : scheduler_(scheduler) {
  next_ = scheduler_.live_;
  if (next_) next_->prev_ = this;
  scheduler_.live_ = this;
}

Waiter::~Waiter() {
  if (prev_) prev_->next_ = next_;
  if (next_) next_->prev_ = prev_;
  if (scheduler_.live_ == this) scheduler_.live_ = next_;
}

void WaitList::notify_all() {
  std::vector<std::shared_ptr<Waiter>> waiters;
  waiters.swap(waiters_);
  for (auto& w : waiters) scheduler_->complete(w, true);
}

Scheduler::Scheduler(std::int64_t epoch_us)
    : io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE), epoch_us_(epoch_us) {}

Scheduler::~Scheduler() { shutdown(); }

template <typename Handler>
std::shared_ptr<Waiter> Scheduler::make_waiter(Handler&& handler) {
  class Impl final : public Waiter {
   public:
    Impl(Scheduler& s, Handler&& h) : Waiter(s), h_(std::move(h)) {}

   protected:
    void finish(bool resume, bool signaled) override {
      // Moving the handler out ends its coroutine frame here if it is not resumed.
      Handler h(std::move(h_));
      if (resume) std::move(h)(signaled);
    }

   private:
    Handler h_;
  };
  return std::make_shared<Impl>(*this, std::forward<Handler>(handler));
}

void Scheduler::arm(std::int64_t deadline_us, std::shared_ptr<Waiter> waiter) {
  timers_.push_back(Timer{deadline_us, seq_++, std::move(waiter)});
  std::push_heap(timers_.begin(), timers_.end(), Later{});
}

void Scheduler::complete(const std::shared_ptr<Waiter>& waiter, bool signaled) {
  if (waiter->done_) return;
  waiter->done_ = true;
  asio::post(io_, [waiter, signaled]() {
    if (!waiter->armed_) return;
    waiter->armed_ = false;
    waiter->finish(true, signaled);
  });
}

Task<void> Scheduler::sleep_us(std::int64_t d_us) {
  assert(d_us >= 0);
  const std::int64_t deadline = now_us_ + d_us;
  co_await asio::async_initiate<const asio::use_awaitable_t<>, void(bool)>(
      [this, deadline](auto handler) { arm(deadline, make_waiter(std::move(handler))); }, asio::use_awaitable);
}

Task<bool> Scheduler::wait(WaitList& list, std::int64_t deadline_us) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(bool)>(
      [this, &list, deadline_us](auto handler) {
        auto waiter = make_waiter(std::move(handler));
        list.waiters_.push_back(waiter);
        if (deadline_us >= 0) arm(std::max(deadline_us, now_us_), std::move(waiter));
      },
      asio::use_awaitable);
}

void Scheduler::spawn(Task<void> task) {
  asio::co_spawn(io_, std::move(task), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

bool Scheduler::run_until(std::int64_t limit_us) {
  auto guard = asio::make_work_guard(io_);
  for (;;) {
    io_.poll();
    // Drop timers whose waiter was already completed by a notification.
    while (!timers_.empty() && timers_.front().waiter->done_) {
      std::pop_heap(timers_.begin(), timers_.end(), Later{});
      timers_.pop_back();
    }
    if (timers_.empty()) return true;
    if (timers_.front().deadline_us > limit_us) return false;
    std::pop_heap(timers_.begin(), timers_.end(), Later{});
    Timer timer = std::move(timers_.back());
    timers_.pop_back();
    assert(timer.deadline_us >= now_us_);
    now_us_ = timer.deadline_us;
    complete(timer.waiter, false);
  }
}

void Scheduler::shutdown() {
  // Destroying a suspended coroutine runs the destructors of its frame, which
  // may notify other waiters (posting to io_): repeat until nothing is left.
  for (int round = 0; round < 1000; ++round) {
    timers_.clear();
    std::vector<Waiter*> doomed;
    for (Waiter* w = live_; w; w = w->next_) {
      w->done_ = true;
      if (w->armed_) doomed.push_back(w);
    }
    for (Waiter* w : doomed) {
      w->armed_ = false;
      w->finish(false, false);
    }
    io_.restart();
    const std::size_t ran = io_.poll();
    if (doomed.empty() && ran == 0) break;
  }
}

}  // namespace dwsim::sim
