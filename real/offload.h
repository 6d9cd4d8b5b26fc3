// Offload: runs a blocking call (libpqxx, librdkafka) on a thread pool and
// resumes the awaiting coroutine on its own executor with the result.
//
// The use cases are coroutines on one executor; the vendor clients block. A
// blocking call on the coroutines' thread would stall every other coroutine,
// and deadlock when one transaction waits for a lock held by another that
// cannot run (a second INSERT of the same idempotency key). So each blocking
// call runs on the pool, and only the result crosses back.
//
// REQUIRES: f's captures are trivially destructible (g++ 12 may destroy a
// lambda temporary in a co_await expression twice: capture pointers or
// references to values that outlive the await, never strings by value);
// f never throws (adapters translate vendor exceptions into
// domain::Result inside f); the awaiting executor is kept alive (the world
// holds a work guard while a run is in progress).
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>: Asio 1.74 uses std::exchange
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace dwsim::real {

template <typename F>
auto offload(boost::asio::thread_pool& pool, F f) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  static_assert(std::is_nothrow_move_constructible_v<R> || std::is_move_constructible_v<R>);
  auto initiation = [&pool, f = std::move(f)](auto handler) mutable {
    auto home = boost::asio::get_associated_executor(handler);
    boost::asio::post(pool, [f = std::move(f), handler = std::move(handler), home]() mutable {
      R result = f();
      boost::asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(R)>(
      std::move(initiation), boost::asio::use_awaitable);
}

}  // namespace dwsim::real
