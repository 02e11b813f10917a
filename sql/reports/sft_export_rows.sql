-- Every record the SFT export may draw from, with its subset and provenance: the curated training
-- set, the augmented records, and the synthetic pairs (verified only, unless ? is true).
-- provider/model are NULL for records read from a source (nothing here generated them);
-- verified_by is NULL where no verification exists (curated and augmented records).
SELECT record_id, origin, 'curated' AS subset, source, license, NULL AS method, NULL AS parent_id,
       NULL AS provider, NULL AS model, NULL::BOOLEAN AS verified, NULL AS verified_by,
       instruction, input, response
FROM dedup.documents WHERE role = 'train'
UNION ALL
SELECT record_id, 'augmented', 'augmented', source, license, method, parent_id,
       provider, model, NULL, NULL,
       instruction, input, response
FROM augment.documents
-- generated records that rephrase an eval item (semantic.paraphrase_pairs) stay out
WHERE record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
UNION ALL
SELECT record_id, 'synthetic', 'synthetic', 'synth', NULL, 'self_instruct:' || task_type, NULL,
       provider, model, verified, verified_by,
       instruction, input, response
FROM synth.pairs WHERE (verified OR ?)
  AND record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
