-- +goose Up
-- Search text of each live service: names, descriptions and results in every
-- language, folded by translit.Fold so either Uzbek script (and Russian and
-- English) finds the same service. Only live services are indexed.
CREATE VIRTUAL TABLE catalog_search USING fts5(service_id UNINDEXED, doc, tokenize = 'unicode61 remove_diacritics 2');
-- Every word ever indexed, for suggesting a near word when a query has a typo.
CREATE TABLE catalog_search_terms (
	term   TEXT PRIMARY KEY,
	length INTEGER NOT NULL
);
CREATE INDEX catalog_search_terms_length ON catalog_search_terms (length);

-- +goose Down
DROP TABLE catalog_search_terms;
DROP TABLE catalog_search;
