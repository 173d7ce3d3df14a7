-- +goose Up
-- Search text of each service: names, descriptions and results in every
-- language, folded by translit.Fold so either Uzbek script (and Russian and
-- English) finds the same service.
CREATE TABLE catalog_search (
	service_id TEXT PRIMARY KEY REFERENCES catalog_services(id) ON DELETE CASCADE,
	doc        TEXT NOT NULL,
	tsv        TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED
);
CREATE INDEX catalog_search_tsv ON catalog_search USING GIN (tsv);

-- +goose Down
DROP TABLE catalog_search;
