// Methods evaluated on a given dataset, with the metrics and values the papers report (via Result nodes).
// Parameter: $dataset, the dataset's name or any alias (kg cypher ... --param dataset=ImageNet);
// --param dataset=null: every dataset.
MATCH (d:Dataset)<-[:ON_DATASET]-(r:Result)-[:OF_METHOD]->(m:Method)
WHERE coalesce($dataset, d.name) = d.name OR $dataset IN d.aliases
MATCH (r)-[:MEASURED_BY]->(x:Metric)
MATCH (p:Paper)-[:HAS_RESULT]->(r)
RETURN DISTINCT d.name AS dataset, m.name AS method, x.name AS metric, r.value AS value, p.title AS paper
ORDER BY dataset, method, metric, value, paper
