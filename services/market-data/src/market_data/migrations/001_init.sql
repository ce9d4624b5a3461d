-- The market-data's own schema starts empty; later migrations add its tables.
SELECT 1;
