-- The push ledger (pipelines.quota.pushes): Stream pushes received per day and event type.
CREATE TABLE pushes (
    day        date   NOT NULL,
    event_type text   NOT NULL,
    count      bigint NOT NULL,
    last_at_ms bigint NOT NULL,
    PRIMARY KEY (day, event_type)
);
