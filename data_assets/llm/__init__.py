"""The LLM layer: one resource through which every model call is cached, counted, priced and retried.

Where things are: `resource.py` the `LLMResource` and its one entry point `run`; `types.py` the
request/result contract; `ledger.py` the `llm.calls` table and the request hash; `cache.py` which
row answers a request; `spend.py` the spend caps ("where is the spend cap?"); `sync.py` and
`batch.py` the two Claude paths, `claude.py` the SDK calls; `offline.py` the offline provider;
`recorder.py` pricing, counting and writing finished requests; `usage.py` what an asset reports;
`pricing.py` the price list.
"""
