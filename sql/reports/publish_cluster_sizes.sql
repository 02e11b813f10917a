-- How many duplicate clusters have each size, by how they formed (one row per cluster: its representative's).
SELECT method, cluster_size, count(*) AS clusters
FROM dedup.clusters WHERE record_id = representative_id
GROUP BY ALL ORDER BY method, cluster_size;
