-- Rows per stage of the last run, in pipeline order.
SELECT * FROM (VALUES
    (1, 'raw documents',          (SELECT count(*) FROM raw.documents)),
    (2, 'raw preference pairs',   (SELECT count(*) FROM raw.preferences)),
    (3, 'compliance: passed',     (SELECT count(*) FROM compliance.documents WHERE status = 'pass')),
    (4, 'compliance: redacted',   (SELECT count(*) FROM compliance.documents WHERE status = 'redacted')),
    (5, 'compliance: dropped',    (SELECT count(*) FROM compliance.documents WHERE status = 'dropped')),
    (6, 'curated (dedup.documents, train)', (SELECT count(*) FROM dedup.documents WHERE role = 'train')),
    (7, 'eval / seed kept',       (SELECT count(*) FROM dedup.documents WHERE role <> 'train')),
    (8, 'augmented',              (SELECT count(*) FROM augment.documents)),
    (9, 'synthetic (verified)',   (SELECT count(*) FILTER (WHERE verified) FROM synth.pairs)),
    (10, 'synthetic (all kept)',  (SELECT count(*) FROM synth.pairs)),
    -- A pair left unjudged (a failed call, or one the spend cap left unsent) is not judged.
    (11, 'preference pairs judged', (SELECT count(*) FILTER (WHERE verdict <> 'unjudged') FROM prefs.pairs)),
    (12, 'preference pairs unjudged', (SELECT count(*) FILTER (WHERE verdict = 'unjudged') FROM prefs.pairs)),
    (13, 'preference pairs consistent', (SELECT count(*) FROM prefs.pairs WHERE verdict IN ('a', 'b'))),
    (14, 'curve points',          (SELECT count(*) FROM curves.points)),
    (15, 'model calls in ledger', (SELECT count(*) FROM llm.calls)),
    (16, 'lineage edges',         (SELECT count(*) FROM lineage.edges))
) AS t(step, stage, rows)
ORDER BY step;
