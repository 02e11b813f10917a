-- The dedup check `no_train_text_equals_eval`: (kept train or seed records whose normalized text
-- equals an eval record's, eval records compliance dropped that were kept anyway). Eval records
-- are every eval-role record compliance saw, whatever its status, since dropped ones decontaminate too.
SELECT
    (SELECT count(*) FROM dedup.documents t JOIN dedup.signatures st USING (record_id)
     JOIN dedup.signatures se ON se.text_key = st.text_key AND se.scheme = st.scheme
     JOIN compliance.documents e ON e.record_id = se.record_id
     WHERE t.role IN ('train', 'seed') AND e.role = 'eval'),
    (SELECT count(*) FROM dedup.documents d JOIN compliance.documents c USING (record_id)
     WHERE c.role = 'eval' AND c.status = 'dropped');
