-- Data written into a schema at version 3 (00001..00003) to make the committed
-- fixtures v3.sqlite and v3.postgres.sql: version 2's data (v2_data.sql, run
-- first: the fixture extends v2's), and the minter version 3 records for the
-- token the administrator minted for bob.
UPDATE tokens SET minted_by = 'usr_KKKKKKKKKKKKKKKKKKKKKK' WHERE hash = '0f00000000000000000000000000000000000000000000000000000000000003';
