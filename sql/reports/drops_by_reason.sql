-- Everything a stage rejected, dropped or held back, by stage and reason: the run summary's
-- "where did my rows go". Each row here is kept in its stage's table with the full reason.
WITH compliance_reasons AS (
    SELECT regexp_replace(unnest(reasons), ':.*$', '') AS reason
    FROM compliance.documents WHERE status = 'dropped'
)
SELECT 'ingest' AS stage, 'raw.rejects' AS kept_in,
       regexp_replace(error, '( at | \(|: |, got).*$', '') AS reason, count(*) AS rows
FROM raw.rejects GROUP BY ALL
UNION ALL
SELECT 'compliance', 'compliance.documents', 'dropped: ' || reason, count(*) FROM compliance_reasons GROUP BY ALL
UNION ALL
SELECT 'dedup', 'dedup.clusters', 'duplicate (' || method || ')', count(*)
FROM dedup.clusters WHERE record_id <> representative_id GROUP BY ALL
UNION ALL
-- Rows of any stage removed for overlapping eval; augment and synth also keep them (with their
-- text) in their rejected tables, where they are not counted a second time.
SELECT stage, 'dedup.contamination', 'overlaps eval (' || method || ')', count(DISTINCT record_id)
FROM dedup.contamination GROUP BY ALL
UNION ALL
SELECT 'semantic', 'semantic.clusters', 'duplicate (semantic)', count(*)
FROM semantic.clusters WHERE record_id <> representative_id GROUP BY ALL HAVING count(*) > 0
UNION ALL
SELECT 'semantic', 'semantic.paraphrase_pairs', 'generated, rephrases eval (' || role || ')', count(*)
FROM semantic.paraphrase_pairs WHERE decision = 'removed' AND role IN ('augmented', 'synthetic') GROUP BY ALL
UNION ALL
SELECT 'semantic', 'semantic.paraphrase_pairs', 'flagged for review, kept: borderline rephrase (' || role || ')', count(*)
FROM semantic.paraphrase_pairs WHERE decision = 'flagged' GROUP BY ALL
UNION ALL
SELECT 'augment', 'augment.rejected', reason, count(*) FROM augment.rejected WHERE reason <> 'contaminates_eval' GROUP BY ALL
UNION ALL
SELECT 'synth', 'synth.rejected', reason, count(*) FROM synth.rejected WHERE reason <> 'contaminates_eval' GROUP BY ALL
UNION ALL
SELECT 'prefs', 'prefs.pairs', 'not exported: ' || verdict, count(*)
FROM prefs.pairs WHERE verdict NOT IN ('a', 'b') GROUP BY ALL
ORDER BY stage, rows DESC, reason;
