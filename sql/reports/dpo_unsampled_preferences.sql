-- Human preference records that never became a pair in prefs.pairs: outside the preference_pairs
-- sample (human_sample_size), or removed before it. They cannot reach dpo.jsonl this run.
SELECT count(*) FROM raw.preferences
WHERE record_id NOT IN (SELECT prompt_id FROM prefs.pairs WHERE source = 'human')
