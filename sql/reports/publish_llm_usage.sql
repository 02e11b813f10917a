-- Model calls in the ledger by task, provider and model: what produced and judged the data, and at what cost.
SELECT task, provider, model, count(*) AS calls, count(*) FILTER (WHERE status = 'ok') AS ok,
       count(*) FILTER (WHERE status = 'declined') AS declined, round(sum(cost_usd + prior_cost_usd), 4) AS cost_usd
FROM llm.calls GROUP BY ALL ORDER BY task, provider, model;
