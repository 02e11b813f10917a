-- Thin topics (train share under thin_ratio x eval share) with their training members and the
-- records each lacks to reach its eval share: what augmentation and synthesis should fill.
WITH train_total AS (SELECT count(*) AS n FROM semantic.topic_members WHERE role = 'train')
SELECT t.topic_id, t.label, t.top_terms,
       greatest(1, CAST(ceil(t.eval_share * (SELECT n FROM train_total)) AS BIGINT) - t.train_records) AS deficit,
       m.record_id
FROM semantic.topics t
JOIN semantic.topic_members m ON m.topic_id = t.topic_id AND m.role = 'train'
WHERE t.thin
ORDER BY t.topic_id, m.record_id
