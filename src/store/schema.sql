-- Vigil's canonical database schema. This file is the truth: a fresh database is created from it,
-- and the migrations in src/store/migrations.rs must upgrade any older database to exactly this
-- (a test compares the two). Times are UTC; every unit is stated.
-- Schema version: 3 (kept in PRAGMA user_version).

-- The one site this data dir describes (a single row, id = 1).
CREATE TABLE site (
  id INTEGER PRIMARY KEY CHECK (id = 1),  -- always 1: one site per data dir
  name TEXT NOT NULL,                     -- display name of the site, e.g. "Thị trấn Mường Tè"
  timezone TEXT NOT NULL                  -- IANA zone the UI shows times in, e.g. "Asia/Ho_Chi_Minh"
) STRICT;

-- Neighborhoods ("khu phố") that group cameras on the wall and the map.
CREATE TABLE neighborhood (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}, e.g. "kp3"
  name TEXT NOT NULL,                     -- display name, e.g. "Khu phố 3"
  colour_rgb INTEGER NOT NULL,            -- display colour as 0xRRGGBB (24-bit integer)
  sort_order INTEGER NOT NULL             -- position in lists, 0-based, ascending
) STRICT;

-- Cameras and the RTSP URLs of their streams.
CREATE TABLE camera (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}; the simulator's mount name
  name TEXT NOT NULL,                     -- display name, e.g. "Ngã tư chợ trung tâm"
  neighborhood_id TEXT NOT NULL REFERENCES neighborhood (id),  -- neighborhood the camera stands in
  main_url TEXT NOT NULL,                 -- rtsp:// URL of the full-resolution main stream
  sub_url TEXT,                           -- rtsp:// URL of the substream; NULL when the camera has none
  enabled INTEGER NOT NULL,               -- 1 = shown and recorded, 0 = configured but ignored
  sort_order INTEGER NOT NULL,            -- position in lists, 0-based, ascending
  credential_id TEXT REFERENCES credential (id)  -- login for the camera; NULL when it needs none (added in v2)
) STRICT;

-- Logins that cameras ask for (RTSP basic/digest auth).
-- Note: passwords are stored in clear in this file for now; protect the data dir (mode 0700).
CREATE TABLE credential (
  id TEXT PRIMARY KEY,                    -- stable id, [a-z0-9_-]{1,64}, referenced by camera.credential_id
  username TEXT NOT NULL,                 -- RTSP user name
  password TEXT NOT NULL                  -- RTSP password, in clear
) STRICT;

CREATE INDEX camera_by_neighborhood ON camera (neighborhood_id, sort_order);

-- Wall layouts saved by name (the per-neighborhood and "all cameras" layouts are derived from the
-- site and not stored). Added in v3.
CREATE TABLE wall_layout (
  name TEXT PRIMARY KEY,                  -- name shown on the layout bar, chosen by the user
  layout TEXT NOT NULL,                   -- standard layout name: "1", "2x2" … "6x6", "1+5", "1+7", "1+12", "2+8"
  cameras_json TEXT NOT NULL,             -- JSON array, one entry per tile: camera id or null (empty tile)
  created_unix_ms INTEGER NOT NULL        -- when it was saved, ms since 1970-01-01 UTC
) STRICT;
