-- The first schema: every store the service has (users, sessions, revocations, throttle
-- counters) and the change notifications replicas keep their caches by.
-- Applied by node-pg-migrate (src/data-access/postgres/migrations.ts) in one transaction.
-- Times are written by the service's clock, never now(): every replica and every test
-- then agrees on one notion of "now".

-- Up Migration

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- As registered (RFC 8265 prepared, case kept): shown to the user and used as `sub`.
  username text NOT NULL,
  -- The prepared name case-folded: the one unique lookup key (case-insensitive duplicates).
  username_key text NOT NULL UNIQUE,
  -- UTS #39 skeletons as the service computed them; uniqueness lives in user_skeletons.
  skeletons text[] NOT NULL,
  -- PHC-format argon2id; never a password.
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  password_changed_at timestamptz NOT NULL
);

-- No two accounts share a confusable skeleton (look-alike names).
CREATE TABLE user_skeletons (
  skeleton text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_skeletons_user_id ON user_skeletons (user_id);

-- One row per session (refresh-token family, RFC 9700 §4.14.2). Refresh tokens are stored
-- only as SHA-256 digests.
CREATE TABLE sessions (
  id text PRIMARY KEY,
  username_key text NOT NULL,
  -- The digest of the one refresh token that may be used next.
  current_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  client_address text NOT NULL,
  user_agent text
);
CREATE INDEX sessions_username_key ON sessions (username_key, last_used_at DESC);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Digests a session has consumed: presenting one again is reuse and ends the session.
CREATE TABLE consumed_refresh_tokens (
  hash text PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX consumed_refresh_tokens_session_id ON consumed_refresh_tokens (session_id);

-- Revoked access tokens by jti (RFC 7009), until they would have expired anyway.
CREATE TABLE revoked_tokens (
  jti text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- Fixed-window throttle counters; keys are fixed-size digests.
CREATE TABLE attempt_counters (
  key text PRIMARY KEY,
  count integer NOT NULL CHECK (count >= 0),
  reset_at timestamptz NOT NULL
);
CREATE INDEX attempt_counters_reset_at ON attempt_counters (reset_at);

-- Change notifications (channel auth_changes, payload '<kind>:<key>'): each replica caches
-- what the request path reads (sessions by id, users by key, revocations by jti) and drops
-- an entry when another replica changes it. Delivered at commit.
CREATE FUNCTION auth_notify_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_changes', 's:' || OLD.id);
  RETURN NULL;
END $$;
CREATE TRIGGER sessions_notify AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION auth_notify_session_ended();

CREATE FUNCTION auth_notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('auth_changes', 'u:' || OLD.username_key);
  ELSE
    PERFORM pg_notify('auth_changes', 'u:' || NEW.username_key);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER users_notify AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION auth_notify_user_changed();

CREATE FUNCTION auth_notify_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_changes', 'r:' || NEW.jti);
  RETURN NULL;
END $$;
CREATE TRIGGER revoked_tokens_notify AFTER INSERT ON revoked_tokens
  FOR EACH ROW EXECUTE FUNCTION auth_notify_token_revoked();

-- Down Migration

DROP TABLE attempt_counters;
DROP TABLE revoked_tokens;
DROP TABLE consumed_refresh_tokens;
DROP TABLE sessions;
DROP TABLE user_skeletons;
DROP TABLE users;
DROP FUNCTION auth_notify_token_revoked();
DROP FUNCTION auth_notify_user_changed();
DROP FUNCTION auth_notify_session_ended();
