-- The judge's bias figures of the last ten prefs runs, newest first (preference_pairs metadata `bias_last_runs`).
SELECT measured_at, judge_model, rubric_version, pairs_judged, round(consistency_rate, 3) AS consistency,
       round(first_position_win_rate, 3) AS first_position_wins, round(longer_response_win_rate, 3) AS longer_wins,
       round(human_agreement_excluding_ties, 3) AS human_agreement
FROM prefs.bias ORDER BY measured_at DESC LIMIT 10
