-- Up Migration

-- After the database refused a write for lack of room (a full disk), the service learns that it
-- can write again by writing: a row here, rolled back, whose padding is stored out of line and
-- uncompressed so that it needs new pages on disk as a real commit would. Nothing stays in it.
CREATE TABLE store_write_probes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  padding text NOT NULL
);
ALTER TABLE store_write_probes ALTER COLUMN padding SET STORAGE EXTERNAL;

-- Down Migration
DROP TABLE IF EXISTS store_write_probes;
