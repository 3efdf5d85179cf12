"""The SQL that takes each referral of the reports' fill (`report_fill._referrals`) along
the way: its dates step by step, how far it is meant to go and how far it came by today."""

# One CTE per step of the way, each date after the one before. `dest` is how far the
# referral is meant to go (0 informed ... 7 closed), `exit_kind` where it leaves the way;
# `reached` is how far it came by today, so recent referrals are still on their way.
REFERRAL_STEPS = """
WITH d AS MATERIALIZED (
    SELECT g, mod(g - 1, %(clients)s) AS client_no, (g - 1) / %(clients)s AS nth,
           random() AS u_fate, random() AS u_sub, random() AS u_result, random() AS u_reason,
           random() AS u0, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
           random() AS u5, random() AS u6, random() AS u7, random() AS u8, random() AS u9
    FROM generate_series(1::bigint, %(referrals)s) AS g
), b0 AS (
    SELECT d.*, c.id AS client_id, c.ocmw_id, t.id AS training_id, t.province AS region,
           t.duration_months,
           CASE WHEN d.nth = 0 THEN c.created_at + d.u0 * interval '2 hours'
                ELSE c.created_at + (60 + d.u0 * 460) * interval '1 day' END AS created_at
    FROM d
    JOIN referrals_client c ON c.last_name = 'Client ' || (d.client_no + 1)
    JOIN referrals_training t ON t.id = (SELECT min(id) FROM referrals_training)
        + mod(d.client_no * 7919 + d.nth * (1 + mod(d.client_no, %(trainings)s - 1)),
              %(trainings)s)
), people AS (
    -- The caseworkers of each OCMW and the counsellors of each region, if any were made.
    SELECT g.name, u.organisation_id, o.province, array_agg(u.id ORDER BY u.id) AS ids
    FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id
    JOIN auth_group g ON g.id = ug.group_id JOIN accounts_organisation o ON o.id = u.organisation_id
    WHERE g.name IN (%(caseworker_role)s, %(counsellor_role)s)
    GROUP BY g.name, u.organisation_id, o.province
), b AS (
    SELECT b0.*, cw.ids[1 + mod(b0.g, cardinality(cw.ids))] AS caseworker_id,
           co.ids[1 + mod(b0.g / 7, cardinality(co.ids))] AS counsellor_id
    FROM b0
    LEFT JOIN people cw ON cw.name = %(caseworker_role)s AND cw.organisation_id = b0.ocmw_id
    LEFT JOIN people co ON co.name = %(counsellor_role)s AND co.province = b0.region
), s1 AS (
    SELECT b.*, (created_at AT TIME ZONE %(tz)s)::date AS d0 FROM b
), s2 AS (
    SELECT s1.*, d0 + floor(u1 * 15)::int AS applied_on FROM s1
), s3 AS (
    SELECT s2.*, applied_on + 1 + floor(u2 * 20)::int AS agreed_on FROM s2
), s4 AS (
    SELECT s3.*, agreed_on + floor(u3 * 4)::int AS planned_on FROM s3
), s5 AS (
    SELECT s4.*, planned_on + 3 + floor(u4 * 25)::int AS intake_day FROM s4
), s6 AS (
    SELECT s5.*, intake_day + floor(u5 * 4)::int AS admit_on,
           intake_day + 7 + floor(u6 * 45)::int AS probable_start
    FROM s5
), s7 AS (
    SELECT s6.*, probable_start + floor(u7 * 8)::int AS start_on,
           CASE WHEN u_result < 0.55 THEN 'passed' WHEN u_result < 0.70 THEN 'failed'
                WHEN u_result < 0.90 THEN 'stopped_early' ELSE 'stopped_employment' END AS result,
           CASE WHEN u_fate < 0.03 THEN 0 WHEN u_fate < 0.11 THEN 1 WHEN u_fate < 0.13 THEN 2
                WHEN u_fate < 0.15 THEN 3 WHEN u_fate < 0.22 THEN floor(u_sub * 5)::int
                WHEN u_fate < 0.29 THEN 3 WHEN u_fate < 0.31 THEN 4
                WHEN u_sub < 0.08 THEN 6 ELSE 7 END AS dest,
           CASE WHEN u_fate < 0.06 THEN '' WHEN u_fate < 0.11 THEN 'declined'
                WHEN u_fate < 0.15 THEN '' WHEN u_fate < 0.22 THEN 'withdrawn'
                WHEN u_fate < 0.29 THEN 'not_admitted' ELSE '' END AS exit_kind
    FROM s6
), s8 AS (
    SELECT s7.*, (start_on + make_interval(months => duration_months))::date AS planned_end
    FROM s7
), s9 AS (
    SELECT s8.*, ARRAY[
        d0, applied_on, agreed_on, planned_on, admit_on, start_on,
        CASE WHEN result IN ('passed', 'failed') THEN planned_end - floor(u8 * 10)::int
             ELSE start_on + 7 + floor(u8 * (planned_end - start_on - 14))::int END,
        NULL
    ] AS steps
    FROM s8
), s10 AS MATERIALIZED (
    SELECT s9.*, steps[1:7] || (steps[7] + floor(u9 * 40)::int) AS step_on FROM s9
), s11 AS (
    SELECT s10.*, CASE {reached} ELSE 0 END AS reached,
           CASE WHEN exit_kind = 'not_admitted' THEN step_on[5]
                ELSE step_on[dest + 1] + 1 + floor(u_reason * 20)::int END AS exit_on
    FROM s10
), s12 AS (
    SELECT s11.*, exit_kind <> '' AND reached = dest AND exit_on <= %(today)s AS exited,
           exit_on + 1 + floor(u9 * 40)::int AS reopened_on
    FROM s11
), s AS MATERIALIZED (
    SELECT s12.*,
           exited AND exit_kind = 'not_admitted' AND u_sub < 0.7 AND reopened_on <= %(today)s
               AS closed_after_rejection
    FROM s12
), r AS (
    SELECT s.*,
           CASE WHEN closed_after_rejection THEN 'closed' WHEN exited THEN exit_kind
                ELSE (%(steps)s::text[])[reached + 1] END AS state,
           CASE WHEN NOT exited AND reached = 0 THEN created_at
                ELSE greatest(created_at, (
                    CASE WHEN closed_after_rejection THEN reopened_on WHEN exited THEN exit_on
                         ELSE step_on[reached + 1] END
                    + time '08:30' + u3 * interval '8 hours') AT TIME ZONE %(tz)s) END
               AS changed_at
    FROM s
)
"""
REACHED = " ".join(
    f"WHEN dest >= {k} AND step_on[{k + 1}] <= %(today)s THEN {k}" for k in range(7, 0, -1)
)
