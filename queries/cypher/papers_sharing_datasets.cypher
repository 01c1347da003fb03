// Papers that share at least two datasets (evaluated on or proposed) with a given paper, one row per shared dataset.
// Parameter: $paper, the paper's id or title (kg cypher ... --param paper=arxiv-2510.04838);
// --param paper=null: every paper (every ordered pair; grows with the square of the papers per dataset).
MATCH (p1:Paper)
WHERE coalesce($paper, p1.id) IN [p1.id, p1.title]
WITH p1
MATCH (p1)-[:EVALUATES_ON|PROPOSES]->(d:Dataset)
WITH p1, d
MATCH (d)<-[:EVALUATES_ON|PROPOSES]-(p2:Paper)
WHERE p1.id <> p2.id
WITH p1, p2, collect(DISTINCT d) AS datasets
WHERE size(datasets) >= 2
UNWIND datasets AS d2
RETURN DISTINCT p1.title AS paper1, p2.title AS paper2, size(datasets) AS shared, d2.name AS dataset
ORDER BY shared DESC, paper1, paper2, dataset
