-- Every record the SFT export may draw from, with its subset: the curated training set, the
-- augmented records, and the synthetic pairs (verified only, unless ? is true).
SELECT record_id, origin, 'curated' AS subset, source, NULL AS method, instruction, input, response
FROM dedup.documents WHERE role = 'train'
UNION ALL
SELECT record_id, 'augmented' AS origin, 'augmented' AS subset, source, method, instruction, input, response
FROM augment.documents
-- generated records that rephrase an eval item (semantic.paraphrase_pairs) stay out
WHERE record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
UNION ALL
SELECT record_id, 'synthetic' AS origin, 'synthetic' AS subset, 'synth' AS source, 'self_instruct:' || task_type AS method,
       instruction, input, response
FROM synth.pairs WHERE (verified OR ?)
  AND record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
