-- Every table of the warehouse with its schema, for the run summary (row counts are added per table).
SELECT table_schema, table_name
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_catalog = current_database()
ORDER BY CASE table_schema
    WHEN 'raw' THEN 1 WHEN 'compliance' THEN 2 WHEN 'dedup' THEN 3 WHEN 'augment' THEN 4
    WHEN 'synth' THEN 5 WHEN 'prefs' THEN 6 WHEN 'curves' THEN 7 WHEN 'llm' THEN 8 ELSE 9 END,
    table_name;
