// Pairs of papers that share at least two datasets (evaluated on or proposed), one row per shared dataset.
MATCH (p1:Paper)-[:EVALUATES_ON|PROPOSES]->(d:Dataset)<-[:EVALUATES_ON|PROPOSES]-(p2:Paper)
WHERE p1.id < p2.id
WITH p1, p2, count(DISTINCT d) AS shared
WHERE shared >= 2
MATCH (p1)-[:EVALUATES_ON|PROPOSES]->(d2:Dataset)<-[:EVALUATES_ON|PROPOSES]-(p2)
RETURN DISTINCT p1.title AS paper1, p2.title AS paper2, shared, d2.name AS dataset
ORDER BY shared DESC, paper1, paper2, dataset
