#include "real/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <nlohmann/json.hpp>

#include <iterator>

namespace dwsim::real::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// The peer went away or timed out: nothing to answer.
bool is_disconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::broken_pipe;
}

double ms_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

}  // namespace

Response json_response(unsigned status, std::string body) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

Response error_response(unsigned status, const std::string& message) {
  return json_response(status, nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                                       nlohmann::json::error_handler_t::replace));
}

struct Server::Session {
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the first byte of the next request
};

Server::Server(asio::io_context& io, Limits limits, Handler handler, AccessLog log)
    : io_(io), limits_(limits), handler_(std::move(handler)), log_(std::move(log)), acceptor_(io) {}

Server::~Server() = default;

domain::Result<unsigned short> Server::listen(const std::string& address, unsigned short port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return domain::make_error(domain::Errc::validation, "'" + address + "' is not an IP address");
  const tcp::endpoint at{ip, port};
  const std::string where = address + ":" + std::to_string(port);
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return domain::make_error(domain::Errc::unavailable, "cannot listen on " + where + ": " + ec.message());
  }
  return acceptor_.local_endpoint().port();
}

void Server::start() { asio::co_spawn(io_, accept_loop(), asio::detached); }

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (stopping_ || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors or a connection reset before accept: wait, go on.
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::serve(tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  Session self{&stream, true};
  sessions_.push_back(&self);
  const auto mine = std::prev(sessions_.end());
  struct Leave {
    std::list<Session*>& list;
    std::list<Session*>::iterator it;
    ~Leave() { list.erase(it); }
  } leave{sessions_, mine};

  // Answers a request that never reaches the handler, then closes politely:
  // half-close, read and drop what the client still sends (so the close does
  // not reset the connection before the client reads the answer).
  // Every argument is a named lvalue at the call: g++ 12 may destroy a
  // temporary of a co_await expression twice.
  auto refuse = [&](unsigned status, const std::string& method, const std::string& target,
                    const std::string& message) -> asio::awaitable<void> {
    const auto t0 = SteadyClock::now();
    Response res = error_response(status, message);
    res.keep_alive(false);
    res.prepare_payload();
    boost::system::error_code wec;
    stream.expires_after(limits_.write);
    co_await bhttp::async_write(stream, res, asio::redirect_error(use_awaitable, wec));
    log_(Exchange{method, target, status, ms_since(t0), status >= 500 ? message : std::string()});
    stream.socket().shutdown(tcp::socket::shutdown_send, wec);
    stream.expires_after(std::chrono::milliseconds(1000));
    char sink[16 * 1024];
    std::size_t dropped = 0;
    while (!wec && dropped < 4 * 1024 * 1024) {
      dropped += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, wec));
    }
  };

  if (sessions_.size() > limits_.max_connections) {
    const std::string none = "-";
    const std::string why = "too many connections (limit " + std::to_string(limits_.max_connections) + ")";
    co_await refuse(503, none, none, why);
    co_return;
  }
  const std::string too_big = "request body exceeds " + std::to_string(limits_.body_bytes) + " bytes";
  const std::string header_too_big = "request header exceeds " + std::to_string(limits_.header_bytes) + " bytes";

  beast::flat_buffer buffer;
  bool first = true;
  while (!stopping_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(limits_.body_bytes);
    parser.header_limit(limits_.header_bytes);
    self.idle = buffer.size() == 0;
    stream.expires_after(first || !self.idle ? limits_.read : limits_.idle);
    first = false;
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    self.idle = false;
    const auto t0 = SteadyClock::now();
    const auto& head = parser.get();
    std::string method(head.method_string());
    std::string target(head.target());
    if (method.empty()) method = "-";
    if (target.empty()) target = "-";
    if (ec == bhttp::error::body_limit) {
      co_await refuse(413, method, target, too_big);
      co_return;
    }
    if (ec == bhttp::error::header_limit) {
      co_await refuse(431, method, target, header_too_big);
      co_return;
    }
    if (ec) {
      if (is_disconnect(ec) || (ec == bhttp::error::partial_message && buffer.size() == 0)) break;
      const std::string why = "malformed HTTP request: " + ec.message();
      co_await refuse(400, method, target, why);
      co_return;
    }
    stream.expires_after(limits_.read);
    if (beast::iequals(head[bhttp::field::expect], "100-continue") && !parser.is_done()) {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, head.version()};
      co_await bhttp::async_write(stream, go_on, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    if (!parser.is_done()) {
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == bhttp::error::body_limit) {
        co_await refuse(413, method, target, too_big);
        co_return;
      }
      if (ec) {
        if (is_disconnect(ec)) break;
        const std::string why = "malformed HTTP request: " + ec.message();
        co_await refuse(400, method, target, why);
        co_return;
      }
    }
    Request request = parser.release();
    Response res;
    ++in_flight_;
    try {
      res = co_await handler_(request);
    } catch (const std::exception& e) {
      res = error_response(500, std::string("internal error: ") + e.what());
    }
    --in_flight_;
    res.version(request.version());
    res.keep_alive(request.keep_alive() && !stopping_);
    res.prepare_payload();
    stream.expires_after(limits_.write);
    co_await bhttp::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    Exchange done{std::move(method), std::move(target), res.result_int(), ms_since(t0), {}};
    if (done.status >= 500) done.detail = res.body().substr(0, 300);
    log_(done);
    if (ec || !res.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

asio::awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  const auto deadline = SteadyClock::now() + grace;
  asio::steady_timer tick(io_);
  bool cut = false;
  while (!sessions_.empty() && SteadyClock::now() < deadline + std::chrono::seconds(1)) {
    // Idle keep-alive connections have nothing in progress: close them now.
    // The others finish their request and close after answering it.
    for (Session* s : sessions_) {
      if (s->idle || cut) s->stream->cancel();
      if (cut) s->stream->socket().close(ec);
    }
    if (SteadyClock::now() >= deadline) cut = true;
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

}  // namespace dwsim::real::http
