"""The report's SQL over the warehouse views: every figure is read from the marts, not derived.

Every statement takes `$month` (YYYY-MM) and `$dept` (a department id, or NULL for everyone)
as bound parameters. `in_scope` (a session macro) selects the people listed in the department
(any of their departments); the warehouse has no department tree, so sub-departments are not
included.
"""

from __future__ import annotations

IN_SCOPE_MACRO = """
CREATE OR REPLACE TEMP MACRO in_scope(uid, dept) AS (dept IS NULL OR uid IN (
    SELECT userid FROM employees WHERE dept_id = dept OR list_contains(dept_ids, dept)))
"""

MONTHS = "SELECT DISTINCT month FROM attendance_monthly ORDER BY month"

EMPLOYEES = """
SELECT m.* EXCLUDE (month), e.job_number, e.title
FROM attendance_monthly m LEFT JOIN employees e USING (userid)
WHERE m.month = $month AND in_scope(m.userid, $dept::BIGINT)
ORDER BY m.dept_name, m.name, m.userid
"""

DAILY = """
SELECT d.*, e.job_number, e.title
FROM attendance_daily d LEFT JOIN employees e USING (userid)
WHERE strftime(d.work_date, '%Y-%m') = $month AND in_scope(d.userid, $dept::BIGINT)
ORDER BY d.dept_name, d.name, d.userid, d.work_date
"""

# Check points in plan order: the console numbers them 上班1/下班1, 上班2/下班2 per day.
CHECK_POINTS = """
SELECT work_date, userid, check_type, plan_check_time, user_check_time, time_result,
    row_number() OVER (PARTITION BY work_date, userid, check_type ORDER BY plan_check_time)
        AS ordinal
FROM attendance_results
WHERE strftime(work_date, '%Y-%m') = $month AND in_scope(userid, $dept::BIGINT)
ORDER BY userid, work_date, plan_check_time
"""

PUNCHES = """
SELECT p.*, e.name, e.dept_name, e.job_number, e.title
FROM attendance_punches p LEFT JOIN employees e USING (userid)
WHERE strftime(p.work_date, '%Y-%m') = $month AND in_scope(p.userid, $dept::BIGINT)
ORDER BY e.dept_name, e.name, p.userid, p.user_check_time, p.record_id
"""

LATENESS_BY_DEPARTMENT_DAY = """
SELECT dept_id, any_value(dept_name) AS dept_name, work_date, sum(late_count)::BIGINT AS late
FROM attendance_daily
WHERE strftime(work_date, '%Y-%m') = $month AND in_scope(userid, $dept::BIGINT)
GROUP BY dept_id, work_date ORDER BY dept_id, work_date
"""

OVERTIME_BY_WEEK = """
SELECT date_trunc('week', work_date)::DATE AS week, sum(overtime_hours) AS hours
FROM attendance_daily
WHERE strftime(work_date, '%Y-%m') = $month AND in_scope(userid, $dept::BIGINT)
GROUP BY week ORDER BY week
"""

LEAVE_BY_TYPE = """
SELECT leave_type, sum(hours) AS hours, count(DISTINCT userid)::BIGINT AS employees
FROM (SELECT userid, unnest(map_keys(leave_hours_by_type)) AS leave_type,
        unnest(map_values(leave_hours_by_type)) AS hours
    FROM attendance_monthly WHERE month = $month AND in_scope(userid, $dept::BIGINT))
GROUP BY leave_type ORDER BY hours DESC, leave_type
"""

# What an HR manager must look at before closing the month: one row per employee-day and kind.
EXCEPTIONS = """
WITH d AS (
    SELECT * FROM attendance_daily
    WHERE strftime(work_date, '%Y-%m') = $month AND in_scope(userid, $dept::BIGINT)
),
serious AS (
    SELECT DISTINCT work_date, userid FROM attendance_results
    WHERE strftime(work_date, '%Y-%m') = $month
        AND time_result = 'SeriousLate'
)
SELECT work_date, userid, name, dept_name, kind, value FROM (
    SELECT *, 'absent' AS kind, absent_days AS value FROM d WHERE absent
    UNION ALL BY NAME
    SELECT *, 'missing' AS kind, missing_count::DOUBLE AS value FROM d WHERE missing_count > 0
    UNION ALL BY NAME
    SELECT d.*, 'serious_late' AS kind, d.late_minutes AS value
    FROM d JOIN serious USING (work_date, userid)
    UNION ALL BY NAME
    SELECT *, 'unsettled' AS kind, NULL::DOUBLE AS value FROM d WHERE scheduled AND NOT settled
)
ORDER BY work_date, dept_name, name, userid, kind
"""

FRESHNESS = """
SELECT (SELECT max(pulled_at) FROM attendance_results
        WHERE strftime(work_date, '%Y-%m') = $month AND in_scope(userid, $dept::BIGINT)) AS as_of,
    (SELECT min(work_date) FROM attendance_daily
        WHERE strftime(work_date, '%Y-%m') = $month) AS first_day,
    (SELECT max(work_date) FROM attendance_daily
        WHERE strftime(work_date, '%Y-%m') = $month) AS last_day,
    coalesce(sum(days_settled), 0)::BIGINT AS days_settled,
    coalesce(sum(days_loaded), 0)::BIGINT AS days_loaded
FROM attendance_monthly WHERE month = $month AND in_scope(userid, $dept::BIGINT)
"""

LEAVE_TYPES = """
SELECT name FROM report_columns WHERE kind = 'leave_type' ORDER BY name
"""
