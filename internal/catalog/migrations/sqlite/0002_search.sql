-- +goose Up
-- Search text of each service: names, descriptions and results in every
-- language, folded by translit.Fold so either Uzbek script (and Russian and
-- English) finds the same service.
CREATE VIRTUAL TABLE catalog_search USING fts5(service_id UNINDEXED, doc, tokenize = 'unicode61 remove_diacritics 2');
-- The search terms, for suggesting a near word when a query has a typo.
CREATE VIRTUAL TABLE catalog_search_terms USING fts5vocab(catalog_search, 'row');

-- +goose Down
DROP TABLE catalog_search_terms;
DROP TABLE catalog_search;
