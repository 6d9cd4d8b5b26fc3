#include "real/pg.h"

#include <boost/asio/redirect_error.hpp>
#include <cstdlib>
#include <utility>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "real/event_codec.h"
#include "real/migrations.h"
#include "real/offload.h"
#include "real/pg_async.h"

namespace dwsim::real {
namespace {

using domain::Errc;
using domain::make_error;
using domain::Result;
using domain::Task;
using domain::Uuid;

// Microseconds since the epoch <-> TIMESTAMP, exactly (no floating point).
constexpr const char* kTsIn = "(TIMESTAMP '1970-01-01' + ($%d::bigint * INTERVAL '1 microsecond'))";

std::string ts_in(int param) {
  char buf[96];
  std::snprintf(buf, sizeof buf, kTsIn, param);
  return buf;
}

std::string with_timeout(const std::string& url, std::chrono::milliseconds t) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  const auto secs = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(t).count());
  const char sep = url.find('?') == std::string::npos ? '?' : '&';
  // keepalives make a dead server visible on an idle connection too.
  return url + sep + "connect_timeout=" + std::to_string(secs) + "&keepalives_idle=5&keepalives_interval=2";
}

Result<domain::Money> money_of(const pqxx::field& f) { return domain::Money::parse(f.c_str()); }

Uuid uuid_of(const pqxx::field& f) { return Uuid::parse(f.c_str()).value_or(Uuid{}); }

Result<std::vector<domain::OrderItem>> load_items(pqxx::transaction_base& tx, const Uuid& order_id) {
  std::vector<domain::OrderItem> items;
  const auto rows = tx.exec_params(
      "SELECT product_id::text, quantity, unit_price::text FROM order_items WHERE order_id = $1::uuid "
      "ORDER BY line_no",
      order_id.str());
  for (const auto& row : rows) {
    auto price = money_of(row[2]);
    if (!price) return price.error();
    items.push_back(domain::OrderItem{uuid_of(row[0]), row[1].as<std::int32_t>(), *price});
  }
  return items;
}

constexpr const char* kOrderColumns =
    "id::text, customer_id::text, status, total::text, (extract(epoch from created_at) * 1000000)::bigint, "
    "(extract(epoch from updated_at) * 1000000)::bigint, idempotency_key";

Result<domain::Order> order_of(pqxx::transaction_base& tx, const pqxx::row& row) {
  const Uuid id = uuid_of(row[0]);
  auto total = money_of(row[3]);
  if (!total) return total.error();
  auto items = load_items(tx, id);
  if (!items) return items.error();
  std::optional<std::string> key;
  if (!row[6].is_null()) key = row[6].c_str();
  const auto status =
      std::string_view(row[2].c_str()) == "CANCELLED" ? domain::OrderStatus::cancelled : domain::OrderStatus::created;
  return domain::Order::restore(id, uuid_of(row[1]), status, std::move(*items), *total,
                                domain::Timestamp{row[4].as<std::int64_t>()},
                                domain::Timestamp{row[5].as<std::int64_t>()}, std::move(key));
}

// A hot statement as a prepared statement of its connection: parsed and
// planned once per connection (registered here, PREPAREd at first use).
template <typename... Args>
pqxx::result exec_hot(pqxx::transaction_base& tx, const char* name, const std::string& sql, Args&&... args) {
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

void insert_order(pqxx::transaction_base& tx, const domain::Order& o) {
  static const std::string insert_order_sql =
      "INSERT INTO orders(id, customer_id, status, total, created_at, updated_at, idempotency_key) "
      "VALUES ($1::uuid, $2::uuid, $3, $4::numeric, " + ts_in(5) + ", " + ts_in(6) + ", NULLIF($7, ''))";
  static const std::string insert_item_sql =
      "INSERT INTO order_items(order_id, product_id, quantity, unit_price, line_no) "
      "VALUES ($1::uuid, $2::uuid, $3, $4::numeric, $5)";
  exec_hot(tx, "dwsim_insert_order", insert_order_sql, o.id().str(), o.customer_id().str(),
           domain::status_name(o.status()), o.total().str(), o.created_at().us, o.updated_at().us,
           o.idempotency_key().value_or(""));
  int line = 0;
  for (const auto& item : o.items()) {
    exec_hot(tx, "dwsim_insert_item", insert_item_sql, o.id().str(), item.product_id.str(), item.quantity,
             item.unit_price.str(), line++);
  }
}

Result<std::vector<domain::OutboxRow>> rows_of(const pqxx::result& r) {
  std::vector<domain::OutboxRow> rows;
  rows.reserve(r.size());
  for (const auto& row : r) {
    auto payload = decode_created(row[1].c_str());
    auto* event = std::get_if<domain::OrderCreatedEvent>(&payload);
    if (event == nullptr) {
      return make_error(Errc::internal, "outbox row " + std::string(row[0].c_str()) + " holds a malformed event: " +
                                            std::get<domain::MalformedEvent>(payload).reason);
    }
    if (!row[2].is_null()) event->idempotency_key = row[2].c_str();
    rows.push_back(domain::OutboxRow{row[0].as<std::int64_t>(), std::move(*event)});
  }
  return rows;
}

// One transaction on one pooled connection; the repositories of the unit of
// work are this object's faces.
class PgUnitOfWork final : public domain::UnitOfWork,
                           public domain::OrderRepository,
                           public domain::Outbox,
                           public domain::Billing {
 public:
  // BEGIN is lazy: the unit takes a pooled connection and sends BEGIN with
  // its first statement, in the same trip to the pool (READ COMMITTED takes
  // a snapshot per statement, so nothing observable moves).
  PgUnitOfWork(PgPool& pool, boost::asio::thread_pool& threads, Step& step, bool write_behind, TxSlots* slot)
      : pool_(pool), threads_(threads), step_(step), write_behind_(write_behind), slot_(slot) {}

  // An unfinished unit (its process crashed, or a caller forgot): the
  // connection is closed and the server rolls the transaction back.
  ~PgUnitOfWork() override {
    tx_.reset();
    conn_.reset();
    free_slot();
  }

  // BEGIN now rather than with the first statement.
  Task<Result<void>> begin_now() {
    co_return co_await run([]() -> Result<void> { return {}; });
  }

  domain::OrderRepository& orders() override { return *this; }
  domain::Outbox& outbox() override { return *this; }
  domain::Billing& billing() override { return *this; }

  // --- OrderRepository
  Task<Result<void>> save(const domain::Order& order) override {
    if (write_behind_) {
      step_.note("repository.save(order " + order.id().short_str() + ")  [deferred until flush]");
      buffered_.push_back(order);
      co_return Result<void>{};
    }
    step_.note("INSERT INTO orders " + order.id().short_str());
    co_return co_await run([&]() -> Result<void> {
      insert_order(*tx_, order);
      return {};
    });
  }

  Task<Result<void>> update(const domain::Order& o) override {
    step_.note("UPDATE orders SET status=" + std::string(domain::status_name(o.status())) + " " + o.id().short_str());
    co_return co_await run([&]() -> Result<void> {
      tx_->exec_params("UPDATE orders SET status = $2, updated_at = " + ts_in(3) + " WHERE id = $1::uuid",
                       o.id().str(), domain::status_name(o.status()), o.updated_at().us);
      return {};
    });
  }

  Task<Result<std::optional<domain::Order>>> find(const Uuid& id) override {
    co_return co_await run([&]() -> Result<std::optional<domain::Order>> {
      const auto r = tx_->exec_params(std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = $1::uuid",
                                      id.str());
      if (r.empty()) return std::optional<domain::Order>{};
      auto order = order_of(*tx_, r[0]);
      if (!order) return order.error();
      return std::optional<domain::Order>{std::move(*order)};
    });
  }

  Task<Result<std::optional<Uuid>>> find_by_idempotency_key(const std::string& key) override {
    co_return co_await run([&]() -> Result<std::optional<Uuid>> {
      const auto r = exec_hot(*tx_, "dwsim_find_key", "SELECT id::text FROM orders WHERE idempotency_key = $1", key);
      if (r.empty()) return std::optional<Uuid>{};
      return std::optional<Uuid>{uuid_of(r[0][0])};
    });
  }

  // --- Outbox
  Task<Result<void>> append(const domain::OrderCreatedEvent& e) override {
    step_.note("INSERT INTO outbox (order.created " + e.order_id.short_str() + ")");
    co_return co_await run([&]() -> Result<void> {
      exec_hot(*tx_, "dwsim_insert_outbox",
               "INSERT INTO outbox(event_id, order_id, payload, idempotency_key) "
               "VALUES ($1::uuid, $2::uuid, $3, NULLIF($4, ''))",
               e.event_id.str(), e.order_id.str(), encode_created(e), e.idempotency_key.value_or(""));
      return {};
    });
  }

  Task<Result<std::vector<domain::OutboxRow>>> claim(int limit) override {
    auto rows = co_await run([&]() -> Result<std::vector<domain::OutboxRow>> {
      return rows_of(tx_->exec_params(
          "SELECT id, payload, idempotency_key FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", limit));
    });
    if (rows && !rows->empty()) step_.note("claimed " + std::to_string(rows->size()) + " outbox rows (SKIP LOCKED)");
    co_return rows;
  }

  Task<Result<void>> remove(std::int64_t id) override {
    step_.note("DELETE FROM outbox WHERE id=" + std::to_string(id));
    co_return co_await run([&]() -> Result<void> {
      tx_->exec_params("DELETE FROM outbox WHERE id = $1", id);
      return {};
    });
  }

  Task<Result<void>> remove_all(const std::vector<std::int64_t>& ids) override {
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) array += (i ? "," : "") + std::to_string(ids[i]);
    array += "}";
    step_.note("DELETE FROM outbox WHERE id = ANY(" + std::to_string(ids.size()) + " ids)");
    const std::string* arr = &array;
    co_return co_await run([arr, this]() -> Result<void> {
      tx_->exec_params("DELETE FROM outbox WHERE id = ANY($1::bigint[])", *arr);
      return {};
    });
  }

  Task<Result<std::vector<domain::OutboxRow>>> read_after(std::int64_t cursor, int limit) override {
    auto rows = co_await run([&]() -> Result<std::vector<domain::OutboxRow>> {
      return rows_of(tx_->exec_params(
          "SELECT id, payload, idempotency_key FROM outbox WHERE id > $1 ORDER BY id LIMIT $2", cursor, limit));
    });
    if (rows && !rows->empty()) {
      step_.note("read " + std::to_string(rows->size()) + " outbox rows with id > " + std::to_string(cursor));
    }
    co_return rows;
  }

  Task<Result<std::int64_t>> load_cursor() override {
    co_return co_await run([&]() -> Result<std::int64_t> {
      const auto r = tx_->exec("SELECT last_id FROM relay_cursor WHERE name = 'outbox-cursor'");
      return r.empty() ? std::int64_t{0} : r[0][0].as<std::int64_t>();
    });
  }

  Task<Result<void>> store_cursor(std::int64_t cursor) override {
    step_.note("UPDATE relay_cursor SET last_id=" + std::to_string(cursor));
    co_return co_await run([&]() -> Result<void> {
      tx_->exec_params("UPDATE relay_cursor SET last_id = $1 WHERE name = 'outbox-cursor'", cursor);
      return {};
    });
  }

  // --- Billing
  Task<Result<bool>> record_inbox(const Uuid& event_id) override {
    auto fresh = co_await run([&]() -> Result<bool> {
      const auto r = tx_->exec_params(
          "INSERT INTO billing_inbox(event_id) VALUES ($1::uuid) ON CONFLICT DO NOTHING", event_id.str());
      return r.affected_rows() == 1;
    });
    if (fresh) step_.note(*fresh ? "INSERT INTO billing_inbox " + event_id.short_str()
                                 : "inbox: event " + event_id.short_str() + " already handled");
    co_return fresh;
  }

  Task<Result<void>> charge(const Uuid& order_id, domain::Money amount, const Uuid& event_id) override {
    step_.note("charge order " + order_id.short_str() + " " + amount.str());
    co_return co_await run([&]() -> Result<void> {
      tx_->exec_params("INSERT INTO billing_charges(order_id, amount, event_id) VALUES ($1::uuid, $2::numeric, $3::uuid)",
                       order_id.str(), amount.str(), event_id.str());
      return {};
    });
  }

  // --- UnitOfWork
  Task<Result<void>> commit() override {
    if (!open_) co_return make_error(Errc::aborted, "the transaction is no longer open");
    if (step_.faults().delay.count() > 0) {
      step_.note("commit delayed " + std::to_string(step_.faults().delay.count()) + "ms");
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, step_.faults().delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    if (!buffered_.empty()) {
      // The ORM's flush, just before COMMIT: the unique index fires here,
      // after the event has already left.
      auto flushed = co_await run([&]() -> Result<void> {
        for (const auto& o : buffered_) insert_order(*tx_, o);
        return {};
      });
      for (const auto& o : buffered_) step_.note("flush: INSERT INTO orders " + o.id().short_str());
      buffered_.clear();
      if (!flushed) {
        step_.note("flush failed: " + flushed.error().message);
        co_await rollback();
        co_return flushed;
      }
    }
    const CommitFault fault = step_.take_commit_fault();
    step_.check();
    auto result = co_await offload(threads_, [this, fault]() -> Result<void> {
      if (auto started = start(); !started) return started;
      return commit_now(fault);
    });
    finish(result.has_value() && fault == CommitFault::none);
    step_.check();
    step_.note(result ? "COMMIT" : "COMMIT -> " + std::string(domain::errc_name(result.error().code)) + ": " +
                                       result.error().message);
    co_return result;
  }

  Task<void> rollback() override {
    if (!open_) co_return;
    if (!tx_) {  // nothing was sent: nothing to roll back
      finish(false);
      co_return;
    }
    const bool healthy = co_await offload(threads_, [this]() -> bool {
      try {
        tx_->abort();
        return conn_->is_open();
      } catch (const std::exception&) {
        return false;
      }
    });
    step_.note("ROLLBACK");
    finish(healthy);
  }

 private:
  template <typename F>
  auto run(F f) -> Task<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    if (!open_) co_return R(make_error(Errc::aborted, "the transaction is no longer open"));
    step_.check();
    R r = co_await offload(threads_, [this, f = std::move(f)]() mutable -> R {
      if (auto started = start(); !started) return R(started.error());
      try {
        return f();
      } catch (const std::exception& e) {
        return R(translate_pg(e));
      }
    });
    step_.check();
    co_return r;
  }

  Result<void> commit_now(CommitFault fault) {
    try {
      switch (fault) {
        case CommitFault::none: tx_->commit(); return {};
        case CommitFault::fail:
          // The server raises an error inside the transaction: it can only
          // roll back (a clean failure the caller learns about).
          try {
            tx_->exec("DO $$BEGIN RAISE EXCEPTION 'dwsim: injected failure before COMMIT'; END$$");
          } catch (const pqxx::sql_error& e) {
            tx_->abort();
            return make_error(Errc::aborted, std::string("commit failed, rolled back: ") + e.what());
          }
          tx_->commit();
          return make_error(Errc::internal, "the injected commit failure did not fail");
        case CommitFault::lost: {
          // The connection really dies before COMMIT: the server rolls back.
          auto admin = pool_.connect();
          if (!admin) return admin.error();
          pqxx::nontransaction killer(**admin);
          killer.exec_params("SELECT pg_terminate_backend($1)", conn_->backendpid());
          tx_->commit();  // throws broken_connection
          return make_error(Errc::internal, "COMMIT succeeded on a terminated connection");
        }
        case CommitFault::ambiguous:
          // The COMMIT is applied; its answer is lost on the way back.
          tx_->commit();
          return make_error(Errc::ambiguous, "connection lost after COMMIT was sent: outcome unknown");
      }
    } catch (const std::exception& e) {
      return translate_pg(e);
    }
    return make_error(Errc::internal, "unknown commit fault");
  }

  // On a pool thread: takes a connection and sends BEGIN, once. A pooled
  // connection may have died with the server (a PostgreSQL restart): on a
  // broken connection, reconnect once (nothing of this unit was sent yet).
  Result<void> start() {
    if (tx_) return {};
    for (int attempt = 0;; ++attempt) {
      auto conn = attempt == 0 ? pool_.acquire() : pool_.connect();
      if (!conn) return conn.error();
      try {
        tx_ = std::make_unique<pqxx::work>(**conn);
        conn_ = std::move(*conn);
        return {};
      } catch (const pqxx::broken_connection& e) {
        if (attempt > 0) return translate_pg(e);
      } catch (const std::exception& e) {
        return translate_pg(e);
      }
    }
  }

  void finish(bool reusable) {
    open_ = false;
    tx_.reset();
    if (reusable && conn_ && conn_->is_open()) pool_.release(std::move(conn_));
    conn_.reset();
    free_slot();
  }

  // On the io thread (finish() runs after an await; the destructor where the
  // use case drops the unit).
  void free_slot() {
    if (slot_ != nullptr) std::exchange(slot_, nullptr)->release();
  }

  PgPool& pool_;
  boost::asio::thread_pool& threads_;
  Step& step_;
  bool write_behind_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::vector<domain::Order> buffered_;
  TxSlots* slot_;  // held while the transaction is open (nullptr: unbounded or released)
  bool open_ = true;
};

}  // namespace

domain::Error translate_pg(const std::exception& e) {
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) return make_error(Errc::conflict, e.what());
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) return make_error(Errc::ambiguous, e.what());
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return make_error(Errc::unavailable, std::string("PostgreSQL connection lost: ") + e.what());
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) return make_error(Errc::aborted, e.what());
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e)) return make_error(Errc::conflict, e.what());
  return make_error(Errc::internal, std::string("PostgreSQL: ") + e.what());
}

PgPool::PgPool(std::string url, std::chrono::milliseconds connect_timeout)
    : url_(with_timeout(url, connect_timeout)) {}

Result<std::unique_ptr<pqxx::connection>> PgPool::connect() {
  try {
    return std::make_unique<pqxx::connection>(url_);
  } catch (const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    return make_error(Errc::unavailable, "cannot reach PostgreSQL: " + what);
  }
}

Result<std::unique_ptr<pqxx::connection>> PgPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->is_open()) return c;
    }
  }
  return connect();
}

void PgPool::release(std::unique_ptr<pqxx::connection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < 64) idle_.push_back(std::move(c));
}

Task<void> TxSlots::acquire() {
  if (free_ > 0) {
    --free_;
    co_return;
  }
  auto wake = std::make_shared<boost::asio::steady_timer>(io_, boost::asio::steady_timer::time_point::max());
  waiting_.push_back(wake);
  boost::system::error_code ec;
  co_await wake->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  // Cancelled by release(): the slot was handed over.
}

void TxSlots::release() {
  if (waiting_.empty()) {
    ++free_;
    return;
  }
  auto next = std::move(waiting_.front());
  waiting_.pop_front();
  next->cancel();
}

Task<Result<std::unique_ptr<domain::UnitOfWork>>> PgDatabase::begin() {
  if (slots_ != nullptr) co_await slots_->acquire();
  if (step_.incarnation_changed() && slots_ != nullptr) slots_->release();  // crashed while waiting
  step_.check();
  auto unit = std::make_unique<PgUnitOfWork>(pool_, threads_, step_, write_behind_, slots_);
  if (write_behind_) {
    // The seed's @Transactional takes its connection (and BEGINs) when the
    // method starts: with PostgreSQL down it fails before anything is
    // published. A write-behind unit has no statement before its flush, so
    // it begins now.
    auto started = co_await unit->begin_now();
    if (!started) {
      step_.note("BEGIN -> " + started.error().message);
      co_return started.error();  // the unit's destructor gives the slot back
    }
  }
  co_return std::unique_ptr<domain::UnitOfWork>(std::move(unit));
}

const std::string& read_order_sql() {
  static const std::string sql =
      "SELECT o.id::text, o.customer_id::text, o.status, o.total::text, "
      "(extract(epoch from o.created_at) * 1000000)::bigint, (extract(epoch from o.updated_at) * 1000000)::bigint, "
      "o.idempotency_key, i.product_id::text, i.quantity, i.unit_price::text "
      "FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = $1::uuid ORDER BY i.line_no";
  return sql;
}

Result<domain::Order> order_of_rows(int rows, const std::function<const char*(int, int)>& cell) {
  auto text = [&](int r, int c) -> std::string_view {
    const char* v = cell(r, c);
    return v == nullptr ? std::string_view() : std::string_view(v);
  };
  auto total = domain::Money::parse(text(0, 3));
  if (!total) return total.error();
  std::vector<domain::OrderItem> items;
  items.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    if (cell(r, 7) == nullptr) continue;  // an order without items
    auto price = domain::Money::parse(text(r, 9));
    if (!price) return price.error();
    items.push_back(domain::OrderItem{Uuid::parse(text(r, 7)).value_or(Uuid{}),
                                      static_cast<std::int32_t>(std::strtol(cell(r, 8), nullptr, 10)), *price});
  }
  std::optional<std::string> key;
  if (cell(0, 6) != nullptr) key = std::string(text(0, 6));
  const auto status = text(0, 2) == "CANCELLED" ? domain::OrderStatus::cancelled : domain::OrderStatus::created;
  return domain::Order::restore(Uuid::parse(text(0, 0)).value_or(Uuid{}), Uuid::parse(text(0, 1)).value_or(Uuid{}),
                                status, std::move(items), *total,
                                domain::Timestamp{std::strtoll(cell(0, 4), nullptr, 10)},
                                domain::Timestamp{std::strtoll(cell(0, 5), nullptr, 10)}, std::move(key));
}

Task<Result<std::optional<domain::Order>>> PgDatabase::read_order(const Uuid& id) {
  if (reader_ != nullptr) co_return co_await reader_->read_order(id);
  using Found = Result<std::optional<domain::Order>>;
  const Uuid* wanted = &id;
  auto found = co_await offload(threads_, [this, wanted]() -> Found {
    for (int attempt = 0;; ++attempt) {
      auto conn = attempt == 0 ? pool_.acquire() : pool_.connect();
      if (!conn) return conn.error();
      try {
        // Registered per connection; PREPAREd on the server at first use.
        (*conn)->prepare("dwsim_read_order", read_order_sql());
        pqxx::result rows;
        {
          pqxx::nontransaction tx(**conn);  // ends before the connection goes back to the pool
          rows = tx.exec_prepared("dwsim_read_order", wanted->str());
        }
        Found out = std::optional<domain::Order>{};
        if (!rows.empty()) {
          auto order = order_of_rows(static_cast<int>(rows.size()), [&rows](int r, int c) -> const char* {
            const pqxx::field f = rows[static_cast<pqxx::result::size_type>(r)][c];
            return f.is_null() ? nullptr : f.c_str();
          });
          if (!order) {
            out = order.error();
          } else {
            out = std::optional<domain::Order>{std::move(*order)};
          }
        }
        pool_.release(std::move(*conn));
        return out;
      } catch (const pqxx::broken_connection& e) {
        if (attempt > 0) return translate_pg(e);  // a pooled connection died with a restart: reconnect once
      } catch (const std::exception& e) {
        return translate_pg(e);
      }
    }
  });
  step_.check();
  step_.note(found ? (found->has_value() ? "SELECT order " + id.short_str() : "SELECT order: none")
                   : "SELECT order -> " + found.error().message);
  co_return found;
}

Result<int> migrate(pqxx::connection& c) {
  int applied = 0;
  try {
    {
      pqxx::work tx(c);
      tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, "
              "checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      tx.commit();
    }
    pqxx::work tx(c);
    tx.exec("SELECT pg_advisory_xact_lock(727274001)");  // one migrator at a time
    std::map<int, std::pair<std::string, std::string>> recorded;
    for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
      recorded[row[0].as<int>()] = {row[1].c_str(), row[2].c_str()};
    }
    const auto& known = embedded_migrations();
    for (const auto& [version, entry] : recorded) {
      auto it = std::find_if(known.begin(), known.end(), [v = version](const Migration& m) { return m.version == v; });
      if (it == known.end()) {
        return make_error(Errc::internal, "migration " + entry.first +
                                              " is applied in the database but unknown to this dwsim; refusing to start");
      }
      if (it->checksum != entry.second) {
        return make_error(Errc::internal, "migration " + entry.first + " changed after it was applied (checksum " +
                                              it->checksum + ", recorded " + entry.second + "); refusing to start");
      }
    }
    for (const Migration& m : known) {
      if (recorded.count(m.version)) continue;
      try {
        tx.exec(m.sql);
      } catch (const std::exception& e) {
        return make_error(Errc::internal, "migration " + m.name + " failed: " + e.what());
      }
      tx.exec_params("INSERT INTO schema_migrations(version, name, checksum) VALUES ($1, $2, $3)", m.version, m.name,
                     m.checksum);
      ++applied;
    }
    tx.commit();
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
  return applied;
}

Result<void> truncate_all(pqxx::connection& c) {
  try {
    pqxx::work tx(c);
    tx.exec("TRUNCATE order_items, orders, outbox, billing_inbox, billing_charges");
    tx.exec("UPDATE relay_cursor SET last_id = 0");
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

Result<std::vector<domain::Order>> read_orders(pqxx::connection& c) {
  try {
    pqxx::work tx(c);
    std::vector<domain::Order> out;
    for (const auto& row : tx.exec(std::string("SELECT ") + kOrderColumns + " FROM orders ORDER BY created_at, id")) {
      auto o = order_of(tx, row);
      if (!o) return o.error();
      out.push_back(std::move(*o));
    }
    return out;
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

Result<std::vector<RealCharge>> read_charges(pqxx::connection& c) {
  try {
    pqxx::work tx(c);
    std::vector<RealCharge> out;
    for (const auto& row : tx.exec("SELECT order_id::text, amount::text, (extract(epoch from charged_at) * 1000000)::bigint "
                                   "FROM billing_charges ORDER BY id")) {
      auto amount = money_of(row[1]);
      if (!amount) return amount.error();
      out.push_back(RealCharge{uuid_of(row[0]), *amount, row[2].as<std::int64_t>()});
    }
    return out;
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

Result<bool> order_visible(pqxx::connection& c, const Uuid& id) {
  try {
    pqxx::nontransaction tx(c);
    return !tx.exec_params("SELECT 1 FROM orders WHERE id = $1::uuid", id.str()).empty();
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

Result<std::int64_t> insert_backlog(pqxx::connection& c, int rows) {
  try {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "INSERT INTO outbox(event_id, order_id, payload) "
        "SELECT e, o, format('{\"eventId\":\"%s\",\"orderId\":\"%s\",\"customerId\":"
        "\"550e8400-e29b-41d4-a716-446655440000\",\"totalAmount\":299.90,\"items\":[{\"productId\":"
        "\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\",\"quantity\":2,\"unitPrice\":149.95}],"
        "\"occurredAt\":\"2026-02-21T10:00:00Z\"}', e, o) "
        "FROM (SELECT gen_random_uuid() AS e, gen_random_uuid() AS o FROM generate_series(1, $1)) s",
        rows);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

Result<std::pair<std::size_t, std::size_t>> outbox_backlog(pqxx::connection& c) {
  try {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec1("SELECT count(*) FROM outbox")[0].as<std::size_t>();
    const auto above = tx.exec1("SELECT count(*) FROM outbox WHERE id > (SELECT last_id FROM relay_cursor "
                                "WHERE name = 'outbox-cursor')")[0]
                           .as<std::size_t>();
    return std::pair<std::size_t, std::size_t>{rows, above};
  } catch (const std::exception& e) {
    return translate_pg(e);
  }
}

}  // namespace dwsim::real
