-- For every record that has lineage: the raw records (instruction, preference or conversation) it descends
-- from, with their source file and row. A record with no edges is its own root when it is a raw record.
CREATE OR REPLACE VIEW lineage.roots AS
WITH RECURSIVE up(record_id, ancestor_id, depth) AS (
    SELECT child_id, parent_id, 1 FROM lineage.edges WHERE child_id <> parent_id
    UNION
    SELECT up.record_id, e.parent_id, up.depth + 1
    FROM up JOIN lineage.edges e ON e.child_id = up.ancestor_id AND e.child_id <> e.parent_id
    WHERE up.depth < 64
)
SELECT DISTINCT up.record_id, r.record_id AS root_id, r.source, r.source_uri, r.source_row
FROM up JOIN (
    SELECT record_id, source, source_uri, source_row FROM raw.documents
    UNION ALL
    SELECT record_id, source, source_uri, source_row FROM raw.preferences
    UNION ALL
    SELECT record_id, source, source_uri, source_row FROM raw.conversations
) r ON r.record_id = up.ancestor_id;
