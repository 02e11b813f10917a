-- dedup check every_record_accounted_for: non-dropped compliance records not in any outcome, and records in more than one.
WITH removed AS (
    SELECT record_id FROM dedup.clusters WHERE record_id <> representative_id
    UNION ALL SELECT record_id FROM dedup.contamination WHERE stage = 'dedup'),
outcome AS (SELECT record_id FROM dedup.documents UNION ALL SELECT record_id FROM removed)
SELECT (SELECT count(*) FROM compliance.documents c WHERE status <> 'dropped'
          AND record_id NOT IN (SELECT record_id FROM outcome)),
       (SELECT count(*) FROM (SELECT record_id FROM outcome GROUP BY record_id HAVING count(*) > 1))
