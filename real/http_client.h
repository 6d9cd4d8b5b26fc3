// A small blocking HTTP/1.1 client on Boost.Beast, for the CLI's checks of a
// running server (smoke --http). One connection per request; never hangs
// longer than its timeout.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "domain/result.h"

namespace dwsim::real::http {

struct ClientResponse {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// "http://host:port" -> host, port. Errc::validation on anything else.
domain::Result<std::pair<std::string, std::string>> parse_base_url(const std::string& url);

// Errc::unavailable when the server cannot be reached, timeout when it does
// not answer within `timeout`.
domain::Result<ClientResponse> request(const std::string& host, const std::string& port, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::chrono::milliseconds timeout);

}  // namespace dwsim::real::http
