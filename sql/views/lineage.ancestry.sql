-- Every row's ancestry: one line per (record, ancestor) with the step that links them.
-- Self-edges (redact, drop) describe a step on the record itself and are listed at depth 0.
-- Usage: SELECT * FROM lineage.trace('r_…') ORDER BY depth;
CREATE OR REPLACE MACRO lineage.trace(rid) AS TABLE
WITH RECURSIVE walk(record_id, depth, child_id, parent_id, stage, operation, detail, run_id, path) AS (
    SELECT rid, 0, e.child_id, e.parent_id, e.stage, e.operation, e.detail, e.run_id, [e.child_id]
    FROM lineage.edges e WHERE e.child_id = rid
    UNION ALL
    SELECT w.record_id, w.depth + 1, e.child_id, e.parent_id, e.stage, e.operation, e.detail, e.run_id,
           list_append(w.path, e.child_id)
    FROM walk w JOIN lineage.edges e ON e.child_id = w.parent_id
    WHERE w.parent_id <> w.child_id            -- a self-edge ends its branch
      AND NOT list_contains(w.path, e.child_id) -- never loop
      AND w.depth < 64
)
SELECT w.record_id, w.depth, w.child_id, w.parent_id, w.stage, w.operation, w.detail, w.run_id,
       r.source, r.source_uri, r.source_row
FROM walk w
LEFT JOIN (
    SELECT record_id, source, source_uri, source_row FROM raw.documents
    UNION ALL
    SELECT record_id, source, source_uri, source_row FROM raw.preferences
    UNION ALL
    SELECT record_id, source, source_uri, source_row FROM raw.conversations
) r ON r.record_id = w.parent_id;
