-- The five state stores (the same tables as the SQLite files, in one database).
-- Times are epoch milliseconds (bigint) like the SQLite stores, taken from the server's clock.

CREATE TABLE events (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text   NOT NULL UNIQUE,
    event_type     text   NOT NULL,
    born_at_ms     bigint NOT NULL,
    received_at_ms bigint NOT NULL,
    source         text   NOT NULL CHECK (source IN ('stream', 'failed_push')),
    corp_id        text,
    message_id     text,
    payload        text   NOT NULL,
    headers        text   NOT NULL
);
CREATE INDEX events_type_born ON events (event_type, born_at_ms);

CREATE TABLE duplicates (
    event_id     text   PRIMARY KEY,
    count        bigint NOT NULL,
    last_seen_ms bigint NOT NULL
);

CREATE TABLE quarantine (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    raw_sha256     text   NOT NULL UNIQUE,
    raw            text   NOT NULL,
    reason         text   NOT NULL,
    message_id     text,
    received_at_ms bigint NOT NULL,
    count          bigint NOT NULL DEFAULT 1
);

CREATE TABLE connections (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listener_id        text   NOT NULL,
    pid                bigint NOT NULL,
    connected_at_ms    bigint NOT NULL,
    last_seen_ms       bigint NOT NULL,
    disconnected_at_ms bigint,
    reason             text
);
CREATE INDEX connections_open ON connections (id) WHERE disconnected_at_ms IS NULL;

CREATE TABLE gaps (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    start_ms      bigint NOT NULL,
    end_ms        bigint NOT NULL,
    reason        text   NOT NULL,
    created_at_ms bigint NOT NULL
);

CREATE TABLE cursors (
    consumer      text   PRIMARY KEY,
    seq           bigint NOT NULL,
    updated_at_ms bigint NOT NULL
);

CREATE TABLE refresh_requests (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_date     date   NOT NULL,
    users         text,            -- JSON list of userids; NULL refreshes the whole day
    reason        text   NOT NULL,
    created_at_ms bigint NOT NULL
);

CREATE TABLE failed_push_pages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fetched_at_ms   bigint NOT NULL,
    raw             bytea  NOT NULL,   -- the response body as bytes, parsed only after commit
    processed_at_ms bigint
);
CREATE INDEX failed_push_pages_unprocessed ON failed_push_pages (id)
    WHERE processed_at_ms IS NULL;

CREATE TABLE api_calls (
    day      date    NOT NULL,
    endpoint text    NOT NULL,
    metered  boolean NOT NULL,
    outcome  text    NOT NULL,
    count    bigint  NOT NULL,
    PRIMARY KEY (day, endpoint, metered, outcome)
);

-- The next free call slot per (app, API), in epoch seconds of the server's clock.
CREATE TABLE rate_slots (
    key       text             PRIMARY KEY,
    next_slot double precision NOT NULL
);

-- The server's clock, the one every host shares (heartbeats, gaps, received times, slots).
CREATE FUNCTION state_now_ms() RETURNS bigint LANGUAGE sql VOLATILE
    AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
CREATE FUNCTION state_now_s() RETURNS double precision LANGUAGE sql VOLATILE
    AS $$ SELECT extract(epoch FROM clock_timestamp())::double precision $$;
