#include "scenarios/simplify.h"

namespace dwsim::scenarios {

std::vector<Command> simplify(std::vector<Command> commands, const StillFails& still_fails) {
  const Command defaults;
  // Each candidate edit of command i; returns false when it changes nothing.
  using Edit = bool (*)(Command&, const Command&);
  static const Edit kEdits[] = {
      [](Command& c, const Command& d) { return std::exchange(c.crash, d.crash) != d.crash; },
      [](Command& c, const Command& d) { return std::exchange(c.commit, d.commit) != d.commit; },
      [](Command& c, const Command& d) { return std::exchange(c.produce, d.produce) != d.produce; },
      [](Command& c, const Command& d) { return std::exchange(c.rollback, d.rollback) != d.rollback; },
      [](Command& c, const Command& d) { return std::exchange(c.bad, d.bad) != d.bad; },
      [](Command& c, const Command& d) { return std::exchange(c.key, d.key) != d.key; },
      [](Command& c, const Command& d) { return std::exchange(c.delay_ms, d.delay_ms) != d.delay_ms; },
      [](Command& c, const Command& d) { return std::exchange(c.customer, d.customer) != d.customer; },
      [](Command& c, const Command& d) { return std::exchange(c.items, d.items) != d.items; },
      [](Command& c, const Command& d) { return std::exchange(c.order, d.order) != d.order; },
      // Smaller delays, when zero was too small.
      [](Command& c, const Command&) {
        if (c.delay_ms <= 1) return false;
        c.delay_ms /= 2;
        return true;
      },
      [](Command& c, const Command&) {
        if (c.delay_ms <= 1) return false;
        --c.delay_ms;
        return true;
      },
  };
  for (int pass = 0; pass < 16; ++pass) {
    bool changed = false;
    for (std::size_t i = 0; i < commands.size() && commands.size() > 1;) {
      auto candidate = commands;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(i));
      if (still_fails(candidate)) {
        commands = std::move(candidate);
        changed = true;
      } else {
        ++i;
      }
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
      for (Edit edit : kEdits) {
        for (int step = 0; step < 64; ++step) {
          auto candidate = commands;
          if (!edit(candidate[i], defaults) || !still_fails(candidate)) break;
          commands = std::move(candidate);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return commands;
}

}  // namespace dwsim::scenarios
