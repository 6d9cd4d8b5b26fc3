// An HTTP/1.1 server on Boost.Beast (Boost 1.74), one coroutine per
// connection on the caller's io_context. It knows nothing of orders: it reads
// a request within its limits, hands it to a handler coroutine, writes the
// answer and keeps the connection alive while the client wants.
//
// Limits are enforced before the handler runs: a body over `body_bytes` gets
// 413 (also when announced by Content-Length, before it is read), an
// oversized header block 431, a request that is not HTTP 400, a connection
// over `max_connections` 503. Each of those closes the connection. A client
// that sends nothing for `idle` (between requests) or takes longer than
// `read` to send one request is disconnected; so is one that does not read
// its answer within `write`.
//
// `Expect: 100-continue` is answered (or refused with 413) after the header.
//
// Shutdown (graceful): stop accepting, disconnect idle keep-alive
// connections, let every request in progress finish and be answered with
// `Connection: close`, then return.
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>

#include "domain/result.h"

namespace dwsim::real::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct Limits {
  std::size_t body_bytes = 64 * 1024;
  std::uint32_t header_bytes = 16 * 1024;
  std::chrono::milliseconds idle{30'000};   // keep-alive wait for the next request
  std::chrono::milliseconds read{10'000};   // one request, header and body
  std::chrono::milliseconds write{10'000};  // one response
  std::size_t max_connections = 1024;
};

// What the access log gets for every answered request (also those refused
// before the handler: 400, 413, 431, 503).
struct Exchange {
  std::string method;
  std::string target;
  unsigned status = 0;
  double latency_ms = 0;  // from the end of the request header to the response written
  std::string detail;     // the body of a 5xx answer (what went wrong), else empty
};

class Server {
 public:
  using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;
  using AccessLog = std::function<void(const Exchange&)>;

  Server(boost::asio::io_context& io, Limits limits, Handler handler, AccessLog log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Port 0 picks a free port. Errc::unavailable names the
  // address when it cannot be bound (in use, no permission).
  domain::Result<unsigned short> listen(const std::string& address, unsigned short port);
  // Starts accepting (a coroutine on the io_context).
  void start();
  // Graceful shutdown; returns when every connection is closed or `grace`
  // has passed (then the rest are cut).
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);

  std::size_t connections() const { return sessions_.size(); }
  std::size_t in_flight() const { return in_flight_; }

 private:
  struct Session;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  Limits limits_;
  Handler handler_;
  AccessLog log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::list<Session*> sessions_;  // live connections, in accept order
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
};

// A JSON response: status, body, Content-Type application/json.
Response json_response(unsigned status, std::string body);
// {"error":"<message>"} with the message JSON-escaped.
Response error_response(unsigned status, const std::string& message);

}  // namespace dwsim::real::http
