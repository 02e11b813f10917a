-- Rejected source rows by source and reason (the reason up to its first detail).
SELECT source,
       regexp_replace(error, '( at | \(|: |, got).*$', '') AS reason,
       count(*) AS rows
FROM raw.rejects
GROUP BY ALL
ORDER BY rows DESC, source, reason;
