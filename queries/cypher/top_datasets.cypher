// Top datasets by number of papers: papers that evaluate on the dataset or propose it.
MATCH (p:Paper)-[:EVALUATES_ON|PROPOSES]->(d:Dataset)
WITH d, count(DISTINCT p) AS papers
RETURN d.name AS dataset, papers
ORDER BY papers DESC, dataset
LIMIT 20
