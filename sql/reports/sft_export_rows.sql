-- Every record the SFT export may draw from, with its subset and provenance: the curated training
-- set, the augmented records, and the synthetic pairs (verified only, unless ? is true).
-- provider/model are NULL for records read from a source (nothing here generated them);
-- verified_by is NULL where no verification exists (curated and augmented records).
-- conversation holds the turns (JSON) of a multi-turn conversation, NULL for single-turn records.
SELECT record_id, origin, 'curated' AS subset, source, license, NULL AS method, NULL AS parent_id,
       NULL AS provider, NULL AS model, NULL::BOOLEAN AS verified, NULL AS verified_by,
       instruction, input, response, NULL AS conversation
FROM dedup.documents WHERE role = 'train'
UNION ALL
-- kept conversations (compliance passed or redacted, not a duplicate, not contaminated); an answer
-- the user gave a thumbs-down is not one to imitate
SELECT record_id, origin, 'curated', source, license, NULL, NULL,
       NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, messages
FROM conversations.documents WHERE role = 'train' AND status IN ('pass', 'redacted') AND feedback <> 'down'
UNION ALL
SELECT record_id, 'augmented', 'augmented', source, license, method, parent_id,
       provider, model, NULL, NULL,
       instruction, input, response, NULL
FROM augment.documents
-- generated records that rephrase an eval item (semantic.paraphrase_pairs) stay out
WHERE record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
UNION ALL
SELECT record_id, 'synthetic', 'synthetic', 'synth', NULL, 'self_instruct:' || task_type, NULL,
       provider, model, verified, verified_by,
       instruction, input, response, NULL
FROM synth.pairs WHERE (verified OR ?)
  AND record_id NOT IN (SELECT record_id FROM semantic.paraphrase_pairs WHERE decision = 'removed')
