-- The latest profile snapshot of each dataset (raw, curated), one row per statistic.
SELECT s.dataset, s.field, s.statistic, s.value, s.label
FROM profile.snapshots s
JOIN (SELECT dataset, arg_max(run_id, profiled_at) AS run_id FROM profile.snapshots GROUP BY dataset) latest
  USING (dataset, run_id)
ORDER BY s.dataset, s.field, s.statistic, s.label;
