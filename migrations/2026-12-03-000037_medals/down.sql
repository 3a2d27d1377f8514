DROP TABLE medal_settings;
