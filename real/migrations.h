// Numbered SQL migrations (real/migrations/V<N>__<name>.sql), embedded in the
// binary at build time, applied in order, each in its own transaction, and
// recorded in schema_migrations with a checksum. A migration that changed
// after it was applied, or an applied version this binary does not know,
// stops the start-up: the database and the code disagree about the schema.
#pragma once

#include <string>
#include <vector>

namespace dwsim::real {

struct Migration {
  int version = 0;
  std::string name;      // file name, e.g. "V2__add_idempotency_key.sql"
  std::string sql;
  std::string checksum;  // FNV-1a 64 of the SQL text, hex
};

// Sorted by version. Defined in the generated migrations_embedded.cpp.
const std::vector<Migration>& embedded_migrations();
std::string checksum_of(const std::string& sql);

}  // namespace dwsim::real
