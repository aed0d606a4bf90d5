-- The calls of each (app, API) in the limiter's one-second window (pipelines/dingtalk/call_window.py):
-- admitted at `started`, in flight until `answered`, both in epoch seconds of the server's clock.
CREATE TABLE rate_calls (
    id       bigserial        PRIMARY KEY,
    key      text             NOT NULL,
    started  double precision NOT NULL,
    answered double precision
);
CREATE INDEX rate_calls_by_key ON rate_calls (key);
