// GET /orders/{id} without a thread hop: libpq's asynchronous API driven by
// the world's io_context. Internal to real/.
//
// Every other statement goes through libpqxx on the world's thread pool
// (real/pg.h). A single-statement read needs no transaction, and on a small
// machine the two thread switches of a pool trip cost more than the query:
// here the io thread sends the prepared statement, awaits the socket with
// Asio, and parses the answer itself. libpqxx 6.4 has no asynchronous query
// API, so this one path uses libpq (the C library libpqxx is built on)
// directly.
//
// Connections are opened on first use (the blocking connect runs on the
// pool) and kept; at most `connections` reads are in flight. A connection
// that fails is closed; the read is retried once on a new one (a PostgreSQL
// restart), then reported as Errc::unavailable.
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/ports.h"

namespace dwsim::real {

class TxSlots;

class PgAsyncReader {
 public:
  PgAsyncReader(boost::asio::io_context& io, boost::asio::thread_pool& threads, std::string url, int connections);
  ~PgAsyncReader();
  PgAsyncReader(const PgAsyncReader&) = delete;
  PgAsyncReader& operator=(const PgAsyncReader&) = delete;

  // The order and its items, as PgDatabase::read_order returns them.
  domain::Task<domain::Result<std::optional<domain::Order>>> read_order(const domain::Uuid& id);

 private:
  struct Conn;
  domain::Task<domain::Result<std::optional<domain::Order>>> read_on(Conn& c, const std::string& id);
  domain::Task<domain::Result<std::unique_ptr<Conn>>> take();
  void give_back(std::unique_ptr<Conn> c);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& threads_;
  std::string url_;
  std::unique_ptr<TxSlots> slots_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace dwsim::real
