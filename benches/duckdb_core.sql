-- DuckDB contender for benches/run.sh: the *core* CCM audit only.
--
--   read timelog.csv, join the first consent per patient, keep CCM rows by practitioner /
--   clinical roles on or after consent, sum minutes per patient-month and billing NPI,
--   count distinct 3-character chronic categories active in the month (chronic = flag 1
--   in rules/chronic/ccir_v2023_1.csv), decide 99490 (>= 20 min and >= 2 conditions)
--   and 99439 units = min(2, (minutes - 20) / 20), and COPY the result to a CSV.
--
-- No overlap, clash, documentation, coding or validity checks: ccm does all of those and
-- DuckDB does none, so the comparison is deliberately generous to DuckDB.
--
-- Placeholders replaced by run.sh's driver: @DATA@ (input dir), @OUT@ (output CSV),
-- @CHRONIC@ (chronic flags CSV), @ROLES@ (roles CSV of the audited year).

SET threads = 2;
SET preserve_insertion_order = false;

COPY (
  WITH
  tl AS (
    SELECT * FROM read_csv('@DATA@/timelog.csv', header = true, auto_detect = false,
      columns = {'patient_id': 'VARCHAR', 'service_date': 'DATE', 'minutes': 'INTEGER',
                 'start_time': 'VARCHAR', 'end_time': 'VARCHAR', 'staff_id': 'VARCHAR',
                 'staff_role': 'VARCHAR', 'program': 'VARCHAR', 'billing_npi': 'VARCHAR',
                 'activity': 'VARCHAR', 'note': 'VARCHAR'})
  ),
  consent AS (
    SELECT patient_id, min(consent_date) AS consent_date
    FROM read_csv('@DATA@/consents.csv', header = true, auto_detect = false,
      columns = {'patient_id': 'VARCHAR', 'consent_date': 'DATE', 'program': 'VARCHAR',
                 'method': 'VARCHAR', 'billing_npi': 'VARCHAR', 'revoked_date': 'DATE'})
    GROUP BY patient_id
  ),
  dx AS (
    SELECT patient_id, replace(upper(icd10_code), '.', '') AS code, onset_date, resolved_date
    FROM read_csv('@DATA@/diagnoses.csv', header = true, auto_detect = false,
      columns = {'patient_id': 'VARCHAR', 'icd10_code': 'VARCHAR', 'onset_date': 'DATE',
                 'resolved_date': 'DATE', 'description': 'VARCHAR'})
  ),
  chronic AS (
    SELECT code FROM read_csv('@CHRONIC@', header = true, auto_detect = false,
      columns = {'code': 'VARCHAR', 'flag': 'VARCHAR'})
    WHERE flag = '1'
  ),
  roles AS (
    SELECT upper(role) AS role FROM read_csv('@ROLES@', header = true, auto_detect = false,
      columns = {'role': 'VARCHAR', 'class': 'VARCHAR', 'source': 'VARCHAR'})
    WHERE class IN ('practitioner', 'clinical')
  ),
  pm AS (
    SELECT t.patient_id, date_trunc('month', t.service_date) AS month, t.billing_npi,
           sum(t.minutes) AS minutes
    FROM tl t
    JOIN consent c ON c.patient_id = t.patient_id
    WHERE upper(coalesce(t.program, 'CCM')) = 'CCM'
      AND upper(t.staff_role) IN (SELECT role FROM roles)
      AND t.service_date >= c.consent_date
    GROUP BY ALL
  ),
  cond AS (
    SELECT m.patient_id, m.month, count(DISTINCT left(d.code, 3)) AS n_chronic
    FROM (SELECT DISTINCT patient_id, month FROM pm) m
    JOIN dx d ON d.patient_id = m.patient_id
    JOIN chronic c ON c.code = d.code
    WHERE (d.onset_date IS NULL OR d.onset_date <= last_day(m.month))
      AND (d.resolved_date IS NULL OR d.resolved_date >= m.month)
    GROUP BY ALL
  )
  SELECT pm.patient_id, strftime(pm.month, '%Y-%m') AS month, pm.billing_npi, pm.minutes,
         coalesce(cond.n_chronic, 0) AS chronic_conditions,
         (pm.minutes >= 20 AND coalesce(cond.n_chronic, 0) >= 2) AS bill_99490,
         CASE WHEN pm.minutes >= 20 AND coalesce(cond.n_chronic, 0) >= 2
              THEN least(2, (pm.minutes - 20) // 20) ELSE 0 END AS units_99439
  FROM pm
  LEFT JOIN cond ON cond.patient_id = pm.patient_id AND cond.month = pm.month
  ORDER BY pm.patient_id, month, pm.billing_npi
) TO '@OUT@' (HEADER, DELIMITER ',');
