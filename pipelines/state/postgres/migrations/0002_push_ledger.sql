-- The push ledger (pipelines.quota.pushes): Stream pushes received per day and event type.
CREATE TABLE pushes (
    day        date   NOT NULL,
    event_type text   NOT NULL,
    count      bigint NOT NULL,
    last_at_ms bigint NOT NULL,
    PRIMARY KEY (day, event_type)
);
-- One row at most: since when the polling sensor finds the Stream starved.
CREATE TABLE push_starvation (
    id       smallint PRIMARY KEY CHECK (id = 1),
    since_ms bigint   NOT NULL
);
