// PostgreSQL through libpqxx 6.4: a connection pool, the unit of work and its
// repositories (orders, outbox, billing), migrations, and the read-back the
// oracle uses. Internal to real/: callers outside use real/world.h.
//
// pqxx exceptions are translated here, at the boundary, into domain errors:
//   unique_violation -> conflict; broken_connection -> unavailable;
//   in_doubt_error (COMMIT sent, answer lost) -> ambiguous;
//   transaction_rollback -> aborted; anything else -> internal.
#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "domain/ports.h"
#include "real/world.h"

namespace dwsim::real {

domain::Error translate_pg(const std::exception& e);

// Connections are reused across steps. A connection whose process crashed,
// or that broke, is closed instead of returned.
class PgPool {
 public:
  PgPool(std::string url, std::chrono::milliseconds connect_timeout);
  // Blocking. Errc::unavailable names the address when the server is unreachable.
  domain::Result<std::unique_ptr<pqxx::connection>> acquire();
  void release(std::unique_ptr<pqxx::connection> c);
  const std::string& url() const { return url_; }
  // A fresh connection outside the pool (admin work: pg_terminate_backend).
  domain::Result<std::unique_ptr<pqxx::connection>> connect();

 private:
  std::string url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

// Applies real/migrations in order (blocking). Error text names the migration.
domain::Result<int> migrate(pqxx::connection& c);

class PgAsyncReader;

// Bounds the transactions open at once (WorldOptions::max_open_transactions).
// Used on the world's io thread only.
class TxSlots {
 public:
  TxSlots(boost::asio::io_context& io, int slots) : io_(io), free_(slots) {}
  domain::Task<void> acquire();
  void release();

 private:
  boost::asio::io_context& io_;
  int free_;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiting_;  // first come, first served
};

class PgDatabase final : public domain::Database {
 public:
  PgDatabase(PgPool& pool, boost::asio::thread_pool& threads, Step& step, bool write_behind, TxSlots* slots = nullptr,
             PgAsyncReader* reader = nullptr)
      : pool_(pool), threads_(threads), step_(step), write_behind_(write_behind), slots_(slots),
        reader_(reader) {}
  domain::Task<domain::Result<std::unique_ptr<domain::UnitOfWork>>> begin() override;
  // One prepared statement (orders LEFT JOIN order_items), no BEGIN/ROLLBACK,
  // one trip to the pool: GET /orders/{id}.
  domain::Task<domain::Result<std::optional<domain::Order>>> read_order(const domain::Uuid& id) override;

 private:
  PgPool& pool_;
  boost::asio::thread_pool& threads_;
  Step& step_;
  bool write_behind_;
  TxSlots* slots_;
  PgAsyncReader* reader_;  // read_order without the pool (serve), or nullptr
};

// GET /orders/{id} in one statement: orders LEFT JOIN order_items, one row
// per item ($1: the order id). Shared by the libpqxx path and real/pg_async.
const std::string& read_order_sql();
// The order those rows describe; cell(row, column) is a cell's text, nullptr
// for NULL. REQUIRES: rows > 0.
domain::Result<domain::Order> order_of_rows(int rows, const std::function<const char*(int, int)>& cell);

// Read-back and housekeeping for the runner (blocking).
domain::Result<void> truncate_all(pqxx::connection& c);
domain::Result<std::vector<domain::Order>> read_orders(pqxx::connection& c);
domain::Result<std::vector<RealCharge>> read_charges(pqxx::connection& c);
domain::Result<bool> order_visible(pqxx::connection& c, const domain::Uuid& id);
domain::Result<std::pair<std::size_t, std::size_t>> outbox_backlog(pqxx::connection& c);  // rows, rows above cursor
domain::Result<std::int64_t> insert_backlog(pqxx::connection& c, int rows);

}  // namespace dwsim::real
