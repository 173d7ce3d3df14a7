-- +goose Up
-- Lists of services are filtered by status and ordered by code (the API)
-- or by the name in the reader's language (the catalogue): with these
-- indexes a page is read in order instead of sorting every matching
-- passport. The expressions must match Registry.Services exactly.
CREATE INDEX catalog_services_status_code ON catalog_services (status, code);
CREATE INDEX catalog_services_name_uz_latn ON catalog_services (status, (passport -> 'name' ->> 'uz-Latn'), code);
CREATE INDEX catalog_services_name_uz_cyrl ON catalog_services (status, (passport -> 'name' ->> 'uz-Cyrl'), code);
CREATE INDEX catalog_services_name_ru ON catalog_services (status, (passport -> 'name' ->> 'ru'), code);
CREATE INDEX catalog_services_name_en ON catalog_services (status, (passport -> 'name' ->> 'en'), code);

-- +goose Down
DROP INDEX catalog_services_name_en;
DROP INDEX catalog_services_name_ru;
DROP INDEX catalog_services_name_uz_cyrl;
DROP INDEX catalog_services_name_uz_latn;
DROP INDEX catalog_services_status_code;
