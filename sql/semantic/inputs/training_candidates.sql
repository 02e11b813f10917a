-- The records paraphrase decontamination and semantic dedup decide on: everything dedup kept, plus
-- what this step removed on its last run (so a re-run with other settings can give it back), never
-- a record dedup itself removed. With the fields of the survivor rule.
WITH candidates AS (
    SELECT record_id FROM dedup.documents
    UNION
    SELECT record_id FROM dedup.contamination WHERE method = 'semantic'
    UNION
    SELECT record_id FROM semantic.clusters WHERE record_id <> representative_id
),
removed_by_dedup AS (
    SELECT record_id FROM dedup.clusters WHERE record_id <> representative_id
    UNION
    SELECT record_id FROM dedup.contamination WHERE method <> 'semantic'
)
SELECT c.record_id, c.role, c.origin, c.status, length(c.response) AS response_chars, c.instruction, c.input
FROM compliance.documents c
WHERE c.record_id IN (SELECT record_id FROM candidates)
  AND c.record_id NOT IN (SELECT record_id FROM removed_by_dedup)
  AND c.status <> 'dropped'
ORDER BY c.record_id
