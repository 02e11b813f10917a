-- Steps of the last run that recorded anything (the run of the newest llm.spend_caps or prefs.bias row) cut short by a spend cap.
SELECT step, reason, requests_skipped, cost_usd
FROM llm.spend_caps
WHERE run_id = (SELECT run_id FROM (
          SELECT run_id, recorded_at AS happened FROM llm.spend_caps
          UNION ALL SELECT run_id, measured_at FROM prefs.bias
      ) ORDER BY happened DESC LIMIT 1)
ORDER BY step;
