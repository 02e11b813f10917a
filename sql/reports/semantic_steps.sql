-- The last run of each semantic step: ran, skipped (and why) or off. The run summary prints it.
SELECT step, status, coalesce(reason, '') AS reason
FROM semantic.steps
QUALIFY row_number() OVER (PARTITION BY step ORDER BY finished_at DESC) = 1
ORDER BY step
