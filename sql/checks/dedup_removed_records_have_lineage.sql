-- dedup check removed_records_have_lineage: expected duplicate_of / contaminates_eval edges without a lineage edge, and all expected.
-- Parameters: the stage name, twice (contamination rows and lineage edges of that stage).
WITH expected AS (
    SELECT record_id AS child_id, representative_id AS parent_id, 'duplicate_of' AS operation
    FROM dedup.clusters WHERE record_id <> representative_id
    UNION ALL SELECT record_id, eval_record_id, 'contaminates_eval' FROM dedup.contamination WHERE stage = ?)
SELECT count(*) FILTER (WHERE e.child_id IS NULL), count(*) FROM expected x
LEFT JOIN lineage.edges e ON e.stage = ? AND e.child_id = x.child_id
     AND e.parent_id = x.parent_id AND e.operation = x.operation
