-- Every judged preference pair with both responses, how each was made, who judged it and where
-- its prompt came from: the candidates of dpo.jsonl (the export decides which go in, and why not).
-- judge_providers lists the providers of the pair's judgments; a pair decided only by the offline
-- heuristic has ['offline'].
WITH judges AS (
    SELECT pair_id, list(DISTINCT provider ORDER BY provider) AS judge_providers
    FROM prefs.judgments GROUP BY pair_id
), prompt_sources AS (
    SELECT record_id, source FROM dedup.documents
    UNION ALL
    SELECT record_id, source FROM raw.preferences
)
SELECT p.pair_id, p.source AS pair_source, p.prompt_id, s.source AS prompt_source, p.prompt, p.verdict,
       p.human_label, p.judge_model, j.judge_providers,
       a.text AS text_a, a.origin AS origin_a, a.method AS method_a, a.model AS model_a,
       b.text AS text_b, b.origin AS origin_b, b.method AS method_b, b.model AS model_b
FROM prefs.pairs p
JOIN prefs.responses a ON a.response_id = p.response_a_id
JOIN prefs.responses b ON b.response_id = p.response_b_id
LEFT JOIN judges j USING (pair_id)
LEFT JOIN (SELECT DISTINCT ON (record_id) record_id, source FROM prompt_sources) s ON s.record_id = p.prompt_id
ORDER BY p.pair_id
