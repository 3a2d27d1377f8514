DROP TABLE person_availability;
