#include "real/pg_async.h"

#include <libpq-fe.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "real/offload.h"
#include "real/pg.h"

namespace dwsim::real {
namespace {

namespace asio = boost::asio;
using domain::Errc;
using domain::make_error;
using domain::Result;
using domain::Task;

constexpr const char* kStatement = "dwsim_read_order";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string message_of(PGconn* pg, const char* what) {
  std::string m = PQerrorMessage(pg);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return std::string("PostgreSQL ") + what + ": " + (m.empty() ? "connection lost" : m);
}

}  // namespace

struct PgAsyncReader::Conn {
  PGconn* pg = nullptr;
  std::unique_ptr<asio::posix::stream_descriptor> socket;  // watches PQsocket(pg); never closes it
  bool prepared = false;

  ~Conn() {
    if (socket) socket->release();  // libpq owns the descriptor
    if (pg != nullptr) PQfinish(pg);
  }

  // Sends what libpq buffered (the socket is non-blocking).
  Task<Result<void>> flush() {
    for (;;) {
      const int left = PQflush(pg);
      if (left == 0) co_return Result<void>{};
      if (left < 0) co_return make_error(Errc::unavailable, message_of(pg, "send"));
      boost::system::error_code ec;
      co_await socket->async_wait(asio::posix::stream_descriptor::wait_write,
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return make_error(Errc::unavailable, "PostgreSQL socket: " + ec.message());
    }
  }

  // Every result of the statement sent last; the last non-null one is kept.
  Task<Result<PgResult>> result() {
    PgResult last;
    for (;;) {
      while (PQisBusy(pg) != 0) {
        boost::system::error_code ec;
        co_await socket->async_wait(asio::posix::stream_descriptor::wait_read,
                                    asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return make_error(Errc::unavailable, "PostgreSQL socket: " + ec.message());
        if (PQconsumeInput(pg) == 0) co_return make_error(Errc::unavailable, message_of(pg, "receive"));
      }
      PGresult* r = PQgetResult(pg);
      if (r == nullptr) break;
      last.reset(r);
    }
    if (!last) co_return make_error(Errc::unavailable, message_of(pg, "result"));
    const ExecStatusType status = PQresultStatus(last.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string m = PQresultErrorMessage(last.get());
      while (!m.empty() && m.back() == '\n') m.pop_back();
      co_return make_error(PQstatus(pg) == CONNECTION_OK ? Errc::internal : Errc::unavailable, "PostgreSQL: " + m);
    }
    co_return std::move(last);
  }
};

PgAsyncReader::PgAsyncReader(asio::io_context& io, asio::thread_pool& threads, std::string url, int connections)
    : io_(io), threads_(threads), url_(std::move(url)), slots_(std::make_unique<TxSlots>(io, connections)) {}

PgAsyncReader::~PgAsyncReader() = default;

Task<Result<std::unique_ptr<PgAsyncReader::Conn>>> PgAsyncReader::take() {
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    co_return std::move(c);
  }
  // Connecting blocks (DNS, TCP, authentication): on the pool.
  const char* url = url_.c_str();
  PGconn* pg = co_await offload(threads_, [url]() { return PQconnectdb(url); });
  auto c = std::make_unique<Conn>();
  c->pg = pg;
  if (pg == nullptr || PQstatus(pg) != CONNECTION_OK) {
    co_return make_error(Errc::unavailable,
                         pg == nullptr ? std::string("cannot reach PostgreSQL") : message_of(pg, "connect"));
  }
  if (PQsetnonblocking(pg, 1) != 0) co_return make_error(Errc::unavailable, message_of(pg, "non-blocking mode"));
  c->socket = std::make_unique<asio::posix::stream_descriptor>(io_, PQsocket(pg));
  co_return std::move(c);
}

void PgAsyncReader::give_back(std::unique_ptr<Conn> c) {
  // Only a connection that is idle (no statement half-way) is kept.
  if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE) idle_.push_back(std::move(c));
}

Task<Result<std::optional<domain::Order>>> PgAsyncReader::read_on(Conn& c, const std::string& id) {
  if (!c.prepared) {
    if (PQsendPrepare(c.pg, kStatement, read_order_sql().c_str(), 1, nullptr) == 0) {
      co_return make_error(Errc::unavailable, message_of(c.pg, "prepare"));
    }
    auto sent = co_await c.flush();
    if (!sent) co_return sent.error();
    auto prepared = co_await c.result();
    if (!prepared) co_return prepared.error();
    c.prepared = true;
  }
  const char* values[1] = {id.c_str()};
  if (PQsendQueryPrepared(c.pg, kStatement, 1, values, nullptr, nullptr, 0) == 0) {
    co_return make_error(Errc::unavailable, message_of(c.pg, "query"));
  }
  auto sent = co_await c.flush();
  if (!sent) co_return sent.error();
  auto answer = co_await c.result();
  if (!answer) co_return answer.error();
  PGresult* r = answer->get();
  const int rows = PQntuples(r);
  if (rows == 0) co_return std::optional<domain::Order>{};
  auto order = order_of_rows(rows, [r](int row, int col) -> const char* {
    return PQgetisnull(r, row, col) != 0 ? nullptr : PQgetvalue(r, row, col);
  });
  if (!order) co_return order.error();
  co_return std::optional<domain::Order>{std::move(*order)};
}

Task<Result<std::optional<domain::Order>>> PgAsyncReader::read_order(const domain::Uuid& id) {
  const std::string text = id.str();
  co_await slots_->acquire();
  Result<std::optional<domain::Order>> out = make_error(Errc::unavailable, "not tried");
  // A kept connection may have died with the server (a PostgreSQL restart):
  // one retry on a new connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = co_await take();
    if (!c) {
      out = c.error();
      break;
    }
    out = co_await read_on(**c, text);
    const bool healthy = PQstatus((*c)->pg) == CONNECTION_OK;
    give_back(std::move(*c));
    if (out || healthy) break;
    // The server went away (a restart): the other kept connections are dead
    // too, so the retry connects afresh.
    idle_.clear();
  }
  slots_->release();
  co_return out;
}

}  // namespace dwsim::real
