DROP INDEX people_search, people_trigram, organizations_search, organizations_trigram, groups_search, groups_trigram;
DROP FUNCTION rapport_search_score, rapport_search_query, rapport_search_doc;
DROP TEXT SEARCH CONFIGURATION rapport_search;
