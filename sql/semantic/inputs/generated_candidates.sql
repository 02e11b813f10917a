-- Generated records to check against the eval set, and the eval set itself.
SELECT record_id, role, instruction, input FROM dedup.documents WHERE role = 'eval'
UNION ALL
SELECT record_id, 'augmented', instruction, input FROM augment.documents
UNION ALL
SELECT record_id, 'synthetic', instruction, input FROM synth.pairs
ORDER BY record_id
