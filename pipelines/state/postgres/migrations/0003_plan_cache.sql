-- The day's plans kept between polls (pipelines.extract.strategies.plans.PlanCache).
CREATE TABLE plans (
    work_date date NOT NULL,
    userid    text NOT NULL,
    plan      text NOT NULL,
    PRIMARY KEY (work_date, userid)
);
-- Every forget; `seq` is the marker a pull takes before reading DingTalk.
CREATE TABLE plan_forgotten (
    seq   bigserial PRIMARY KEY,
    since date      NOT NULL,
    users text
);
