-- The example support bot's database: the "production" the demo copies, and what the example bot reads.
CREATE TABLE users (
  id          bigint PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  full_name   text NOT NULL,
  phone       text,
  locale      text NOT NULL DEFAULT 'en-GB',
  created_at  timestamptz NOT NULL
);

CREATE TABLE orders (
  id            bigint PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id),
  order_number  text NOT NULL UNIQUE,
  status        text NOT NULL CHECK (status IN ('placed', 'packed', 'shipped', 'delivered', 'returned')),
  total_cents   integer NOT NULL CHECK (total_cents >= 0),
  placed_at     timestamptz NOT NULL
);

CREATE TABLE conversations (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  channel     text NOT NULL,
  started_at  timestamptz NOT NULL
);

CREATE TABLE messages (
  id               bigint PRIMARY KEY,
  conversation_id  bigint NOT NULL REFERENCES conversations (id),
  sender           text NOT NULL CHECK (sender IN ('user', 'bot')),
  body             text NOT NULL,
  sent_at          timestamptz NOT NULL
);

CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX conversations_user_id_idx ON conversations (user_id);
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id);
