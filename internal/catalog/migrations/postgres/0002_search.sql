-- +goose Up
-- Search text of each live service: names, descriptions and results in every
-- language, folded by translit.Fold so either Uzbek script (and Russian and
-- English) finds the same service. Only live services are indexed.
CREATE TABLE catalog_search (
	service_id TEXT PRIMARY KEY REFERENCES catalog_services(id) ON DELETE CASCADE,
	doc        TEXT NOT NULL,
	tsv        TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', doc)) STORED
);
CREATE INDEX catalog_search_tsv ON catalog_search USING GIN (tsv);
-- Every word ever indexed, for suggesting a near word when a query has a typo.
CREATE TABLE catalog_search_terms (
	term   TEXT PRIMARY KEY,
	length INTEGER NOT NULL
);
CREATE INDEX catalog_search_terms_length ON catalog_search_terms (length);

-- +goose Down
DROP TABLE catalog_search_terms;
DROP TABLE catalog_search;
