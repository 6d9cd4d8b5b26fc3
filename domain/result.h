// Result<T>: the error channel of the domain and every port, shaped like
// std::expected (C++23 is not on g++ 12). Errors carry a code a caller can act
// on and a message for people. Adapters translate vendor errors into these
// codes at the boundary, so nothing vendor-specific leaks inward.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace dwsim::domain {

enum class Errc {
  validation,   // the request is malformed; the client gets 400 and nothing was written
  not_found,    // the entity does not exist
  conflict,     // a unique constraint (idempotency key, inbox event id) was violated
  unavailable,  // the database or broker could not be reached; nothing was applied
  timeout,      // the operation did not complete in time; whether it applied is unknown
  ambiguous,    // the operation may have been applied (commit sent, answer lost)
  aborted,      // the transaction was rolled back by the server
  internal,     // a programmer error surfaced as a value
};

const char* errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like expected
  Result(Error error) : v_(std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}

  bool has_value() const { return !e_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const Error& error() const {
    assert(e_.has_value());
    return *e_;
  }

 private:
  std::optional<Error> e_;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace dwsim::domain
