// Tasks addressed by the papers that propose a method, with the number of such papers.
// Parameter: $method, the method's name or any alias (kg cypher ... --param method=LoRA);
// --param method=null: every proposed method.
MATCH (p:Paper)-[:PROPOSES]->(m:Method)
WHERE coalesce($method, m.name) = m.name OR $method IN m.aliases
MATCH (p)-[:ADDRESSES]->(t:Task)
WITH m, t, count(DISTINCT p) AS papers
RETURN m.name AS method, t.name AS task, papers
ORDER BY method, papers DESC, task
