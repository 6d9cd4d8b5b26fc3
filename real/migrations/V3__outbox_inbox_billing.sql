-- dwsim: item order kept as sent; the transactional outbox (bigserial ids are
-- taken at INSERT and become visible in commit order); the cursor of the
-- outbox-cursor relay; billing's inbox (unique event ids) and its effect.
ALTER TABLE order_items ADD COLUMN line_no INT NOT NULL DEFAULT 0;
CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  event_id UUID NOT NULL,
  order_id UUID NOT NULL,
  topic VARCHAR(255) NOT NULL DEFAULT 'order.created',
  payload TEXT NOT NULL,
  idempotency_key VARCHAR(255),
  created_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE TABLE relay_cursor (
  name VARCHAR(64) PRIMARY KEY,
  last_id BIGINT NOT NULL
);
INSERT INTO relay_cursor(name, last_id) VALUES ('outbox-cursor', 0);
CREATE TABLE billing_inbox (
  event_id UUID PRIMARY KEY,
  received_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE TABLE billing_charges (
  id BIGSERIAL PRIMARY KEY,
  order_id UUID NOT NULL,
  amount NUMERIC(10,2) NOT NULL,
  event_id UUID NOT NULL,
  charged_at TIMESTAMP NOT NULL DEFAULT now()
);
CREATE INDEX idx_billing_charges_order_id ON billing_charges(order_id);
