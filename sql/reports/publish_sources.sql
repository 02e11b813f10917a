-- Every configured source that delivered rows: its role, origin and license, and how many rows.
SELECT source, role, origin, coalesce(license, '(none)') AS license, count(*) AS rows
FROM raw.documents GROUP BY ALL
UNION ALL
SELECT source, role, origin, coalesce(license, '(none)'), count(*)
FROM raw.preferences GROUP BY ALL
ORDER BY role, source;
