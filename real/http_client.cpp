#include "real/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace dwsim::real::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using domain::Errc;
using domain::make_error;

domain::Result<std::pair<std::string, std::string>> parse_base_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return make_error(Errc::validation, "'" + url + "' is not an http:// URL");
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return make_error(Errc::validation, "'" + url + "' is not of the form http://host:port");
  }
  if (colon == std::string::npos) return std::pair<std::string, std::string>{rest, "80"};
  const std::string port = rest.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) {
    return make_error(Errc::validation, "'" + url + "' has a malformed port");
  }
  return std::pair<std::string, std::string>{rest.substr(0, colon), port};
}

domain::Result<ClientResponse> request(const std::string& host, const std::string& port, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::chrono::milliseconds timeout) {
  asio::io_context io;
  const std::string where = host + ":" + port;
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto found = resolver.resolve(host, port, ec);
  if (ec) return make_error(Errc::unavailable, "cannot resolve " + where + ": " + ec.message());
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  ClientResponse out;
  // Asynchronous operations run to completion here, so that the timeout applies.
  stream.async_connect(found, [&](beast::error_code e, const auto&) { ec = e; });
  io.run();
  if (ec) return make_error(Errc::unavailable, "cannot connect to " + where + ": " + ec.message());
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, host);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  io.restart();
  bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    if (!e) bhttp::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { ec = e2; });
  });
  io.run();
  if (ec == beast::error::timeout) {
    return make_error(Errc::timeout, method + " " + target + " at " + where + ": no answer within " +
                                         std::to_string(timeout.count()) + " ms");
  }
  if (ec) return make_error(Errc::unavailable, method + " " + target + " at " + where + ": " + ec.message());
  auto res = parser.release();
  out.status = res.result_int();
  out.body = std::move(res.body());
  for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return out;
}

}  // namespace dwsim::real::http
