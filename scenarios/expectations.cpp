#include "scenarios/expectations.h"

namespace dwsim::scenarios {

using domain::ConsumerKind;
using domain::Variant;

Expectation expected(Variant v, ConsumerKind c, Invariant i) {
  const Expectation hold{Verdict::holds, 0, ""};
  switch (i) {
    case Invariant::lost_event:
      switch (v) {
        case Variant::dual_write:
          return {Verdict::violated, 2, "broker down during the create: the publish error is swallowed, the commit succeeds"};
        case Variant::publish_after_commit:
          return {Verdict::violated, 2, "the publish follows COMMIT: a crash, a failed publish or an ambiguous COMMIT skips it"};
        case Variant::outbox_cursor:
          return {Verdict::violated, 4, "a lower outbox id commits after the relay moved its cursor past a higher one"};
        case Variant::outbox:
          return {Verdict::holds, 0, "the row commits with the order; the relay deletes it only after a delivery report"};
        case Variant::outbox_mark_before_ack:
          return {Verdict::violated, 3, "canary: the row is deleted and committed before the publish, which then fails"};
      }
      break;
    case Invariant::phantom_event:
      if (v == Variant::dual_write) {
        return {Verdict::violated, 2, "the event leaves before COMMIT; a rollback, crash or unique violation at flush follows"};
      }
      return {Verdict::holds, 0, "nothing is published for a transaction that has not committed"};
    case Invariant::duplicate_event:
      if (v == Variant::outbox_mark_before_ack) {
        return {Verdict::holds, 0, "canary: each row is published at most once, since it is gone before the publish"};
      }
      if (uses_outbox(v)) {
        return {Verdict::violated, 3, "at-least-once relay: published, then crashed or failed to commit the mark (delete / cursor)"};
      }
      return {Verdict::holds, 0, "the service publishes each event once; producer retries are deduplicated by idempotence"};
    case Invariant::exactly_once_effect:
      if (v == Variant::outbox && c == ConsumerKind::inbox) {
        return {Verdict::holds, 0, "every committed order is published, and the inbox makes redelivery harmless"};
      }
      if (v == Variant::outbox) {
        return {Verdict::violated, 3, "a duplicate or a redelivered record is applied twice by a consumer without an inbox"};
      }
      return {Verdict::violated, 3, "lost or phantom events: a committed order is charged zero times, or a missing one is charged"};
    case Invariant::acknowledged_durable:
      return {Verdict::holds, 0, "every variant answers 201 only after COMMIT succeeded"};
    case Invariant::idempotent_create:
      if (v == Variant::dual_write) {
        return {Verdict::violated, 3, "the natural phantom: a retry with the same key publishes, then fails at flush"};
      }
      return {Verdict::holds, 0, "the key is checked first and the unique index resolves races before anything is published"};
    case Invariant::early_event:
      if (v == Variant::dual_write) {
        return {Verdict::violated, 3, "the event is consumable while the order's transaction is still open"};
      }
      return {Verdict::holds, 0, "the event becomes visible only after the order committed"};
    case Invariant::liveness:
      return {Verdict::holds, 0, "after healing, the relay and consumers drain everything within the bound"};
  }
  return hold;
}

}  // namespace dwsim::scenarios
