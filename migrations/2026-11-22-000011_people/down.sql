DROP TABLE people;
DROP TABLE organizations;
