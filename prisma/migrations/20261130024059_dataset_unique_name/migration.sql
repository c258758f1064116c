-- Dataset names become unique (pickers list datasets by name). Names already used twice keep their
-- first (oldest) holder; later ones get " (2)", " (3)", … so that no dataset is lost.
UPDATE "Dataset" d
SET "name" = d."name" || ' (' || r.n || ')'
FROM (SELECT "id", row_number() OVER (PARTITION BY "name" ORDER BY "createdAt", "id") AS n FROM "Dataset") r
WHERE d."id" = r."id" AND r.n > 1;

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");
